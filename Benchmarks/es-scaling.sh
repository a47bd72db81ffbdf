#!/usr/bin/env bash
# How OpenAI-ES's and the deep GA's cost per generation grows with the policy's size on Breakout:
# ~10 k, ~100 k and ~1 M parameters, as MLPs (400→24→6, 400→240→6, 400→1024→560→6) and as
# convolutional networks (conv(8,3x3) → dense(16), the MinAtar paper's conv(16,3x3) → dense(128),
# conv(32,3x3) → dense(512)), population 128,
# 3 generations from the initial policy, 2 threads, with ε from Philox streams (the default) and
# from a shared noise table of 33,554,432 values. Prints seconds per generation and training env
# frames per second, both over the generations after the first (which also builds the table).
#   Benchmarks/es-scaling.sh [path/to/rollout]
set -euo pipefail
rollout=$(realpath "${1:-.build/release/rollout}")
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The MinAtar presets carry a table of their own: "streams" turns it off.
echo '{"strategy": {"noise_table_size": 33554432}}' >"$dir/table.json"
echo '{"strategy": {"noise_table_size": 0}}' >"$dir/streams.json"
echo "| algorithm | network | parameters | ε from | s per generation | env frames/s |"
echo "|---|---|---|---|---|---|"
networks=("dense(24)" "dense(240)" "dense(1024,560)" "conv(8,3x3) dense(16)" "conv(16,3x3) dense(128)" "conv(32,3x3) dense(512)")
for algo in openai-es ga; do
  for network in "${networks[@]}"; do
    for noise in streams table; do
      extra=(--config "$dir/$noise.json")
      out="$dir/$algo-${network//[^a-z0-9]/_}-$noise"
      "$rollout" train breakout --algo "$algo" --network "$network" --population 128 --generations 3 --no-early-stop \
        --threads 2 --seed 1 --quiet --no-tensorboard --out "$out" "${extra[@]}" >/dev/null
      parameters=$(python3 docs/read_policy.py "$out/breakout-$algo.policy" | sed -E 's/.* ([0-9]+) weights.*/\1/')
      python3 - "$out/metrics.csv" "$algo" "$parameters" "$noise" "$network" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
times = [float(r["elapsed_seconds"]) for r in rows]
steps = [int(r["env_steps"]) for r in rows]
per = statistics.median(b - a for a, b in zip(times, times[1:]))
frames = (steps[-1] - steps[0]) / (times[-1] - times[0])
print(f"| {sys.argv[2]} | {sys.argv[5]} | {int(sys.argv[3]):,} | {sys.argv[4]} | {per:.3f} | {frames:,.0f} |")
PY
    done
  done
done
