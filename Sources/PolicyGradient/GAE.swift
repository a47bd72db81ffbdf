/// Generalised advantage estimation (Schulman, Moritz, Levine, Jordan & Abbeel 2016), as SB3's
/// `RolloutBuffer.compute_returns_and_advantage` computes it, for one env's rollout of T steps:
///
///     δₜ = rₜ + γ·V(sₜ₊₁)·(1 − dₜ) − V(sₜ)
///     Aₜ = δₜ + γλ·(1 − dₜ)·Aₜ₊₁
///     Rₜ = Aₜ + V(sₜ)                      (the TD(λ) target for the value function)
///
/// where dₜ says the episode ended after step t (terminated or truncated) and V(s_T) is
/// `lastValue`, the value of the observation after the rollout. Truncation is handled before this
/// point, as SB3 does: a truncated step's reward already includes γ·V(final observation), so the
/// cut is bootstrapped instead of being treated as the end of the world (CleanRL's known bug).
/// λ = 1 gives Monte-Carlo returns minus the baseline; λ = 0 the one-step TD error.
public enum GAE {
  public static func compute(
    rewards: UnsafePointer<Double>, values: UnsafePointer<Double>, dones: UnsafePointer<Bool>, count: Int,
    lastValue: Double, gamma: Double, lambda: Double,
    advantages: UnsafeMutablePointer<Double>, returns: UnsafeMutablePointer<Double>
  ) {
    var running = 0.0
    for t in stride(from: count - 1, through: 0, by: -1) {
      let nextValue = t == count - 1 ? lastValue : values[t + 1]
      let notDone = dones[t] ? 0.0 : 1.0
      let delta = rewards[t] + gamma * nextValue * notDone - values[t]
      running = delta + gamma * lambda * notDone * running
      advantages[t] = running
      returns[t] = running + values[t]
    }
  }

  /// Every env's rollout of `steps` steps in arrays laid out env-major (sample s = env·steps + t),
  /// with `lastValues[env]` after each; without `dones` no episode ever ends (a non-episodic return).
  public static func compute(
    envs: Int, steps: Int, rewards: [Double], values: [Double], dones: [Bool]?, lastValues: [Double], gamma: Double,
    lambda: Double, advantages: inout [Double], returns: inout [Double]
  ) {
    let never = dones == nil ? [Bool](repeating: false, count: envs * steps) : []
    for e in 0..<envs {
      let base = e * steps
      rewards.withUnsafeBufferPointer { r in
        values.withUnsafeBufferPointer { v in
          (dones ?? never).withUnsafeBufferPointer { d in
            advantages.withUnsafeMutableBufferPointer { a in
              returns.withUnsafeMutableBufferPointer { ret in
                compute(
                  rewards: r.baseAddress! + base, values: v.baseAddress! + base, dones: d.baseAddress! + base,
                  count: steps, lastValue: lastValues[e], gamma: gamma, lambda: lambda,
                  advantages: a.baseAddress! + base, returns: ret.baseAddress! + base)
              }
            }
          }
        }
      }
    }
  }

  /// Array convenience for tests and small cases.
  public static func compute(
    rewards: [Double], values: [Double], dones: [Bool], lastValue: Double, gamma: Double, lambda: Double
  ) -> (advantages: [Double], returns: [Double]) {
    precondition(rewards.count == values.count && values.count == dones.count)
    var advantages = [Double](repeating: 0, count: rewards.count), returns = advantages
    advantages.withUnsafeMutableBufferPointer { a in
      returns.withUnsafeMutableBufferPointer { r in
        compute(
          rewards: rewards, values: values, dones: dones, count: rewards.count, lastValue: lastValue,
          gamma: gamma, lambda: lambda, advantages: a.baseAddress!, returns: r.baseAddress!)
      }
    }
    return (advantages, returns)
  }
}
