import Foundation
import PolicyGradient
import TestSupport
import Testing

@testable import Training

@Suite("TensorBoard event files")
struct TensorBoardTests {
  @Test("CRC-32C and its TFRecord mask match the standard check value and a bitwise CRC")
  func crc() {
    #expect(TensorBoardLog.crc32c(Array("123456789".utf8)) == 0xE306_9283)
    #expect(TensorBoardLog.crc32c([]) == 0)
    var rng = SystemRandomNumberGenerator()
    for n in [1, 7, 8, 255, 1000] {
      let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
      #expect(TensorBoardLog.crc32c(bytes) == EventFileReader.crc32c(bytes))
    }
  }

  @Test("protobuf fields encode as the wire format says")
  func protobuf() throws {
    var m = ProtobufMessage()
    m.int(2, 150)
    #expect(m.bytes == [0x10, 0x96, 0x01])
    m = ProtobufMessage()
    m.int(1, -1)
    #expect(m.bytes == [0x08] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
    m = ProtobufMessage()
    m.string(2, "testing")
    #expect(m.bytes == [0x12, 0x07] + Array("testing".utf8))
    m = ProtobufMessage()
    m.float(2, 1.5)
    #expect(m.bytes == [0x15, 0x00, 0x00, 0xC0, 0x3F])
    m = ProtobufMessage()
    m.double(1, -2)
    #expect(m.bytes == [0x09, 0, 0, 0, 0, 0, 0, 0, 0xC0])
    m = ProtobufMessage()
    m.packedInts(4, [3, 270])
    #expect(m.bytes == [0x22, 0x03, 0x03, 0x8E, 0x02])
  }

  func report(_ generation: Int, update: Bool) -> GenerationReport {
    GenerationReport(
      generation: generation, meanReturn: Double(generation) * 1.1, maxReturn: Double(generation) * 2 + 0.1,
      evaluationReturn: 9.5, envSteps: generation * 1000, evaluationSteps: generation * 10,
      elapsedSeconds: Double(generation) * 0.25, stepsPerSecond: 4000.5,
      update: update ? statistics : nil)
  }

  var statistics: UpdateStatistics {
    var u = UpdateStatistics()
    u.policyLoss = -0.01
    u.valueLoss = 3.3
    u.entropy = 0.69
    u.approxKL = 0.002
    u.clipFraction = 0.1
    u.learningRate = 3e-4
    return u
  }

  @Test("each report is one event at its env step with metrics.csv's scalars; a resume rewrites the file with the kept ones")
  func eventsAndResume() throws {
    let dir = TestPaths.temporaryDirectory("rollout-tensorboard")
    for update in [false, true] {
      try? FileManager.default.removeItem(at: dir)
      try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
      let jsonl = dir.appendingPathComponent("metrics.jsonl"), csv = dir.appendingPathComponent("metrics.csv")
      do {
        let log = try MetricsLog(url: jsonl, csv: csv, tensorBoard: dir)
        for g in 1...4 { try log.append(report(g, update: update)) }
      }
      var files = EventFileReader.files(in: dir)
      #expect(files.count == 1)
      var events = try EventFileReader.read(files[0])
      #expect(events.count == 5)
      #expect(events[0].fileVersion == "brain.Event:2" && events[0].scalars.isEmpty)
      #expect(events.dropFirst().map(\.step) == [1000, 2000, 3000, 4000])
      let third = events[3]
      #expect(third.scalars["returns/mean_return"] == Float(3 * 1.1))
      #expect(third.scalars["progress/generation"] == 3)
      #expect(third.scalars["progress/steps_per_second"] == 4000.5)
      #expect(third.scalars["losses/value_loss"] == (update ? 3.3 : nil))
      #expect(third.scalars.count == (update ? 14 : 8))
      #expect(abs(events[4].wallTime - events[1].wallTime - 0.75) < 1e-3, "times follow elapsed seconds")

      // Resumed at generation 2: the event file holds generations 1 and 2, then what follows.
      do {
        let log = try MetricsLog(url: jsonl, csv: csv, tensorBoard: dir, keepThrough: 2)
        try log.append(report(3, update: update))
      }
      files = EventFileReader.files(in: dir)
      #expect(files.count == 1, "the old event file is replaced, not added to")
      events = try EventFileReader.read(files[0])
      #expect(events.dropFirst().map(\.step) == [1000, 2000, 3000])
      #expect(events[2].scalars["progress/generation"] == 2 && events[3].scalars["progress/generation"] == 3)
    }
  }

  @Test("a damaged record is caught by its CRC")
  func damage() throws {
    let dir = TestPaths.temporaryDirectory("rollout-tensorboard-damage")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    do {
      let log = try MetricsLog(url: dir.appendingPathComponent("metrics.jsonl"), tensorBoard: dir)
      try log.append(report(1, update: false))
    }
    let file = EventFileReader.files(in: dir)[0]
    var bytes = try Data(contentsOf: file)
    bytes[bytes.count - 10] ^= 0x40
    try bytes.write(to: file)
    #expect(throws: EventFileReader.Corrupt.self) { try EventFileReader.read(file) }
  }
}
