#!/usr/bin/env bash
# How much of an OpenAI-ES generation goes to anything but playing the episodes (drawing and
# adding the noise, ranking, the update, the evaluation bookkeeping), on the episodes of a trained
# MinAtar agent: trains the Breakout preset (the convolutional network, population 128, the noise
# table) for its 5 M frames, resumes it for 10 more generations on 2 threads and times them, then
# times `rollout eval` of the trained policy playing about as many frames on 2 threads (the same
# evaluator: env steps and forward passes). share = 1 − (frames played, the members' episodes and
# the evaluation of the mean, × eval seconds per frame) / generation seconds.
#   Benchmarks/es-share.sh [path/to/rollout] [run directory to reuse]
set -euo pipefail
rollout=$(realpath "${1:-.build/release/rollout}")
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run=${2:-$dir/run}
if [[ ! -f $run/checkpoint.json ]]; then
  "$rollout" train breakout --algo openai-es --seed 1 --threads 2 --no-early-stop --no-tensorboard --quiet --out "$run" >/dev/null
fi
cp -r "$run" "$dir/resumed"
steps=$(python3 -c 'import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[-1]["env_steps"])' "$run/metrics.csv")
generations=$(python3 -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' "$run/metrics.csv")
"$rollout" train --resume "$dir/resumed" --generations $((generations + 10)) --max-steps $((steps * 2)) --threads 2 --no-early-stop --quiet >/dev/null
read -r frames seconds < <(python3 - "$dir/resumed/metrics.csv" "$generations" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))[int(sys.argv[2]) - 1:]
# The frames of the members' episodes and of each generation's evaluation of the mean policy.
frames = sum(int(rows[-1][k]) - int(rows[0][k]) for k in ("env_steps", "evaluation_steps"))
print(frames, float(rows[-1]["elapsed_seconds"]) - float(rows[0]["elapsed_seconds"]))
PY
)
policy=$(ls "$run"/*.policy)
episodes=$(python3 -c "print(max(100, int($frames / 60)))")
start=$(date +%s.%N)
eval=$("$rollout" eval "$policy" --episodes "$episodes" --threads 2 --json)
end=$(date +%s.%N)
python3 - "$frames" "$seconds" "$eval" "$start" "$end" <<'PY'
import json, sys
frames, seconds = int(sys.argv[1]), float(sys.argv[2])
summary = json.loads(sys.argv[3])
played = summary["episodes"] * summary["length"]["mean"]
per_frame = (float(sys.argv[5]) - float(sys.argv[4])) / played
share = 1 - frames * per_frame / seconds
print(f"10 generations: {frames} frames in {seconds:.2f} s ({frames / seconds:,.0f} frames/s); "
      f"rollout eval: {played:,.0f} frames at {1 / per_frame:,.0f} frames/s (return {summary['return']['mean']:.2f}); "
      f"non-episode share of a generation: {100 * share:.1f} %")
PY
