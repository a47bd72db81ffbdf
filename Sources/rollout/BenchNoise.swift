import Dispatch
import Evolution
import Foundation

extension Bench {
  /// The cost of OpenAI-ES's perturbations for a large network: a population of 256 mirrored
  /// members of a 1 M-parameter policy written on --threads threads (each member θ ± σε into its
  /// own buffer, as the evaluator does), with ε from per-pair Philox streams and from a shared
  /// noise table (`noise_table_size`), in N(0, 1) values per second; and the one-off cost of
  /// building the table.
  func benchNoise() {
    let parameters = 1_000_000, members = 256, tableSize = 32 * 1_048_576
    let center = [Float](repeating: 0.5, count: parameters)
    let started = DispatchTime.now().uptimeNanoseconds
    let table = NoiseTable.shared(seed: 1, size: tableSize)
    let build = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    print(String(format: "noise table of %d values (%.0f MB): built in %.2f s", tableSize, Double(tableSize) * 4 / 1e6, build))
    nonisolated(unsafe) let buffers = (0..<threads).map { _ in UnsafeMutableBufferPointer<Float>.allocate(capacity: parameters) }
    defer { buffers.forEach { $0.deallocate() } }
    for (name, source) in [("Philox streams", nil), ("noise table", table)] as [(String, NoiseTable?)] {
      let population = MirroredPopulation(
        center: center, noiseStd: 0.02, pairs: members / 2, seed: 7, generation: 0, table: source)
      let rate = median {
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { t in
          for m in stride(from: t, to: members, by: threads) { population.write(member: m, into: buffers[t]) }
        }
        return Double(members * parameters) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
      }
      print(
        "\(name):".padding(toLength: 16, withPad: " ", startingAt: 0)
          + String(format: "%7.1f M values/s (%d members × %d parameters, %d threads)", rate / 1e6, members, parameters, threads))
    }
  }
}
