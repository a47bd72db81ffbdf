import PolicyGradient
import Testing

@Suite("GAE")
struct GAETests {
  func close(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } && a.count == b.count }

  @Test("hand-computed: three steps, no episode end, bootstrapped from the last value")
  func noEnd() {
    // γ = 0.5, λ = 0.5, V = (1, 2, 3), last V = 4, r = (1, 1, 1):
    // δ₂ = 1 + 0.5·4 − 3 = 0;  δ₁ = 1 + 0.5·3 − 2 = 0.5;  δ₀ = 1 + 0.5·2 − 1 = 1
    // A₂ = 0;  A₁ = 0.5 + 0.25·0 = 0.5;  A₀ = 1 + 0.25·0.5 = 1.125
    let (a, r) = GAE.compute(rewards: [1, 1, 1], values: [1, 2, 3], dones: [false, false, false], lastValue: 4, gamma: 0.5, lambda: 0.5)
    #expect(close(a, [1.125, 0.5, 0]))
    #expect(close(r, [2.125, 2.5, 3]))
  }

  @Test("an episode end cuts both the bootstrap and the accumulation")
  func episodeEnd() {
    // Step 1 ends an episode: δ₁ = r₁ − V₁ and A₁ does not see step 2.
    let (a, _) = GAE.compute(rewards: [1, 2, 3], values: [0.5, 1, 1], dones: [false, true, false], lastValue: 10, gamma: 0.9, lambda: 0.8)
    let a2 = 3 + 0.9 * 10 - 1.0
    let a1 = 2 - 1.0
    let a0 = (1 + 0.9 * 1 - 0.5) + 0.9 * 0.8 * a1
    #expect(close(a, [a0, a1, a2]))
  }

  @Test("λ = 1 gives discounted returns minus the baseline; λ = 0 the one-step TD error")
  func limits() {
    let rewards = [1.0, 0.5, -1, 2], values = [0.3, -0.2, 0.1, 0.7]
    let (a1, r1) = GAE.compute(rewards: rewards, values: values, dones: [false, false, false, false], lastValue: 1.5, gamma: 0.9, lambda: 1)
    var g = 1.5
    var expected = [Double](repeating: 0, count: 4)
    for t in stride(from: 3, through: 0, by: -1) {
      g = rewards[t] + 0.9 * g
      expected[t] = g
    }
    #expect(close(r1, expected))
    #expect(close(a1, zip(expected, values).map { $0 - $1 }))
    let (a0, _) = GAE.compute(rewards: rewards, values: values, dones: [false, false, true, false], lastValue: 1.5, gamma: 0.9, lambda: 0)
    #expect(close(a0, [1 + 0.9 * -0.2 - 0.3, 0.5 + 0.9 * 0.1 + 0.2, -1 - 0.1, 2 + 0.9 * 1.5 - 0.7]))
  }
}
