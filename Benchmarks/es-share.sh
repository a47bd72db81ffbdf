#!/usr/bin/env bash
# How much of an OpenAI-ES generation goes to anything but playing the episodes (writing the
# members' θ ± σε, ranking, the update, the evaluation bookkeeping), on the episodes of a trained
# MinAtar agent. Trains a Breakout OpenAI-ES agent (the preset: the convolutional network,
# population 128, the noise table; NETWORK and POPULATION change them) for 5 M frames, then, in
# REPEATS (default 5) interleaved pairs on 2 threads:
#   - resumes it for 1 + G generations (GENERATIONS, default 40) and times the last G: the first
#     generation of a process also builds the shared noise table, once per process, so it is
#     reported on its own;
#   - times `rollout eval` of its policy playing about as many frames (the same evaluator: env
#     steps and forward passes; the process starts in ~10 ms).
# share = 1 − (frames the G generations played, the members' episodes and the evaluations of the
# mean, at the median eval rate) / their median seconds; each pair's own share is listed too
# (eval's rate on this shared host moves by ±15 % from run to run, the generations' by ±2 %).
#   Benchmarks/es-share.sh [path/to/rollout] [run directory to reuse]
#   NETWORK='conv(32,3x3) → dense(512)' POPULATION=256 Benchmarks/es-share.sh …   (~1.05 M weights)
set -euo pipefail
rollout=$(realpath "${1:-.build/release/rollout}")
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run=${2:-$dir/run}
count=${GENERATIONS:-40} repeats=${REPEATS:-5}
if [[ ! -f $run/checkpoint.json ]]; then
  extra=()
  [[ -n ${NETWORK:-} ]] && extra+=(--network "$NETWORK")
  [[ -n ${POPULATION:-} ]] && extra+=(--population "$POPULATION")
  "$rollout" train breakout --algo openai-es --seed 1 --threads 2 --no-early-stop --no-tensorboard --quiet \
    "${extra[@]}" --out "$run" >/dev/null
fi
steps=$(python3 -c 'import csv,sys; print(list(csv.DictReader(open(sys.argv[1])))[-1]["env_steps"])' "$run/metrics.csv")
generations=$(python3 -c 'import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1])))))' "$run/metrics.csv")
policy=$(ls "$run"/*.policy)
for r in $(seq "$repeats"); do
  rm -rf "$dir/resumed"
  cp -r "$run" "$dir/resumed"
  "$rollout" train --resume "$dir/resumed" --generations $((generations + 1 + count)) --max-steps $((steps * 2)) \
    --threads 2 --no-early-stop --quiet >/dev/null
  read -r frames seconds first < <(python3 - "$dir/resumed/metrics.csv" "$generations" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))[int(sys.argv[2]) - 1:]
# rows[0] ends the trained run; rows[1] is the resumed process's first generation.
first = float(rows[1]["elapsed_seconds"]) - float(rows[0]["elapsed_seconds"])
steady = rows[1:]
frames = sum(int(steady[-1][k]) - int(steady[0][k]) for k in ("env_steps", "evaluation_steps"))
print(frames, float(steady[-1]["elapsed_seconds"]) - float(steady[0]["elapsed_seconds"]), first)
PY
  )
  episodes=$(python3 -c "print(max(100, int($frames / 57)))")
  start=$(date +%s.%N)
  summary=$("$rollout" eval "$policy" --episodes "$episodes" --threads 2 --json)
  end=$(date +%s.%N)
  echo "$frames $seconds $first $start $end $summary" >>"$dir/pairs"
done
python3 - "$dir/pairs" "$count" <<'PY'
import json, statistics, sys
pairs = []
for line in open(sys.argv[1]):
    frames, seconds, first, start, end, summary = line.split(" ", 5)
    s = json.loads(summary)
    played = s["episodes"] * s["length"]["mean"]
    pairs.append((int(frames), float(seconds), float(first), played / (float(end) - float(start)), s["return"]["mean"]))
for frames, seconds, first, rate, score in pairs:
    print(f"  {frames / seconds:,.0f} frames/s in the generations, {rate:,.0f} in rollout eval (return {score:.2f}): "
          f"share {100 * (1 - frames / rate / seconds):.1f} %; first generation {first:.3f} s")
frames = pairs[0][0]
seconds = statistics.median(p[1] for p in pairs)
rate = statistics.median(p[3] for p in pairs)
print(f"{sys.argv[2]} generations: {frames} frames in a median {seconds:.3f} s ({frames / seconds:,.0f} frames/s); "
      f"rollout eval median {rate:,.0f} frames/s; non-episode share of a generation: {100 * (1 - frames / rate / seconds):.1f} %; "
      f"a process's first generation (building the noise table): {statistics.median(p[2] for p in pairs):.3f} s")
PY
