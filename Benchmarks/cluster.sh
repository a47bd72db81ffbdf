#!/usr/bin/env bash
# Open MPI figures on one machine (README "Running on a cluster"):
#   1. ES generations/s, 1 process × 2 threads against 2 ranks × 1 thread (and the ratio), on
#      CartPole (OpenAI-ES, population 256) and the hard maze (NS-ES preset), a fixed number of
#      generations, REPEATS runs each (default 3; the best of each is compared: the machine is
#      shared and noisy). Rate = generations / elapsed seconds at the last generation (the
#      final 100-episode evaluation left out).
#   2. Bytes rank 0 put into collectives per generation at population 256 for two network sizes.
#   3. PPO env steps/s on CartPole (preset, 100k steps): 1 × 1, 1 × 2 and 2 ranks × 1 thread.
# Needs libopenmpi-dev and openmpi-bin; builds the release binary with the MPI trait.
set -euo pipefail
cd "$(dirname "$0")/.."
rollout=$(scripts/release-binary MPI)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun -np 2 --bind-to none)
repeats=${REPEATS:-3}

# Generations (or updates) per second and env steps per second from a run's metrics.csv.
rates() { awk -F, 'NR > 1 { g = $1; s = $5; t = $7 } END { printf "%.2f %.0f", g / t, s / t }' "$1/metrics.csv"; }

es_case() {
  local name=$1; shift
  local best1=0 best2=0
  for r in $(seq "$repeats"); do
    "$rollout" train "$@" --threads 2 --quiet --out "$dir/$name-1x2-$r" >/dev/null
    "${mpi[@]}" "$rollout" train "$@" --threads 1 --quiet --out "$dir/$name-2x1-$r" >"$dir/$name-2x1-$r.log"
    read -r g1 _ <<<"$(rates "$dir/$name-1x2-$r")"
    read -r g2 _ <<<"$(rates "$dir/$name-2x1-$r")"
    printf '%-10s run %d   1 process × 2 threads %8.2f gen/s   2 ranks × 1 thread %8.2f gen/s\n' "$name" "$r" "$g1" "$g2"
    best1=$(awk -v a="$best1" -v b="$g1" 'BEGIN { print (b > a ? b : a) }')
    best2=$(awk -v a="$best2" -v b="$g2" 'BEGIN { print (b > a ? b : a) }')
  done
  awk -v n="$name" -v a="$best1" -v b="$best2" 'BEGIN { printf "%-10s best     %8.2f vs %8.2f gen/s: ratio %.2f\n", n, a, b, b / a }'
}

echo "== ES generations per second"
es_case cartpole cartpole --algo openai-es --population 256 --generations 200 --no-early-stop --seed 1
es_case hard-maze hard-maze --algo ns-es --generations 600 --no-early-stop --seed 1

echo "== bytes per generation, population 256 (rank 0's payload into collectives)"
for hidden in 16 256,256; do
  "${mpi[@]}" "$rollout" train cartpole --algo openai-es --population 256 --generations 20 --no-early-stop --seed 1 \
    --threads 1 --hidden "$hidden" --out "$dir/bytes-$hidden" >"$dir/bytes-$hidden.log"
  params=$(awk '/"parameters" : \[/ { on = 1; next } on && /\]/ { on = 0 } on { n++ } END { print n }' \
    "$dir/bytes-$hidden/cartpole-openai-es.policy")
  printf 'hidden %-8s %7s parameters   %s\n' "$hidden" "$params" "$(grep '^cluster:' "$dir/bytes-$hidden.log")"
done

echo "== PPO on CartPole, env steps per second (100k steps)"
ppo=(train cartpole --algo ppo --seed 1 --max-steps 100000 --no-early-stop --quiet)
"$rollout" "${ppo[@]}" --threads 1 --out "$dir/ppo-1x1" >/dev/null
"$rollout" "${ppo[@]}" --threads 2 --out "$dir/ppo-1x2" >/dev/null
"${mpi[@]}" "$rollout" "${ppo[@]}" --threads 1 --out "$dir/ppo-2x1" >"$dir/ppo-2x1.log"
for c in 1x1 1x2 2x1; do
  read -r _ s <<<"$(rates "$dir/ppo-$c")"
  printf 'ppo %s (processes × threads)  %8d steps/s\n' "$c" "$s"
done
grep '^cluster:' "$dir/ppo-2x1.log"
