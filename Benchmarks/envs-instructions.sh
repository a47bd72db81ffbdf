#!/usr/bin/env bash
# Instructions per env step of one or more rollout binaries, counted by valgrind's cachegrind:
# a figure that, unlike steps/s, does not move with a shared host's busy spells.
#   Benchmarks/envs-instructions.sh BINARY [BINARY ...] [-- ENV ...]   (default: the MinAtar games)
# Each count is marginal: (instructions of `eval random` over 4n episodes − those over n) / (the
# steps between them), so process start-up and the final summary drop out; n is chosen so that n
# episodes are about 50,000 steps. Random actions, one
# thread, observations written every step — the loop `rollout bench envs` times. Needs valgrind.
set -euo pipefail
binaries=() envs=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; envs=("$@"); break; fi
  binaries+=("$1"); shift
done
((${#binaries[@]})) || { echo "usage: $0 BINARY [BINARY ...] [-- ENV ...]" >&2; exit 2; }
((${#envs[@]})) || envs=(breakout space-invaders freeway asterix seaquest)
command -v valgrind >/dev/null || { echo "$0: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
for binary in "${binaries[@]}"; do
  [[ -x $binary ]] || { echo "$0: not an executable: $binary" >&2; exit 2; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
count() { # binary env episodes -> "instructions steps"
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$1" eval random --env "$2" --episodes "$3" --threads 1 --json >"$dir/out" 2>"$dir/err"
  local refs mean
  refs=$(sed -nE 's/.*I[[:space:]]+refs:[[:space:]]+([0-9,]+).*/\1/p' "$dir/err" | tr -d ,)
  mean=$(sed -E 's/.*"length":\{[^}]*"mean":([0-9.e+-]+).*/\1/' "$dir/out")
  echo "$refs $(awk -v m="$mean" -v n="$3" 'BEGIN { printf "%.0f", m * n }')"
}
printf '%-16s' "env"
for binary in "${binaries[@]}"; do printf ' %14s' "$(basename "$(dirname "$(dirname "$binary")")")"; done
echo "   (instructions per step)"
for env in "${envs[@]}"; do
  printf '%-16s' "$env"
  length=$("${binaries[0]}" eval random --env "$env" --episodes 20 --json | sed -E 's/.*"length":\{[^}]*"mean":([0-9.e+-]+).*/\1/')
  n=$(awk -v l="$length" 'BEGIN { n = int(50000 / l) + 1; print n }')
  for binary in "${binaries[@]}"; do
    read -r i1 s1 < <(count "$binary" "$env" "$n")
    read -r i2 s2 < <(count "$binary" "$env" $((4 * n)))
    printf ' %14.1f' "$(awk -v a="$i1" -v b="$i2" -v s="$s1" -v t="$s2" 'BEGIN { print (b - a) / (t - s) }')"
  done
  echo
done
