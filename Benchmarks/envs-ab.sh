#!/usr/bin/env bash
# Compares the env stepping speed of two rollout binaries on this machine, in interleaved pairs
# (A, B, A, B, …), so that both sides see the same quiet and busy spells of a shared host:
#   Benchmarks/envs-ab.sh BINARY_A BINARY_B [PAIRS (default 8)] [ENV REGEX (default: all)]
# Each run is `bench envs --repeats 1` (random actions, one thread, observations written). Prints,
# per env, each side's median steps/s and the median of the per-pair ratios B/A.
# To build the binary of an older commit: git worktree add /tmp/old COMMIT && (cd /tmp/old &&
# swift build -c release) — then pass /tmp/old/.build/release/rollout.
set -euo pipefail
if (($# < 2)); then
  echo "usage: $0 BINARY_A BINARY_B [PAIRS] [ENV REGEX]" >&2
  exit 2
fi
a=$1 b=$2 pairs=${3:-8} only=${4:-.}
for binary in "$a" "$b"; do
  [[ -x $binary ]] || { echo "$0: not an executable: $binary" >&2; exit 2; }
done
[[ $pairs =~ ^[1-9][0-9]*$ ]] || { echo "$0: PAIRS must be a positive integer, got '$pairs'" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# One line per env and run: "side pair env M-steps/s".
for pair in $(seq "$pairs"); do
  for side in A B; do
    binary=$a
    [[ $side == B ]] && binary=$b
    "$binary" bench envs --repeats 1 | awk -v s="$side" -v p="$pair" '$3 == "M" { print s, p, $1, $2 }' >>"$dir/runs"
  done
done
awk -v only="$only" '
  function median(list,   n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  $3 ~ only { rate[$1, $2, $3] = $4; if (!($3 in seen)) { seen[$3] = 1; order[++envs] = $3 }; if ($2 > pairs) pairs = $2 }
  END {
    printf "%-24s %10s %10s %8s\n", "env (M steps/s)", "A median", "B median", "B/A"
    for (e = 1; e <= envs; e++) {
      name = order[e]; as = ""; bs = ""; rs = ""
      for (p = 1; p <= pairs; p++) {
        as = as " " rate["A", p, name]; bs = bs " " rate["B", p, name]
        rs = rs " " rate["B", p, name] / rate["A", p, name]
      }
      printf "%-24s %10.2f %10.2f %8.3f\n", name, median(substr(as, 2)), median(substr(bs, 2)), median(substr(rs, 2))
    }
  }' "$dir/runs"
