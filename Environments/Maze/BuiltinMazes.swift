/// The two mazes of Lehman & Stanley (ALIFE 2008; Evolutionary Computation 19(2), 2011), as maze
/// files parsed by the same code as a user's file. The coordinates are those of the
/// novelty-search release's `medium_maze.txt` and `hard_maze.txt`, with their source notes below.
public enum BuiltinMazes {
  public static let mediumText = """
    # Lehman & Stanley "medium" deceptive maze (ALIFE 2008 / ECJ 2011 novelty-search maze navigation).
    # Source: github.com/jal278/novelty-search-cpp (Joel Lehman's Novelty Search C++ v1.0 release),
    #         file medium_maze.txt @ commit 9f53ede3f35911358fc8fdad557936cf08070e16;
    #         identical coordinates in jal278/mazerobot-python medium_maze.txt.
    # Screen convention: +x right, +y down (start top-left, goal bottom-right). Heading 0 = +x.
    start 30 22
    heading 0
    goal 270 100
    # walls: the first four are the outer boundary, then seven interior walls
    293 7 289 130
    289 130 6 134
    6 134 8 5
    8 5 292 7
    241 130 58 65
    114 7 73 42
    130 91 107 46
    196 8 139 51
    219 122 182 63
    267 9 214 63
    271 129 237 88
    """

  public static let hardText = """
    # Lehman & Stanley "hard" deceptive maze (ALIFE 2008 / ECJ 2011); also the geometry of Uber's
    # "Image Hard Maze" (Such et al. 2017).
    # Source: github.com/jal278/novelty-search-cpp (Joel Lehman's Novelty Search C++ v1.0 release),
    #         file hard_maze.txt @ commit 9f53ede3f35911358fc8fdad557936cf08070e16; the same 13
    #         segments are in jal278/mazerobot-python and uber-research/deep-neuroevolution.
    # Screen convention: +x right, +y down (start bottom-left, goal top-left). Heading 0 = +x.
    # The outer boundary has a 2-unit gap between (39,5) and (41,5): harmless, the robot's radius is 8.
    start 36 184
    heading 0
    goal 31 20
    # walls: outer boundary on lines 1, 2, 4, 5, 6, 7; interior walls on line 3 and the last six
    41 5 3 8
    3 8 4 49
    4 49 57 53
    4 49 7 202
    7 202 195 198
    195 198 186 8
    186 8 39 5
    56 54 56 157
    57 106 158 162
    77 201 108 164
    6 80 33 121
    192 146 87 91
    56 55 133 30
    """

  /// The medium maze (11 walls).
  public static let medium = try! MazeLayout.parse(mediumText, name: "medium")
  /// The hard maze (13 walls).
  public static let hard = try! MazeLayout.parse(hardText, name: "hard")

  /// A built-in maze by name (`medium`, `hard`), or nil.
  public static func named(_ name: String) -> MazeLayout? {
    switch name.lowercased() {
    case "medium": medium
    case "hard": hard
    default: nil
    }
  }
}
