#!/usr/bin/env python3
"""The Seaquest comparison's per-method table from a report's run records.

    Benchmarks/seaquest-table.py [reports/seaquest] [experiments/seaquest.json]

One row per method of the experiment, in its order: runs finished, the final return per seed, the
final policy's Seaquest descriptor (divers carried and surfacings at the end, over the 20
evaluation episodes), the most surfacings per training episode in any evaluation interval, and
each run's wall time. Reads only the JSON records `rollout compare` writes in runs/.
"""
import json
import pathlib
import statistics
import sys

report = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "reports/seaquest")
experiment = json.loads(pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "experiments/seaquest.json").read_text())
seeds = experiment["seeds"]
# Seaquest's behaviour descriptor: x, y, oxygen, divers, surfacings.
DIVERS, SURFACINGS = 3, 4

print("| method | runs | final return (seeds 1, 2, 3) | median | divers at the end | surfacings per episode, final policy | most surfacings per training episode, any interval | wall time per run |")
print("|---|---|---|---|---|---|---|---|")
for entry in experiment["algorithms"]:
    label = entry.get("label", entry["algorithm"])
    records = []
    for seed in range(1, seeds + 1):
        path = report / "runs" / f"{label.replace(' ', '_').replace('+', '_')}-seed{seed}.json"
        if path.exists():
            records.append(json.loads(path.read_text()))
    if not records:
        print(f"| {label} | 0/{seeds} | — | — | — | — | — | — |")
        continue
    returns = [r["final_return"] for r in records]
    divers = statistics.mean(r["final_behavior"][DIVERS] for r in records)
    surfacings = [r["final_behavior"][SURFACINGS] for r in records]
    peak = max(point["mean"] for r in records for point in r.get("behavior_curve", []))
    wall = [r["wall_seconds"] for r in records]
    print(
        f"| {label} | {len(records)}/{seeds} | {', '.join(f'{x:.2f}' for x in returns)} | {statistics.median(returns):.2f} "
        f"| {divers:.2f} | {statistics.mean(surfacings):.3f} (max {max(surfacings):.2f}) | {peak:.3f} "
        f"| {min(wall):,.0f}–{max(wall):,.0f} s |")
