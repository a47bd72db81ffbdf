#!/usr/bin/env bash
# Training frames/s on MinAtar Breakout with the MinAtar presets' convolutional network: rollout's
# PPO (the preset's batch sizes) and OpenAI-ES (the preset's population, from a fresh policy)
# against a CleanRL-style PyTorch PPO with the same network and batch sizes
# (Benchmarks/cleanrl_ppo_minatar.py) on the same machine, in interleaved triples. The PPOs over 12
# timed updates of 32 envs × 128 steps after a first, untimed one; OpenAI-ES over its generations
# after the first (which builds the shared noise table) up to 2 M frames; 2 threads each.
#   Benchmarks/cleanrl-ppo.sh [path/to/rollout] [pairs]
# PYTHON names a Python with torch, numpy and minatar==1.0.15 (default: python3), e.g. a venv made
# with `pip install torch numpy minatar==1.0.15`.
set -euo pipefail
rollout=$(realpath "${1:-.build/release/rollout}")
pairs=${2:-3}
python=${PYTHON:-python3}
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Trains rollout with `--algo $1 --max-steps $2` and prints its frames/s after the first
# generation or update (a fresh run directory each time).
rollout_rate() {
  rm -rf "$dir/run"
  "$rollout" train breakout --algo "$1" --seed "$i" --threads 2 --max-steps "$2" --no-early-stop \
    --no-tensorboard --quiet --out "$dir/run" >/dev/null
  python3 - "$dir/run/metrics.csv" "$1" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
frames = int(rows[-1]["env_steps"]) - int(rows[0]["env_steps"])
seconds = float(rows[-1]["elapsed_seconds"]) - float(rows[0]["elapsed_seconds"])
print(f"rollout {sys.argv[2]} breakout: {frames} frames in {seconds:.2f} s: {frames / seconds:.0f} frames/s (2 threads)")
PY
}
for ((i = 1; i <= pairs; i++)); do
  rollout_rate ppo $((13 * 4096))
  rollout_rate openai-es 2000000
  "$python" Benchmarks/cleanrl_ppo_minatar.py --game breakout --updates 12 --threads 2
done
