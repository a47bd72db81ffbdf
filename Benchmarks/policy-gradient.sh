#!/usr/bin/env bash
# Policy-gradient figures: each method's preset, one line per seed, read from the run's
# metrics.csv (evaluations of 20 greedy episodes every 5,000 steps):
#   first    env steps at which the evaluation first reached the target
#   at-first wall time (s) when it did
#   last     the last evaluation; share = fraction of evaluations at or above the target after
#            the first (how stable it stays)
#   rate     training env steps per second over the whole run, updates and evaluations included
#   Benchmarks/policy-gradient.sh [ppo|a2c|reinforce|pendulum ...]   (default: all four)
# Runs use the full budget (--no-early-stop) with THREADS threads (default 2), in a release build
# (the widest kernel path the CPU has; ROLLOUT_KERNELS=avx2 or sse2 forces a narrower one).
set -euo pipefail
cd "$(dirname "$0")/.."
rollout=$(scripts/release-binary)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cases=("$@")
((${#cases[@]} > 0)) || cases=(ppo a2c reinforce pendulum)
printf '%-10s %-9s %4s %9s %9s %9s %6s %11s\n' algo env seed first at-first last share "steps/s"
for c in "${cases[@]}"; do
  case $c in
    ppo) algo=ppo env=cartpole target=475 seeds="1 2 3 4 5" extra=() ;;
    a2c) algo=a2c env=cartpole target=475 seeds="1 2 3 4 5" extra=(--max-steps 100000) ;;
    reinforce) algo=reinforce env=cartpole target=475 seeds="1 2 3 4 5" extra=() ;;
    pendulum) algo=ppo env=pendulum target=-250 seeds="1 2 3" extra=() ;;
    *) echo "unknown case $c" >&2; exit 2 ;;
  esac
  for seed in $seeds; do
    out="$dir/$c-$seed"
    "$rollout" train "$env" --algo "$algo" --seed "$seed" --threads "${THREADS:-2}" --no-early-stop --quiet \
      "${extra[@]}" --out "$out" >/dev/null
    awk -F, -v target="$target" -v algo="$algo" -v env="$env" -v seed="$seed" '
      NR == 1 { next }
      { steps = $5; eval = $4; elapsed = $7; rate = $8
        # A row whose evaluation-step count moved carries a new evaluation.
        if ($6 != previous) { if (first != "") { after++; if (eval >= target) good++ } }
        if (first == "" && eval >= target) { first = steps; at = elapsed }
        previous = $6; last = eval }
      END {
        share = after > 0 ? sprintf("%.2f", good / after) : "-"
        printf "%-10s %-9s %4s %9s %9s %9.1f %6s %11.0f\n", algo, env, seed, (first == "" ? "never" : first),
          (first == "" ? "-" : sprintf("%.2f", at)), last, share, rate }' "$out/metrics.csv"
  done
done
