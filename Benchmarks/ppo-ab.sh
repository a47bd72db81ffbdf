#!/usr/bin/env bash
# Compares the PPO training throughput of two rollout binaries on this machine, in interleaved
# pairs (A, B, A, B, …), so that both sides see the same quiet and busy spells of a shared host:
#   Benchmarks/ppo-ab.sh BINARY_A BINARY_B [PAIRS (default 6)] [THREADS (default 2)]
# Each run is `train cartpole --algo ppo --seed 1 --no-early-stop` (100 k steps, evaluations
# included); its rate is env steps / elapsed seconds at the last update (metrics.csv). Prints each
# side's runs and median, and the median of the per-pair ratios B/A. ALGO and ARGS in the
# environment train something else: ALGO=openai-es ARGS="--generations 300" times OpenAI-ES.
# To build the binary of an older commit: git worktree add /tmp/old COMMIT && (cd /tmp/old &&
# swift build -c release) — then pass /tmp/old/.build/release/rollout (commits before the
# run-time kernels needed --traits AVX2 or AVX512 for their fast kernels). ROLLOUT_KERNELS in the
# environment applies to both sides.
set -euo pipefail
if (($# < 2)); then
  echo "usage: $0 BINARY_A BINARY_B [PAIRS] [THREADS]" >&2
  exit 2
fi
a=$1 b=$2 pairs=${3:-6} threads=${4:-2}
for binary in "$a" "$b"; do
  [[ -x $binary ]] || { echo "$0: not an executable: $binary" >&2; exit 2; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
rate() {
  rm -rf "$dir/run"  # rollout refuses --out onto an existing run
  # shellcheck disable=SC2086 # ARGS holds several flags
  "$1" train cartpole --algo "${ALGO:-ppo}" --seed 1 --threads "$threads" --no-early-stop --quiet --out "$dir/run" ${ARGS:-} >/dev/null
  tail -1 "$dir/run/metrics.csv" | cut -d, -f8
}
ra=() rb=()
for _ in $(seq "$pairs"); do
  ra+=("$(rate "$a")")
  rb+=("$(rate "$b")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
ratios=()
for i in "${!ra[@]}"; do ratios+=("$(awk -v x="${ra[$i]}" -v y="${rb[$i]}" 'BEGIN { print y / x }')"); done
printf 'A %s: median %.0f steps/s  (%s)\n' "$a" "$(median "${ra[@]}")" "$(printf '%.0f ' "${ra[@]}")"
printf 'B %s: median %.0f steps/s  (%s)\n' "$b" "$(median "${rb[@]}")" "$(printf '%.0f ' "${rb[@]}")"
printf 'B/A, median of %d pairs: %.3f\n' "$pairs" "$(median "${ratios[@]}")"
