#if SDL
  import CSDL2
  import RLCore

  /// What the viewer's user asked for since the last poll.
  public enum ViewerCommand: Sendable, Equatable {
    case quit, togglePause, stepOnce, faster, slower, restart
  }

  /// An SDL2 window that shows frames (trait `SDL`): a streaming RGB24 texture stretched over a
  /// resizable window.
  ///
  /// Keys: space pauses, → steps one frame while paused, + / − change the speed, r restarts the
  /// episode, q or Esc quits; closing the window quits.
  public final class Viewer {
    private let window: OpaquePointer
    private let renderer: OpaquePointer
    private let texture: OpaquePointer
    public let width: Int
    public let height: Int

    public init(title: String, width: Int, height: Int) throws {
      guard SDL_Init(SDL_INIT_VIDEO) == 0 else {
        throw RenderingError("cannot open a window: \(String(cString: SDL_GetError())) (no display? use --gif or --png)")
      }
      let centered = Int32(0x2FFF_0000)  // SDL_WINDOWPOS_CENTERED
      guard
        let window = SDL_CreateWindow(
          title, centered, centered, Int32(width), Int32(height),
          SDL_WINDOW_SHOWN.rawValue | SDL_WINDOW_RESIZABLE.rawValue)
      else {
        let message = String(cString: SDL_GetError())
        SDL_Quit()
        throw RenderingError("cannot open a window: \(message)")
      }
      // Accelerated when available; the software renderer otherwise (dummy driver, no GPU).
      guard let renderer = SDL_CreateRenderer(window, -1, 0) ?? SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE.rawValue)
      else {
        let message = String(cString: SDL_GetError())
        SDL_DestroyWindow(window)
        SDL_Quit()
        throw RenderingError("cannot create a renderer: \(message)")
      }
      guard
        let texture = SDL_CreateTexture(
          renderer, UInt32(SDL_PIXELFORMAT_RGB24.rawValue), Int32(SDL_TEXTUREACCESS_STREAMING.rawValue),
          Int32(width), Int32(height))
      else {
        let message = String(cString: SDL_GetError())
        SDL_DestroyRenderer(renderer)
        SDL_DestroyWindow(window)
        SDL_Quit()
        throw RenderingError("cannot create a texture: \(message)")
      }
      self.window = window
      self.renderer = renderer
      self.texture = texture
      self.width = width
      self.height = height
    }

    deinit {
      SDL_DestroyTexture(texture)
      SDL_DestroyRenderer(renderer)
      SDL_DestroyWindow(window)
      SDL_Quit()
    }

    public func setTitle(_ title: String) {
      SDL_SetWindowTitle(window, title)
    }

    /// Shows a frame (scaled to the window).
    public func show(_ frame: Frame) {
      frame.pixels.withUnsafeBytes {
        _ = SDL_UpdateTexture(texture, nil, $0.baseAddress, Int32(frame.width * 3))
      }
      SDL_RenderClear(renderer)
      SDL_RenderCopy(renderer, texture, nil, nil)
      SDL_RenderPresent(renderer)
    }

    /// The window's pixels as RGB bytes, row by row (for tests).
    public func readPixels() -> [UInt8] {
      var output = [UInt8](repeating: 0, count: width * height * 3)
      output.withUnsafeMutableBytes {
        _ = SDL_RenderReadPixels(
          renderer, nil, UInt32(SDL_PIXELFORMAT_RGB24.rawValue), $0.baseAddress, Int32(width * 3))
      }
      return output
    }

    /// The commands typed or clicked since the last call.
    public func poll() -> [ViewerCommand] {
      var commands: [ViewerCommand] = []
      var event = SDL_Event()
      while SDL_PollEvent(&event) != 0 {
        if event.type == SDL_QUIT.rawValue {
          commands.append(.quit)
        } else if event.type == SDL_KEYDOWN.rawValue {
          switch Int(event.key.keysym.sym) {
          case Int(SDLK_q.rawValue), Int(SDLK_ESCAPE.rawValue): commands.append(.quit)
          case Int(SDLK_SPACE.rawValue): commands.append(.togglePause)
          case Int(SDLK_RIGHT.rawValue): commands.append(.stepOnce)
          case Int(SDLK_PLUS.rawValue), Int(SDLK_EQUALS.rawValue), Int(SDLK_KP_PLUS.rawValue): commands.append(.faster)
          case Int(SDLK_MINUS.rawValue), Int(SDLK_KP_MINUS.rawValue): commands.append(.slower)
          case Int(SDLK_r.rawValue): commands.append(.restart)
          default: break
          }
        }
      }
      return commands
    }

    /// Waits, in milliseconds.
    public func delay(milliseconds: Int) {
      SDL_Delay(UInt32(max(0, milliseconds)))
    }
  }
#endif
