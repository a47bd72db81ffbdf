"""Runs rollout's ONNX exports with onnxruntime on observations recorded by `rollout eval --record`
and checks that they take the same actions: identical indices for discrete actions, within 1e-5
for continuous ones. The model must also pass onnx's full checker.

    python onnx_policies.py MODEL.onnx RECORD.jsonl [MODEL.onnx RECORD.jsonl ...]
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime


def check(model_path, record_path):
    onnx.checker.check_model(onnx.load(model_path), full_check=True)
    steps = [json.loads(line) for line in open(record_path)]
    observations = np.array([s["observation"] for s in steps], dtype=np.float32)
    expected = [s["action"] for s in steps]
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    (actions,) = session.run(["action"], {"observation": observations})
    if actions.dtype == np.int64:
        wrong = int(np.sum(actions != np.array(expected, dtype=np.int64)))
        return len(steps), wrong, f"{wrong} different actions"
    difference = float(np.max(np.abs(actions - np.array(expected, dtype=np.float32))))
    return len(steps), int(difference > 1e-5), f"largest difference {difference:.2e}"


def main(arguments):
    failed = 0
    for model, record in zip(arguments[::2], arguments[1::2]):
        count, bad, detail = check(model, record)
        status = "ok" if bad == 0 and count >= 10000 else "FAILED"
        failed += status != "ok"
        print(f"{status}: {model}: {count} observations, {detail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
