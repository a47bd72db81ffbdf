#!/usr/bin/env bash
# Measures the figures the README quotes, in one run:
#   Benchmarks/run.sh            everything below
#   Benchmarks/run.sh envs       CartPole random-policy steps/s, rollout and the C reference back to back
#   Benchmarks/run.sh policy     CartPole + 4→16→2 policy steps/s
#   Benchmarks/run.sh train      wall time of `rollout train cartpole` (5 seeds, whole process)
#   Benchmarks/run.sh evaluator  1 vs N threads on a heavy OpenAI-ES generation
#   Benchmarks/run.sh allocations  heap allocations per env step and per policy forward
# Figures are noisy on shared machines: compare the two sides of a pair, run back to back.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

swift build -c release --product rollout >/dev/null
rollout=.build/release/rollout

if [[ $what == all || $what == envs ]]; then
  # The reference is built with clang -O3 -march=native, the faster of clang and gcc for this loop
  # here (about 41 vs 26-32 M steps/s: clang fuses sin and cos into one sincos call).
  clang -O3 -march=native Benchmarks/cartpole_reference.c -o "$build/cartpole_reference" -lm
  for _ in 1 2 3 4 5; do
    "$build/cartpole_reference" 1 1
    "$rollout" bench envs --repeats 1
  done
fi
if [[ $what == all || $what == policy ]]; then
  "$rollout" bench policy
fi
if [[ $what == all || $what == train ]]; then
  dir=$(mktemp -d)
  for seed in 1 2 3 4 5; do
    start=$(date +%s.%N)
    "$rollout" train cartpole --seed "$seed" --out "$dir/$seed" --quiet | sed -n 1p
    end=$(date +%s.%N)
    echo "  seed $seed: whole process $(echo "$end - $start" | bc) s"
  done
  rm -rf "$dir"
fi
if [[ $what == all || $what == evaluator ]]; then
  "$rollout" bench evaluator
fi
if [[ $what == all || $what == allocations ]]; then
  cc -O2 -shared -fPIC Benchmarks/malloc_counter.c -o "$build/libmalloc_counter.so" -ldl
  LD_PRELOAD="$build/libmalloc_counter.so" "$rollout" bench allocations
fi
