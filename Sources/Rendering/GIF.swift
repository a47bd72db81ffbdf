#if GIF
  import CGif
  import RLCore

  /// Writes an animated, looping GIF frame by frame (trait `GIF`, giflib).
  ///
  /// Each frame carries its own colour table of the colours it uses, so frames with at most 256
  /// colours (every rollout drawing) are stored exactly; busier frames are quantised to a 6×7×6
  /// colour cube.
  public final class GIFWriter {
    private var file: UnsafeMutablePointer<GifFileType>?
    public let width: Int
    public let height: Int
    /// Delay between frames in hundredths of a second.
    public let delay: Int
    public private(set) var frameCount = 0

    public init(path: String, width: Int, height: Int, framesPerSecond: Int) throws {
      self.width = width
      self.height = height
      delay = max(2, Int((100.0 / Double(max(framesPerSecond, 1))).rounded()))
      var error: Int32 = 0
      guard let gif = EGifOpenFileName(path, false, &error) else {
        throw RenderingError("cannot create GIF \(path): \(String(cString: GifErrorString(error)))")
      }
      file = gif
      EGifSetGifVersion(gif, true)
      guard EGifPutScreenDesc(gif, Int32(width), Int32(height), 8, 0, nil) == GIF_OK else {
        throw RenderingError("cannot write GIF \(path): \(String(cString: GifErrorString(gif.pointee.Error)))")
      }
      // NETSCAPE2.0 application extension: loop forever.
      var loop: [UInt8] = [1, 0, 0]
      let name = Array("NETSCAPE2.0".utf8)
      guard EGifPutExtensionLeader(gif, Int32(APPLICATION_EXT_FUNC_CODE)) == GIF_OK,
        name.withUnsafeBufferPointer({ EGifPutExtensionBlock(gif, 11, $0.baseAddress) }) == GIF_OK,
        EGifPutExtensionBlock(gif, 3, &loop) == GIF_OK,
        EGifPutExtensionTrailer(gif) == GIF_OK
      else {
        throw RenderingError("cannot write GIF \(path): loop extension")
      }
    }

    /// Appends one frame (it must have the writer's size).
    public func append(_ frame: Frame) throws {
      guard let gif = file else { throw RenderingError("the GIF is already closed") }
      guard frame.width == width, frame.height == height else {
        throw RenderingError("frame is \(frame.width)×\(frame.height), the GIF \(width)×\(height)")
      }
      let (palette, indices) = GIFWriter.palettize(frame)
      var control: [UInt8] = [0, UInt8(delay & 0xFF), UInt8(delay >> 8), 0]
      guard EGifPutExtension(gif, Int32(GRAPHICS_EXT_FUNC_CODE), 4, &control) == GIF_OK else {
        throw RenderingError("cannot write GIF frame: \(String(cString: GifErrorString(gif.pointee.Error)))")
      }
      var colors = [GifColorType](repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: 256)
      for (i, c) in palette.enumerated() { colors[i] = GifColorType(Red: c.r, Green: c.g, Blue: c.b) }
      guard let map = GifMakeMapObject(256, &colors) else { throw RenderingError("giflib: out of memory") }
      defer { GifFreeMapObject(map) }
      guard EGifPutImageDesc(gif, 0, 0, Int32(width), Int32(height), false, map) == GIF_OK else {
        throw RenderingError("cannot write GIF frame: \(String(cString: GifErrorString(gif.pointee.Error)))")
      }
      var row = [GifPixelType](repeating: 0, count: width)
      for y in 0..<height {
        for x in 0..<width { row[x] = indices[y * width + x] }
        guard EGifPutLine(gif, &row, Int32(width)) == GIF_OK else {
          throw RenderingError("cannot write GIF line: \(String(cString: GifErrorString(gif.pointee.Error)))")
        }
      }
      frameCount += 1
    }

    /// Finishes the file. Safe to call more than once.
    public func close() throws {
      guard let gif = file else { return }
      file = nil
      var error: Int32 = 0
      guard EGifCloseFile(gif, &error) == GIF_OK else {
        throw RenderingError("cannot finish GIF: \(String(cString: GifErrorString(error)))")
      }
    }

    deinit {
      try? close()
    }

    /// The frame's colours (at most 256) and each pixel's index into them.
    static func palettize(_ frame: Frame) -> (palette: [RGB], indices: [UInt8]) {
      var table: [UInt32: UInt8] = [:]
      var palette: [RGB] = []
      var indices = [UInt8](repeating: 0, count: frame.width * frame.height)
      let p = frame.pixels
      for i in 0..<(frame.width * frame.height) {
        let key = UInt32(p[3 * i]) << 16 | UInt32(p[3 * i + 1]) << 8 | UInt32(p[3 * i + 2])
        if let index = table[key] {
          indices[i] = index
        } else if palette.count < 256 {
          table[key] = UInt8(palette.count)
          indices[i] = UInt8(palette.count)
          palette.append(RGB(p[3 * i], p[3 * i + 1], p[3 * i + 2]))
        } else {
          return cubePalettize(frame)
        }
      }
      return (palette, indices)
    }

    /// Quantises to a 6 (red) × 7 (green) × 6 (blue) colour cube.
    static func cubePalettize(_ frame: Frame) -> (palette: [RGB], indices: [UInt8]) {
      var palette: [RGB] = []
      for r in 0..<6 { for g in 0..<7 { for b in 0..<6 {
        palette.append(RGB(UInt8(r * 51), UInt8(g * 255 / 6), UInt8(b * 51)))
      } } }
      let p = frame.pixels
      let indices = (0..<(frame.width * frame.height)).map { i -> UInt8 in
        let r = (Int(p[3 * i]) * 5 + 127) / 255, g = (Int(p[3 * i + 1]) * 6 + 127) / 255
        let b = (Int(p[3 * i + 2]) * 5 + 127) / 255
        return UInt8(r * 42 + g * 6 + b)
      }
      return (palette, indices)
    }
  }
#endif
