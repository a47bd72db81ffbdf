#!/usr/bin/env bash
# CMA-ES against pycma 4.5.0 with its defaults, back to back on this machine: evaluations to reach
# f ≤ 1e-8 on the 10-D ellipsoid and Rosenbrock from the same 20 starts (xᵢ = 5·sin(13·seed + i + 1),
# rounded to float32 as rollout's initial mean is), σ₀ = 2; and 10-D Rastrigin with IPOP and BIPOP
# restarts (pycma: `cma.fmin(..., restarts=9, bipop=...)`) within 2·10⁶ evaluations.
#   Benchmarks/cma-pycma.sh [ROLLOUT_BINARY]
# The virtual environment is made once under ${CMA_VENV:-/tmp/rollout-pycma-venv} (pip: cma==4.5.0, numpy).
set -euo pipefail
rollout=${1:-.build/release/rollout}
venv=${CMA_VENV:-/tmp/rollout-pycma-venv}
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet cma==4.5.0 numpy
fi
echo "== rollout ($rollout bench cma)"
"$rollout" bench cma
echo "== pycma $("$venv/bin/python" -c 'import cma; print(cma.__version__)' 2>/dev/null) (defaults: active CMA, no restarts)"
"$venv/bin/python" - <<'PY' 2>/dev/null
import math, warnings
import numpy as np, cma
warnings.filterwarnings("ignore")
def start(seed, n=10):
    return np.array([5 * math.sin(13 * seed + i + 1) for i in range(n)], dtype=np.float32).astype(float)
for name, f in [("ellipsoid", cma.ff.elli), ("rosenbrock", cma.ff.rosen)]:
    runs = []
    for seed in range(1, 21):
        es = cma.CMAEvolutionStrategy(start(seed), 2, {"ftarget": 1e-8, "seed": seed, "verbose": -9, "maxfevals": 100000})
        es.optimize(f)
        runs.append((es.result.evaluations, es.result.fbest))
    evals = sorted(e for e, _ in runs)
    solved = sum(1 for _, fb in runs if fb <= 1e-8)
    print(f"{name} 10-D, pycma".ljust(40) + f"median {evals[len(evals) // 2]} evaluations to 1e-8 (min {evals[0]}, max {evals[-1]}); {solved}/20 reached it")
class Counted:
    """Counts the calls of f over every restart and notes the one that first reaches 1e-8."""
    def __init__(self, f):
        self.f, self.calls, self.reached = f, 0, None
    def __call__(self, x):
        self.calls += 1
        value = self.f(x)
        if value <= 1e-8 and self.reached is None:
            self.reached = self.calls
        return value
for bipop in (False, True):
    solved = []
    for seed in range(1, 21):
        f = Counted(cma.ff.rastrigin)
        cma.fmin(f, start(seed), 2, {"ftarget": 1e-8, "seed": seed, "verbose": -9, "maxfevals": 2e6},
                 restarts=9, bipop=bipop)
        if f.reached is not None and f.reached <= 2e6:
            solved.append(f.reached)
    solved.sort()
    label = "BIPOP" if bipop else "IPOP"
    print(f"rastrigin 10-D, pycma with {label}".ljust(40) + f"{len(solved)}/20 reached 1e-8 within 2e6 evaluations"
          + (f", median {solved[len(solved) // 2]} evaluations among them" if solved else ""))
PY
