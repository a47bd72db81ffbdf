#!/usr/bin/env bash
# The preset sweep: trains every (env, algorithm) preset on seeds 1–N and counts a run as solved
# only when its policy file's `rollout eval` reaches the env's threshold (or, for an env without
# one, the preset's target) on seed 0 and on seeds 1, 2 and 3 (100 episodes each) — what a user who trains and then evaluates sees. Prints one
# Markdown row per preset: solved/N, median env steps and wall time, the worst of the four
# evaluations over all seeds.
#   Benchmarks/preset-sweep.sh [-s SEEDS] [-b BINARY] ENV:ALGO ...   (e.g. cartpole:cma-es)
#   Benchmarks/preset-sweep.sh [-s SEEDS] [-b BINARY] ENV ...        (every algorithm for ENV)
# -f stops a preset at its first unsolved seed (JOBS seeds at a time): one failure is enough to
# show that a preset does not solve 20/20, and on the mazes a seed costs minutes.
# THREADS (default 1) sets --threads; runs go two at a time when THREADS=1 on 2 cores (JOBS=2).
set -euo pipefail
seeds=20 rollout=.build/release/rollout first_failure=0
while getopts "s:b:f" opt; do
  case $opt in
    s) seeds=$OPTARG ;;
    b) rollout=$OPTARG ;;
    f) first_failure=1 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
algorithms=(openai-es ns-es nsr-es nsra-es ga cma-es sep-cma-es ars ppo a2c reinforce)
pairs=()
for arg in "$@"; do
  if [[ $arg == *:* ]]; then pairs+=("$arg"); else for a in "${algorithms[@]}"; do pairs+=("$arg:$a"); done; fi
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
threads=${THREADS:-1} jobs=${JOBS:-2}

one() { # env algo seed -> "solved steps seconds worst"
  local env=$1 algo=$2 seed=$3 out="$dir/$1-$2-$3"
  local start end line steps worst=inf solved=1 threshold
  start=$(date +%s.%N)
  line=$("$rollout" train "$env" --algo "$algo" --seed "$seed" --threads "$threads" --quiet --out "$out" | head -1)
  end=$(date +%s.%N)
  steps=$(echo "$line" | sed -E 's/.* ([0-9]+) env steps.*/\1/')
  # Envs without a threshold of their own (Pendulum) are judged by the preset's target.
  target=$("$rollout" train "$env" --algo "$algo" --print-config | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"].get("target_return"))')
  for s in 0 1 2 3; do
    json=$("$rollout" eval "$out/$env-$algo.policy" --seed "$s" --json)
    read -r mean threshold < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["return"]["mean"], d["threshold"] if d["threshold"] is not None else sys.argv[2])' "$json" "$target")
    worst=$(python3 -c "print(min(float('$worst'), $mean))")
    if [[ $threshold == None ]] || python3 -c "import sys; sys.exit(0 if $mean >= $threshold else 1)"; then :; else solved=0; fi
  done
  echo "$solved $steps $(echo "$end - $start" | bc) $worst"
}
export -f one
export rollout dir threads

echo "| env | algorithm | solved (eval seeds 0–3) | median env steps | median wall time | worst 100-episode eval |"
echo "|---|---|---|---|---|---|"
for pair in "${pairs[@]}"; do
  env=${pair%%:*} algo=${pair##*:}
  if (( first_failure )); then
    results="" next=1
    while (( next <= seeds )); do
      last=$((next + jobs - 1)); (( last > seeds )) && last=$seeds
      batch=$(seq "$next" "$last" | xargs -P "$jobs" -I{} bash -c "one $env $algo {}")
      results+="$batch"$'\n'
      next=$((last + 1))
      grep -q '^0 ' <<<"$batch" && break
    done
    ran=$(grep -c . <<<"$results")
  else
    results=$(seq 1 "$seeds" | xargs -P "$jobs" -I{} bash -c "one $env $algo {}")
    ran=$seeds
  fi
  python3 - "$env" "$algo" "$ran" <<PY
import sys, statistics
env, algo, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [l.split() for l in """$results""".strip().splitlines()]
solved = sum(int(r[0]) for r in rows)
steps = statistics.median(int(r[1]) for r in rows)
secs = statistics.median(float(r[2]) for r in rows)
worst = min(float(r[3]) for r in rows)
print(f"| {env} | {algo} | {solved}/{n} | {steps/1e3:.0f} k | {secs:.2f} s | {worst:.1f} |")
PY
done
