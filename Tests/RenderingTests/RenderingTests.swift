import CZlib
import Environments
import Foundation
import RLCore
import Rendering
import Testing

#if GIF
  import CGif
#endif
#if SDL
  import CSDL2
#endif

/// Frames of every registered env after a few random steps.
func sampleFrames() -> [(String, Frame)] {
  EnvironmentRegistry.entries.map { entry in
    var env = entry.make()
    var obs = [Float](repeating: 0, count: env.spec.observationSpace.count)
    obs.withUnsafeMutableBufferPointer { env.reset(seed: 5, observation: $0) }
    var rng = SplitMix64(seed: 9)
    for _ in 0..<7 {
      let action: Action
      switch env.spec.actionSpace {
      case .discrete(let n): action = Action(index: Int(rng.next() % UInt64(n)))
      case .box: action = Action(values: SIMD8(repeating: Float(rng.nextUnit())))
      }
      _ = obs.withUnsafeMutableBufferPointer { env.step(action, observation: $0) }
    }
    var frame = Frame(width: env.renderSize.width, height: env.renderSize.height)
    env.render(into: &frame)
    return (entry.name, frame)
  }
}

@Suite("Rendering")
struct RenderingTests {
  @Test("every env draws something at its own size, and the picture follows the state")
  func envsDraw() {
    for (name, frame) in sampleFrames() {
      #expect(Set(stride(from: 0, to: frame.pixels.count, by: 3).map { frame.pixels[$0] }).count > 2, "\(name) is blank")
    }
    var cartPole = CartPole()
    var obs = [Float](repeating: 0, count: 4)
    obs.withUnsafeMutableBufferPointer { cartPole.setState(x: -1, xDot: 0, theta: 0, thetaDot: 0, observation: $0) }
    var left = Frame(width: 600, height: 400)
    cartPole.render(into: &left)
    // Gymnasium's layout: 125 px per metre, the cart's centre 100 px above the bottom.
    #expect(left[175, 300] == .black)
    #expect(left[500, 300] == .black, "the track")
    #expect(left[500, 250] == .white)
    #expect(left[175, 200] == RGB(202, 152, 101), "the upright pole above the cart")
  }

  @Test("PNG: zlib inflates the pixel rows back exactly; chunk CRCs check")
  func pngRoundTrip() throws {
    for (name, frame) in sampleFrames() {
      let png = try PNG.encode(frame)
      #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
      var offset = 8
      var idat: [UInt8] = []
      var width = 0, height = 0
      while offset < png.count {
        let length = Int(png[offset]) << 24 | Int(png[offset + 1]) << 16 | Int(png[offset + 2]) << 8 | Int(png[offset + 3])
        let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
        let data = Array(png[(offset + 8)..<(offset + 8 + length)])
        let stored = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let crc = Array(png[(offset + 4)..<(offset + 8 + length)]).withUnsafeBufferPointer {
          UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count)))
        }
        #expect(crc == stored, "\(name): \(type) CRC")
        if type == "IHDR" {
          width = Int(data[0]) << 24 | Int(data[1]) << 16 | Int(data[2]) << 8 | Int(data[3])
          height = Int(data[4]) << 24 | Int(data[5]) << 16 | Int(data[6]) << 8 | Int(data[7])
          #expect(Array(data[8...]) == [8, 2, 0, 0, 0])
        }
        if type == "IDAT" { idat += data }
        offset += 12 + length
      }
      #expect(width == frame.width && height == frame.height)
      var raw = [UInt8](repeating: 0, count: (frame.width * 3 + 1) * frame.height)
      var rawLength = uLongf(raw.count)
      #expect(uncompress(&raw, &rawLength, idat, uLong(idat.count)) == Z_OK)
      var pixels: [UInt8] = []
      for y in 0..<frame.height {
        let row = y * (frame.width * 3 + 1)
        #expect(raw[row] == 0)
        pixels += raw[(row + 1)..<(row + 1 + frame.width * 3)]
      }
      #expect(pixels == frame.pixels, "\(name): pixels")
    }
  }

  #if GIF
    @Test("GIF (giflib): decoding gives back the frame count, size and every pixel")
    func gifRoundTrip() throws {
      let frames = sampleFrames().filter { $0.1.width == 600 && $0.1.height == 400 }.map(\.1)
      #expect(frames.count >= 3)
      let path = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-\(UUID()).gif").path
      defer { unlink(path) }
      let writer = try GIFWriter(path: path, width: 600, height: 400, framesPerSecond: 25)
      for frame in frames { try writer.append(frame) }
      try writer.close()

      var error: Int32 = 0
      let gif = try #require(DGifOpenFileName(path, &error))
      defer { DGifCloseFile(gif, &error) }
      #expect(DGifSlurp(gif) == GIF_OK)
      #expect(Int(gif.pointee.ImageCount) == frames.count)
      #expect(gif.pointee.SWidth == 600 && gif.pointee.SHeight == 400)
      for (k, frame) in frames.enumerated() {
        let image = gif.pointee.SavedImages[k]
        let map = try #require(image.ImageDesc.ColorMap)
        var decoded = [UInt8](repeating: 0, count: frame.pixels.count)
        for i in 0..<(600 * 400) {
          let color = map.pointee.Colors[Int(image.RasterBits[i])]
          decoded[3 * i] = color.Red
          decoded[3 * i + 1] = color.Green
          decoded[3 * i + 2] = color.Blue
        }
        #expect(decoded == frame.pixels, "frame \(k)")
      }
    }

    @Test("GIF: random 256-colour noise (the LZW table fills and resets many times) and a frame with too many colours decode right")
    func gifNoise() throws {
      var rng = SplitMix64(seed: 8)
      var noise = Frame(width: 321, height: 203)
      var busy = Frame(width: 321, height: 203)
      for i in 0..<(321 * 203) {
        let v = UInt8(rng.next() % 256)
        noise.pixels[3 * i] = v
        noise.pixels[3 * i + 1] = 255 - v
        noise.pixels[3 * i + 2] = v / 2
        for c in 0..<3 { busy.pixels[3 * i + c] = UInt8(rng.next() % 256) }
      }
      let path = FileManager.default.temporaryDirectory.appendingPathComponent("rollout-\(UUID()).gif").path
      defer { unlink(path) }
      let writer = try GIFWriter(path: path, width: 321, height: 203, framesPerSecond: 10)
      try writer.append(noise)
      try writer.append(busy)
      try writer.close()
      var error: Int32 = 0
      let gif = try #require(DGifOpenFileName(path, &error))
      defer { DGifCloseFile(gif, &error) }
      #expect(DGifSlurp(gif) == GIF_OK)
      #expect(gif.pointee.ImageCount == 2)
      func decoded(_ k: Int) throws -> [UInt8] {
        let image = gif.pointee.SavedImages[k]
        let map = try #require(image.ImageDesc.ColorMap)
        var out = [UInt8](repeating: 0, count: 321 * 203 * 3)
        for i in 0..<(321 * 203) {
          let color = map.pointee.Colors[Int(image.RasterBits[i])]
          out[3 * i] = color.Red
          out[3 * i + 1] = color.Green
          out[3 * i + 2] = color.Blue
        }
        return out
      }
      #expect(try decoded(0) == noise.pixels)
      // More than 256 colours: quantised to the 6×7×6 cube, each channel within half a step.
      let quantised = try decoded(1)
      #expect(zip(quantised, busy.pixels).allSatisfy { abs(Int($0) - Int($1)) <= 26 })
    }
  #endif

  #if SDL
    @Test("SDL viewer (dummy video driver): the window's pixels are the software-rendered frame")
    func viewerShowsFrames() throws {
      setenv("SDL_VIDEODRIVER", "dummy", 1)
      for (name, frame) in sampleFrames() {
        let viewer = try Viewer(title: name, width: frame.width, height: frame.height)
        viewer.show(frame)
        #expect(viewer.readPixels() == frame.pixels, "\(name)")
        #expect(viewer.poll().isEmpty)
      }
    }

    @Test("viewer keys: space, →, +, −, r, q and closing the window become commands")
    func viewerKeys() throws {
      setenv("SDL_VIDEODRIVER", "dummy", 1)
      let viewer = try Viewer(title: "keys", width: 64, height: 48)
      let keys: [SDL_KeyCode] = [SDLK_SPACE, SDLK_RIGHT, SDLK_PLUS, SDLK_MINUS, SDLK_r, SDLK_q, SDLK_ESCAPE]
      for key in keys {
        var event = SDL_Event()
        event.type = SDL_KEYDOWN.rawValue
        event.key.keysym.sym = SDL_Keycode(key.rawValue)
        #expect(SDL_PushEvent(&event) == 1)
      }
      var quit = SDL_Event()
      quit.type = SDL_QUIT.rawValue
      #expect(SDL_PushEvent(&quit) == 1)
      #expect(viewer.poll() == [.togglePause, .stepOnce, .faster, .slower, .restart, .quit, .quit, .quit])
    }
  #endif
}
