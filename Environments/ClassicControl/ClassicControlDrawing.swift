import RLCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// Gymnasium's pygame layouts for the classic-control envs: geometry is computed with y up, as
// Gymnasium does, and flipped once when it reaches the frame.

/// Points in y-up screen coordinates, flipped into a frame of height `height`.
private func flipped(_ points: [(x: Double, y: Double)], _ height: Int) -> [(x: Double, y: Double)] {
  points.map { ($0.x, Double(height) - $0.y) }
}

/// `(x, y)` rotated by `angle` radians (pygame's `Vector2.rotate_rad`).
private func rotated(_ p: (x: Double, y: Double), _ angle: Double) -> (x: Double, y: Double) {
  (p.x * cos(angle) - p.y * sin(angle), p.x * sin(angle) + p.y * cos(angle))
}

/// A bar of `length` × `width` starting at `origin` and pointing along `angle` (y up), as a polygon.
private func bar(
  from origin: (x: Double, y: Double), length: Double, width: Double, angle: Double
) -> [(x: Double, y: Double)] {
  [(0.0, -width / 2), (0.0, width / 2), (length, width / 2), (length, -width / 2)].map {
    let r = rotated(($0.0, $0.1), angle)
    return (x: r.x + origin.x, y: r.y + origin.y)
  }
}

/// Acrobot's and Pendulum's square layout: a white frame spanning ±2.2 units around its centre.
private func squareLayout(_ frame: inout Frame) -> (scale: Double, offset: Double) {
  frame.fill(.white)
  let side = Double(min(frame.width, frame.height))
  return (side / 4.4, side / 2)
}

extension CartPole {
  public var renderSize: (width: Int, height: Int) { (600, 400) }

  /// White background, black track and 50 × 30 cart at 125 px/m, a 10 × 125 pole in
  /// (202, 152, 101) leaning with θ, and the (129, 132, 203) axle.
  public func render(into frame: inout Frame) {
    frame.fill(.white)
    let scale = Double(frame.width) / (CartPole.xThreshold * 2)
    let cartY = 100.0
    let cartX = x * scale + Double(frame.width) / 2
    let h = frame.height
    frame.drawLine(fromX: 0, fromY: Double(h) - cartY, toX: Double(frame.width), toY: Double(h) - cartY, .black)
    frame.fillPolygon(
      flipped([(cartX - 25, cartY - 15), (cartX - 25, cartY + 15), (cartX + 25, cartY + 15), (cartX + 25, cartY - 15)], h),
      .black)
    let axleY = cartY + 30.0 / 4
    let poleLength = scale * 2 * CartPole.length
    let pole = [(-5.0, -5.0), (-5.0, poleLength - 5), (5.0, poleLength - 5), (5.0, -5.0)].map {
      let r = rotated(($0.0, $0.1), -theta)
      return (x: r.x + cartX, y: r.y + axleY)
    }
    frame.fillPolygon(flipped(pole, h), RGB(202, 152, 101))
    frame.fillCircle(centerX: cartX, centerY: Double(h) - axleY, radius: 5, RGB(129, 132, 203))
  }
}

extension Acrobot {
  public var renderSize: (width: Int, height: Int) { (500, 500) }

  /// Two (0, 204, 204) links from the centre, (204, 204, 0) joints, and the black goal line one
  /// link length above the pivot.
  public func render(into frame: inout Frame) {
    let (scale, offset) = squareLayout(&frame)
    let h = frame.height
    frame.drawLine(
      fromX: -2.2 * scale + offset, fromY: Double(h) - (scale + offset), toX: 2.2 * scale + offset,
      toY: Double(h) - (scale + offset), .black)
    let p1 = (x: sin(state[0]) * scale, y: -cos(state[0]) * scale)
    let joints = [(x: 0.0, y: 0.0), p1]
    let angles = [state[0] - .pi / 2, state[0] + state[1] - .pi / 2]
    for (joint, angle) in zip(joints, angles) {
      let link = bar(from: (joint.x + offset, joint.y + offset), length: scale, width: 0.2 * scale, angle: angle)
      frame.fillPolygon(flipped(link, h), RGB(0, 204, 204))
      frame.fillCircle(
        centerX: joint.x + offset, centerY: Double(h) - (joint.y + offset), radius: 0.1 * scale, RGB(204, 204, 0))
    }
  }
}

/// The hill, car, wheels and flag of both mountain cars.
private func drawMountainCar(position: Double, goal: Double, into frame: inout Frame) {
  frame.fill(.white)
  let scale = Double(frame.width) / 1.8
  let h = frame.height
  func height(_ x: Double) -> Double { sin(3 * x) * 0.45 + 0.55 }
  var previous: (x: Double, y: Double)?
  for i in 0..<100 {
    let x = -1.2 + 1.8 * Double(i) / 99
    let point = (x: (x + 1.2) * scale, y: Double(h) - height(x) * scale)
    if let p = previous { frame.drawLine(fromX: p.x, fromY: p.y, toX: point.x, toY: point.y, .black) }
    previous = point
  }
  let clearance = 10.0
  let angle = cos(3 * position)
  let base = (x: (position + 1.2) * scale, y: clearance + height(position) * scale)
  let body = [(-20.0, 0.0), (-20.0, 20.0), (20.0, 20.0), (20.0, 0.0)].map {
    let r = rotated(($0.0, $0.1), angle)
    return (x: r.x + base.x, y: r.y + base.y)
  }
  frame.fillPolygon(flipped(body, h), .black)
  for wheel in [(10.0, 0.0), (-10.0, 0.0)] {
    let r = rotated(wheel, angle)
    frame.fillCircle(centerX: r.x + base.x, centerY: Double(h) - (r.y + base.y), radius: 8, RGB(128, 128, 128))
  }
  let flagX = (goal + 1.2) * scale, flagBottom = height(goal) * scale, flagTop = flagBottom + 50
  frame.drawLine(fromX: flagX, fromY: Double(h) - flagBottom, toX: flagX, toY: Double(h) - flagTop, .black)
  frame.fillPolygon(
    flipped([(flagX, flagTop), (flagX, flagTop - 10), (flagX + 25, flagTop - 5)], h), RGB(204, 204, 0))
}

extension MountainCar {
  public var renderSize: (width: Int, height: Int) { (600, 400) }

  public func render(into frame: inout Frame) {
    drawMountainCar(position: position, goal: 0.5, into: &frame)
  }
}

extension MountainCarContinuous {
  public var renderSize: (width: Int, height: Int) { (600, 400) }

  public func render(into frame: inout Frame) {
    drawMountainCar(position: position, goal: 0.45, into: &frame)
  }
}

extension Pendulum {
  public var renderSize: (width: Int, height: Int) { (500, 500) }

  /// A (204, 77, 77) rod from the centre (θ = 0 points up) with a rounded end and a black axle.
  public func render(into frame: inout Frame) {
    let (scale, offset) = squareLayout(&frame)
    let h = frame.height
    let length = scale, width = 0.2 * scale
    let angle = theta + .pi / 2
    let rod = bar(from: (offset, offset), length: length, width: width, angle: angle)
    let color = RGB(204, 77, 77)
    frame.fillPolygon(flipped(rod, h), color)
    frame.fillCircle(centerX: offset, centerY: Double(h) - offset, radius: width / 2, color)
    let end = rotated((length, 0), angle)
    frame.fillCircle(centerX: end.x + offset, centerY: Double(h) - (end.y + offset), radius: width / 2, color)
    frame.fillCircle(centerX: offset, centerY: Double(h) - offset, radius: 0.05 * scale, .black)
  }
}
