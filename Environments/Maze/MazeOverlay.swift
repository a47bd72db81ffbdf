import RLCore

extension Maze {
  /// The maze with several robots' trails on it, each in its colour with its end marked, and a
  /// legend under the maze naming them (`rollout replay A B --overlay FILE.png`).
  public func overlay(trails: [(label: String, points: [SIMD2<Double>], color: RGB)]) -> Frame {
    let size = renderSize
    let legendRow = 22
    var frame = Frame(width: size.width, height: size.height + legendRow * trails.count + 8)
    let maze = Frame(width: size.width, height: size.height)
    let (scale, px, py) = pixelTransform(for: maze)
    let layout = config.layout
    frame.fillCircle(centerX: px(layout.startX), centerY: py(layout.startY), radius: 3 * scale, Palette.start)
    frame.fillCircle(
      centerX: px(layout.goalX), centerY: py(layout.goalY), radius: Maze.goalRadius * scale, Palette.goal)
    for trail in trails {
      for (a, b) in zip(trail.points, trail.points.dropFirst()) {
        frame.drawLine(fromX: px(a.x), fromY: py(a.y), toX: px(b.x), toY: py(b.y), lineWidth: 2.5, trail.color)
      }
      if let end = trail.points.last {
        frame.fillCircle(centerX: px(end.x), centerY: py(end.y), radius: Maze.robotRadius * scale * 0.8, trail.color)
      }
    }
    for wall in walls {
      frame.drawLine(
        fromX: px(wall.x1), fromY: py(wall.y1), toX: px(wall.x2), toY: py(wall.y2), lineWidth: max(2, scale),
        Palette.wall)
    }
    for (k, trail) in trails.enumerated() {
      let y = size.height + 4 + k * legendRow
      frame.fillRect(x: 10, y: y + 4, width: 24, height: 8, trail.color)
      frame.drawText(trail.label, x: 42, y: y + 1, scale: 2, RGB(40, 40, 40))
    }
    return frame
  }
}
