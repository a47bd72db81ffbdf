#!/usr/bin/env bash
# PPO training throughput of rollout against Stable-Baselines3 on the same machine, back to back
# in interleaved pairs (SB3, rollout, SB3, rollout, …), both with the rl-baselines3-zoo CartPole-v1
# config (8 envs × 32 steps, batch 256, 20 epochs, γ 0.98, λ 0.8, linear lr 1e-3 and clip 0.2,
# [64, 64] tanh actor and critic), 100 k steps:
#   Benchmarks/sb3-ppo.sh [PAIRS (default 3)] [THREADS (default 2)]
# SB3's rate is 100 k / the wall time of `model.learn` (no evaluations); rollout's is its
# metrics.csv rate at the last update, which includes its periodic 20-episode evaluations. SB3 runs
# with torch.set_num_threads(THREADS), rollout with --threads THREADS.
# The first run creates a virtual environment (torch for CPU, stable-baselines3, gymnasium) in
# $SB3_VENV (default ~/.cache/rollout-sb3-venv): about 200 MB, a minute or two. $ROLLOUT_BINARY
# measures another rollout binary (default: this checkout's release build).
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-3} threads=${2:-2}
venv=${SB3_VENV:-$HOME/.cache/rollout-sb3-venv}
if ! "$venv/bin/python" -c "import stable_baselines3" 2>/dev/null; then
  python3 -m venv "$venv"
  # The CPU-only torch wheel is a tenth of PyPI's default one (which brings CUDA libraries).
  "$venv/bin/pip" install -q torch --index-url https://download.pytorch.org/whl/cpu ||
    "$venv/bin/pip" install -q torch
  "$venv/bin/pip" install -q stable-baselines3 gymnasium
fi
rollout=${ROLLOUT_BINARY:-$(scripts/release-binary)}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/sb3_ppo.py" <<'EOF'
import sys, time
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

seed, threads = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
linear = lambda start: (lambda progress: progress * start)
env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
model = PPO("MlpPolicy", env, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
            ent_coef=0.0, learning_rate=linear(1e-3), clip_range=linear(0.2), seed=seed, verbose=0)
start = time.perf_counter()
model.learn(total_timesteps=100_000)
print(100_000 / (time.perf_counter() - start))
EOF
sb3=() ours=()
for seed in $(seq "$pairs"); do
  sb3+=("$("$venv/bin/python" "$dir/sb3_ppo.py" "$seed" "$threads")")
  "$rollout" train cartpole --algo ppo --seed "$seed" --threads "$threads" --no-early-stop --quiet --out "$dir/run" >/dev/null
  ours+=("$(tail -1 "$dir/run/metrics.csv" | cut -d, -f8)")
  rm -rf "$dir/run"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
version=$("$venv/bin/python" -c "import stable_baselines3, torch; print(f'SB3 {stable_baselines3.__version__}, torch {torch.__version__}')")
printf 'SB3 PPO (%s, %s threads): median %.0f steps/s  (%s)\n' "$version" "$threads" "$(median "${sb3[@]}")" "$(printf '%.0f ' "${sb3[@]}")"
printf 'rollout PPO (%s threads, %s): median %.0f steps/s  (%s)\n' "$threads" \
  "$("$rollout" bench learner --seconds 0.01 --repeats 1 | sed -E 's/.*kernels: //')" "$(median "${ours[@]}")" "$(printf '%.0f ' "${ours[@]}")"
printf 'rollout / SB3: %.1f×\n' "$(awk -v a="$(median "${ours[@]}")" -v b="$(median "${sb3[@]}")" 'BEGIN { print a / b }')"
