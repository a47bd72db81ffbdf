"""Reads every run directory under the given roots with TensorBoard's own event reader and checks
that each metrics.csv value is in the event file, under its tag, at its env step, as float32.

    python tensorboard_events.py DIR...      exits 1 with a line per mismatch
"""
import csv
import math
import os
import sys

import numpy as np
from tensorboard.backend.event_processing import event_accumulator as ea

GROUPS = {"mean_return": "returns", "max_return": "returns", "evaluation_return": "returns",
          "policy_loss": "losses", "value_loss": "losses", "entropy": "losses", "approx_kl": "losses",
          "clip_fraction": "losses", "learning_rate": "losses"}


def check(directory):
    """Returns (scalars compared, list of problems) for one run directory."""
    rows = list(csv.DictReader(open(os.path.join(directory, "metrics.csv"))))
    acc = ea.EventAccumulator(directory, size_guidance={ea.SCALARS: 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    problems, compared = [], 0
    if not rows:
        return 0, [f"{directory}: metrics.csv has no rows"]
    for column in rows[0]:
        values = [(int(r["env_steps"]), r[column]) for r in rows if r[column] != ""]
        if not values:
            continue
        tag = f"{GROUPS.get(column, 'progress')}/{column}"
        if tag not in tags:
            problems.append(f"{directory}: no tag {tag}")
            continue
        events = acc.Scalars(tag)
        if len(events) != len(values):
            problems.append(f"{directory}: {tag} has {len(events)} events, metrics.csv {len(values)} values")
            continue
        for event, (step, text) in zip(events, values):
            want = np.float32(float(text))
            same = (math.isnan(want) and math.isnan(event.value)) or np.float32(event.value) == want
            if event.step != step or not same:
                problems.append(f"{directory}: {tag} at step {event.step}: {event.value}, metrics.csv step {step}: {text}")
                break
            compared += 1
    return compared, problems


def main(roots):
    directories = sorted({dirpath for root in roots for dirpath, _, files in os.walk(root) if "metrics.csv" in files})
    if not directories:
        print("tensorboard events: no run directories found", file=sys.stderr)
        return 1
    total, problems = 0, []
    for d in directories:
        n, p = check(d)
        total += n
        problems += p
    for p in problems:
        print(p, file=sys.stderr)
    print(f"{len(directories)} run directories, {total} scalars equal to metrics.csv, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
