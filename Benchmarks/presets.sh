#!/usr/bin/env bash
# Trains every env with its default preset (`rollout train <env>`) on seeds 1-3 and prints one
# line per run: whether it reached the target, the 100-episode evaluation, generations, env steps
# and the wall time of the whole process. The README's preset table comes from this script.
#   Benchmarks/presets.sh [env ...]     (default: every env; add THREADS=N to change threads)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rollout >/dev/null
rollout=.build/release/rollout
envs=("$@")
if ((${#envs[@]} == 0)); then
  envs=(cartpole acrobot mountaincar mountaincar-continuous pendulum)
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '%-24s %4s  %-40s %s\n' env seed result "wall time"
for env in "${envs[@]}"; do
  for seed in 1 2 3; do
    start=$(date +%s.%N)
    out=$("$rollout" train "$env" --seed "$seed" --threads "${THREADS:-1}" --quiet --out "$dir/$env-$seed")
    end=$(date +%s.%N)
    summary=$(echo "$out" | head -1 | sed -E 's/ after / /; s/ generations, / gen, /; s/ env steps, .*/ steps/')
    evaluation=$(echo "$out" | sed -n 2p | sed -E 's/evaluation over 100 episodes: return //')
    printf '%-24s %4s  %-40s %.2f s\n' "$env" "$seed" "$summary, eval $evaluation" "$(echo "$end - $start" | bc)"
  done
done
