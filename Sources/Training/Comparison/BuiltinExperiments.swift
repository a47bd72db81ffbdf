/// The shipped experiments, identical to the files in `experiments/` (a test checks that), so
/// `rollout compare <name>` works from any directory. Edit the files, then copy them here.
public enum BuiltinExperiments {
  public static let all: [String: String] = [
    "cartpole": #"""
{
  "name": "cartpole",
  "description": "CartPole-v1, a task without deception: the control case, where gradient methods are expected to need fewer env steps than evolution strategies. Success: a 20-episode greedy evaluation of 475 or more.",
  "env": "cartpole",
  "seeds": 10,
  "budget_steps": 500000,
  "success_return": 475,
  "evaluation_every_steps": 5000,
  "evaluation_episodes": 20,
  "algorithms": [
    {"algorithm": "ppo", "label": "PPO"},
    {"algorithm": "openai-es", "label": "OpenAI-ES"},
    {"algorithm": "ns-es", "label": "NS-ES"},
    {"algorithm": "nsr-es", "label": "NSR-ES"},
    {"algorithm": "ga", "label": "GA"}
  ]
}
"""#,
    "hard-maze": #"""
{
  "name": "hard-maze",
  "description": "Lehman & Stanley's hard maze with the literature's deceptive reward (300 minus the final distance to the goal). The direct route ends in a dead end just under the goal; only the long way round the whole maze reaches it.",
  "env": "hard-maze",
  "reward": "final",
  "seeds": 10,
  "budget_steps": 50000000,
  "success_return": 295,
  "evaluation_every_steps": 50000,
  "algorithms": [
    {"algorithm": "ns-es", "label": "NS-ES"},
    {"algorithm": "nsr-es", "label": "NSR-ES"},
    {"algorithm": "ga", "label": "GA"},
    {"algorithm": "openai-es", "label": "OpenAI-ES"},
    {"algorithm": "ppo", "label": "PPO", "budget_steps": 10000000,
     "note": "runs 10 M steps instead of 50 M, as do PPO + RND and PPO + novelty, to keep the whole comparison within 25 minutes on 2 cores."},
    {"algorithm": "ppo-rnd", "label": "PPO + RND", "budget_steps": 10000000},
    {"algorithm": "ppo-novelty", "label": "PPO + novelty", "budget_steps": 10000000}
  ]
}
"""#,
    "medium-maze": #"""
{
  "name": "medium-maze",
  "description": "Lehman & Stanley's medium maze with the literature's deceptive reward (300 minus the final distance to the goal). Fitness leads into the dead ends under the long diagonal wall; novelty search explores past them.",
  "env": "medium-maze",
  "reward": "final",
  "seeds": 10,
  "budget_steps": 10000000,
  "success_return": 295,
  "evaluation_every_steps": 50000,
  "algorithms": [
    {"algorithm": "ns-es", "label": "NS-ES"},
    {"algorithm": "nsr-es", "label": "NSR-ES"},
    {"algorithm": "ga", "label": "GA"},
    {"algorithm": "openai-es", "label": "OpenAI-ES"},
    {"algorithm": "ppo", "label": "PPO", "budget_steps": 3000000,
     "note": "runs 3 M steps instead of 10 M, as do PPO + RND and PPO + novelty, to keep the whole comparison within 5 minutes on 2 cores."},
    {"algorithm": "ppo-rnd", "label": "PPO + RND", "budget_steps": 3000000},
    {"algorithm": "ppo-novelty", "label": "PPO + novelty", "budget_steps": 3000000}
  ]
}
"""#,
    "seaquest": #"""
{
  "name": "seaquest",
  "description": "MinAtar Seaquest, the deceptive game of the Atari-like grids: shooting pays at once, but the big scores need the sub to surface with divers before its oxygen runs out, which costs reward first, so agents learn to shoot and drown (Conti et al. 2018 show novelty search escaping this on Atari Seaquest). Every method gets the same 10 M frames; the surfacings per training episode are charted beside the score.",
  "env": "seaquest",
  "seeds": 3,
  "budget_steps": 10000000,
  "evaluation_every_steps": 250000,
  "evaluation_episodes": 20,
  "behavior_curve": "surfacings",
  "algorithms": [
    {"algorithm": "openai-es", "label": "OpenAI-ES"},
    {"algorithm": "ns-es", "label": "NS-ES"},
    {"algorithm": "nsr-es", "label": "NSR-ES"},
    {"algorithm": "ga", "label": "GA"},
    {"algorithm": "ppo", "label": "PPO"},
    {"algorithm": "ppo-rnd", "label": "PPO + RND"},
    {"algorithm": "ppo-novelty", "label": "PPO + novelty", "strategy": {"novelty_weight": 1},
     "note": "a novelty weight of 1 (the preset's 10 is for the mazes' 300-point returns): a Seaquest kill pays 1, and the descriptor's distances are a few units."}
  ]
}
"""#,
  ]
}
