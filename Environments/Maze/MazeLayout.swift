import RLCore

/// A wall: the segment between two points, in maze units (screen convention: +y points down).
public struct Wall: Sendable, Equatable, Codable {
  public var x1: Double
  public var y1: Double
  public var x2: Double
  public var y2: Double

  public init(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) {
    self.x1 = x1
    self.y1 = y1
    self.x2 = x2
    self.y2 = y2
  }

  /// Distance from a point to the segment (to the nearest endpoint when the foot of the
  /// perpendicular falls outside it); the same computation as the robot's collision test.
  public func distance(toX px: Double, y py: Double) -> Double {
    Maze.Segment(self).distanceSquared(x: px, y: py).squareRoot()
  }
}

/// A maze: where the robot starts, which way it faces, the goal and the walls.
public struct MazeLayout: Sendable, Equatable, Codable {
  /// A name for messages and env ids (`medium`, `hard`, or the file's name).
  public var name: String
  public var startX: Double
  public var startY: Double
  /// Initial heading in degrees; 0 faces +x, and angles grow toward +y (clockwise on screen).
  public var heading: Double
  public var goalX: Double
  public var goalY: Double
  public var walls: [Wall]

  public init(
    name: String, startX: Double, startY: Double, heading: Double, goalX: Double, goalY: Double,
    walls: [Wall]
  ) {
    self.name = name
    self.startX = startX
    self.startY = startY
    self.heading = heading
    self.goalX = goalX
    self.goalY = goalY
    self.walls = walls
  }

  /// The most walls a maze file may hold.
  public static let maxWalls = 1000
  /// The largest coordinate magnitude accepted.
  public static let maxCoordinate = 1_000_000.0
}

/// A problem in a maze file, with the 1-based line it was found on.
public struct MazeFileError: Error, Sendable, Equatable, CustomStringConvertible {
  public let line: Int
  public let message: String

  public var description: String { "line \(line): \(message)" }
}

extension MazeLayout {
  /// Parses the maze text format (docs/maze-format.md):
  ///
  /// ```
  /// # a comment; blank lines are ignored
  /// start 30 22          robot centre
  /// heading 0            degrees (optional, default 0)
  /// goal 270 100
  /// 293 7 289 130        one wall segment per line: x1 y1 x2 y2
  /// ```
  ///
  /// Every rejection names the line: malformed or huge numbers, unknown entries, repeated or
  /// missing start/goal, zero-length walls, more than 1000 walls, a start or goal closer than the
  /// robot's radius to a wall, or a goal outside the walls' bounding box.
  public static func parse(_ text: String, name: String) throws(MazeFileError) -> MazeLayout {
    var start: (x: Double, y: Double, line: Int)?
    var goal: (x: Double, y: Double, line: Int)?
    var heading: (value: Double, line: Int)?
    var walls: [(wall: Wall, line: Int)] = []
    var lineNumber = 0

    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let tokens = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
      guard let first = tokens.first else { continue }

      func numbers(_ parts: ArraySlice<Substring>, expected: Int, what: String) throws(MazeFileError) -> [Double] {
        guard parts.count == expected else {
          throw MazeFileError(
            line: lineNumber, message: "\(what) needs \(expected) number\(expected == 1 ? "" : "s"), found \(parts.count)")
        }
        var values: [Double] = []
        for part in parts {
          guard let value = Double(part), value.isFinite else {
            throw MazeFileError(line: lineNumber, message: "'\(part)' is not a number")
          }
          guard abs(value) <= maxCoordinate else {
            throw MazeFileError(line: lineNumber, message: "\(part) is too large (limit ±\(Int(maxCoordinate)))")
          }
          values.append(value)
        }
        return values
      }

      switch first.lowercased() {
      case "start":
        guard start == nil else { throw MazeFileError(line: lineNumber, message: "a second 'start' line") }
        let v = try numbers(tokens.dropFirst(), expected: 2, what: "'start'")
        start = (v[0], v[1], lineNumber)
      case "goal":
        guard goal == nil else { throw MazeFileError(line: lineNumber, message: "a second 'goal' line") }
        let v = try numbers(tokens.dropFirst(), expected: 2, what: "'goal'")
        goal = (v[0], v[1], lineNumber)
      case "heading":
        guard heading == nil else { throw MazeFileError(line: lineNumber, message: "a second 'heading' line") }
        heading = (try numbers(tokens.dropFirst(), expected: 1, what: "'heading'")[0], lineNumber)
      default:
        guard Double(first) != nil || first.first.map({ "+-.0123456789".contains($0) }) == true else {
          throw MazeFileError(
            line: lineNumber,
            message: "unknown entry '\(first)'; expected start, heading, goal or a wall 'x1 y1 x2 y2'")
        }
        let v = try numbers(tokens[...], expected: 4, what: "a wall")
        guard v[0] != v[2] || v[1] != v[3] else {
          throw MazeFileError(line: lineNumber, message: "the wall has zero length")
        }
        guard walls.count < maxWalls else {
          throw MazeFileError(line: lineNumber, message: "more than \(maxWalls) walls")
        }
        walls.append((Wall(v[0], v[1], v[2], v[3]), lineNumber))
      }
    }

    let end = max(text.hasSuffix("\n") ? lineNumber - 1 : lineNumber, 1)
    guard let start else { throw MazeFileError(line: end, message: "no 'start x y' line in the file") }
    guard let goal else { throw MazeFileError(line: end, message: "no 'goal x y' line in the file") }
    guard !walls.isEmpty else { throw MazeFileError(line: end, message: "no walls in the file") }

    for (wall, line) in walls {
      if wall.distance(toX: start.x, y: start.y) < Maze.robotRadius {
        throw MazeFileError(
          line: line, message: "this wall is within the robot's radius (8) of the start (\(start.x), \(start.y))")
      }
      if wall.distance(toX: goal.x, y: goal.y) < Maze.robotRadius {
        throw MazeFileError(
          line: line, message: "this wall is within the robot's radius (8) of the goal (\(goal.x), \(goal.y))")
      }
    }
    let xs = walls.flatMap { [$0.wall.x1, $0.wall.x2] }, ys = walls.flatMap { [$0.wall.y1, $0.wall.y2] }
    guard let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max() else {
      throw MazeFileError(line: end, message: "no walls in the file")
    }
    if !(minX...maxX).contains(goal.x) || !(minY...maxY).contains(goal.y) {
      throw MazeFileError(line: goal.line, message: "the goal lies outside every wall's bounding box; it cannot be enclosed")
    }
    if !(minX...maxX).contains(start.x) || !(minY...maxY).contains(start.y) {
      throw MazeFileError(line: start.line, message: "the start lies outside every wall's bounding box")
    }
    return MazeLayout(
      name: name, startX: start.x, startY: start.y, heading: heading?.value ?? 0, goalX: goal.x,
      goalY: goal.y, walls: walls.map(\.wall))
  }

  /// The layout in the text format `parse` reads (round-trips exactly).
  public var fileText: String {
    var text = "# \(name) maze\nstart \(startX) \(startY)\nheading \(heading)\ngoal \(goalX) \(goalY)\n"
    for w in walls { text += "\(w.x1) \(w.y1) \(w.x2) \(w.y2)\n" }
    return text
  }
}
