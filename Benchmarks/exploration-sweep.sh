#!/usr/bin/env bash
# A sweep of exploration settings on a deceptive env: for each configuration (one JSON object per
# line of CONFIGS, laid over the algorithm's preset as a config file), trains seeds 1..SEEDS and
# prints one Markdown row: the configuration, how many seeds reached the env's goal (the run's
# own threshold stop, confirmed by its evaluation), and each seed's final return.
#   Benchmarks/exploration-sweep.sh [-s SEEDS] [-b BINARY] [-a ALGO] [-e ENV] CONFIGS
# Defaults: 3 seeds, ppo-rnd, medium-maze, .build/release/rollout. THREADS (default 1) sets
# --threads; JOBS (default 1) runs that many seeds at a time.
set -euo pipefail
seeds=3 rollout=.build/release/rollout algo=ppo-rnd env=medium-maze
while getopts "s:b:a:e:" opt; do
  case $opt in
    s) seeds=$OPTARG ;;
    b) rollout=$OPTARG ;;
    a) algo=$OPTARG ;;
    e) env=$OPTARG ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 1 && -f $1 ]] || { echo "usage: $0 [-s SEEDS] [-b BINARY] [-a ALGO] [-e ENV] CONFIGS" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
threads=${THREADS:-1} jobs=${JOBS:-1}

one() { # config-file seed -> "reached return"
  local config=$1 seed=$2 out="$dir/run-$RANDOM-$2" line final
  line=$("$rollout" train "$env" --algo "$algo" --config "$config" --seed "$seed" --threads "$threads" --quiet --out "$out")
  line=${line%%$'\n'*}
  final=$("$rollout" eval "$out"/*.policy --episodes 1 --seed 0 | sed -nE 's/.*episodes, return ([-0-9.]+).*/\1/p')
  if [[ $line == *threshold* ]]; then echo "1 $final"; else echo "0 $final"; fi
}

echo "| configuration | goal | final returns, seeds 1–$seeds |"
echo "|---|---|---|"
n=0
while IFS= read -r config; do
  [[ -z $config || $config == \#* ]] && continue
  n=$((n + 1))
  file="$dir/config-$n.json"
  echo "$config" > "$file"
  results=()
  for ((s = 1; s <= seeds; s += jobs)); do
    pids=()
    for ((k = s; k < s + jobs && k <= seeds; k++)); do
      one "$file" "$k" > "$dir/result-$n-$k" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
  done
  reached=0 finals=()
  for ((k = 1; k <= seeds; k++)); do
    read -r hit final < "$dir/result-$n-$k"
    reached=$((reached + hit))
    finals+=("$final")
  done
  echo "| \`$config\` | $reached/$seeds | $(IFS=,; echo "${finals[*]}" | sed 's/,/, /g') |"
done < "$1"
