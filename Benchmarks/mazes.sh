#!/usr/bin/env bash
# The deceptive-maze picture: trains each algorithm with its maze preset (final-distance reward)
# on seeds 1-10 and prints, per run, whether it reached the goal, the training env steps it took,
# the wall time and where the returned policy ends; then a summary line per algorithm.
#   Benchmarks/mazes.sh medium-maze|hard-maze [budget-steps] [algo ...]
# Defaults: budget 10 M steps on the medium maze, 50 M on the hard one; algorithms ns-es nsr-es
# nsra-es ga openai-es. THREADS (default 2) sets the threads per run, SEEDS (default 10) the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
maze=${1:?usage: Benchmarks/mazes.sh medium-maze|hard-maze [budget] [algo ...]}
shift
if (($# > 0)); then budget=$1; shift; elif [[ $maze == medium-maze ]]; then budget=10000000; else budget=50000000; fi
algos=("$@")
((${#algos[@]} > 0)) || algos=(ns-es nsr-es nsra-es ga openai-es)
swift build -c release --product rollout >/dev/null
rollout=.build/release/rollout
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "$maze, budget $budget training steps per run, ${THREADS:-2} threads"
printf '%-10s %4s  %-7s %12s %9s  %s\n' algo seed result steps "wall s" "final position"
for algo in "${algos[@]}"; do
  solved=0; steps_list=(); total_time=0
  for seed in $(seq 1 "${SEEDS:-10}"); do
    out=$("$rollout" train "$maze" --algo "$algo" --seed "$seed" --threads "${THREADS:-2}" \
      --max-steps "$budget" --quiet --out "$dir/$algo-$seed")
    first=$(echo "$out" | head -1)
    steps=$(echo "$first" | sed -E 's/.* ([0-9]+) env steps.*/\1/')
    time=$(echo "$first" | sed -E 's/.* ([0-9.]+) s$/\1/')
    position=$(echo "$out" | grep 'final position' | sed -E 's/final position: //')
    result=trapped
    if [[ $first == solved* ]]; then result=goal; solved=$((solved + 1)); steps_list+=("$steps"); fi
    total_time=$(echo "$total_time + $time" | bc)
    printf '%-10s %4s  %-7s %12s %9s  %s\n' "$algo" "$seed" "$result" "$steps" "$time" "$position"
  done
  median=-
  if ((${#steps_list[@]} > 0)); then
    median=$(printf '%s\n' "${steps_list[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  fi
  echo "SUMMARY $algo: goal on $solved/${SEEDS:-10} seeds, median steps to goal $median, total wall time ${total_time} s"
done
