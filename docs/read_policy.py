#!/usr/bin/env python3
"""Read a rollout .policy file with Python's standard library, check it, and run it.

    python3 docs/read_policy.py cartpole-openai-es.policy [--obs 0.01 0.02 -0.03 0.04]

Prints the env, network and training summary; with --obs, the greedy action for that
observation. The format is described in docs/policy-format.md.
"""
import array, json, math, re, sys, zlib

def load_policy(path):
    data = open(path, "rb").read()
    # A packed file (networks of 65,536 weights or more): "ROLLPK01", the JSON's length, the JSON,
    # then the weights as little-endian float32; the JSON refers to them as {"offset", "count"}.
    start = 16 if data[:8] == b"ROLLPK01" else 0
    length = int.from_bytes(data[8:16], "little") if start else len(data)
    text = data[start:start + length].decode("utf-8")
    found = re.search(r'"checksum"\s*:\s*"crc32:([0-9a-f]{8})"', text)
    if found is None:
        raise ValueError(f"{path}: no checksum")
    digits = start + len(text[:found.start(1)].encode("utf-8"))
    zeroed = data[:digits] + b"00000000" + data[digits + 8:]
    if "%08x" % zlib.crc32(zeroed) != found.group(1):
        raise ValueError(f"{path}: checksum mismatch")
    policy = json.loads(text)
    if policy.get("format") != "rollout-policy" or policy.get("version") != 1:
        raise ValueError(f"{path}: not a version-1 rollout policy")
    if isinstance(policy["parameters"], dict):
        ref, weights = policy["parameters"], array.array("f")
        section = start + length + ref["offset"]
        weights.frombytes(data[section:section + 4 * ref["count"]])
        if sys.byteorder == "big":
            weights.byteswap()
        policy["parameters"] = weights.tolist()
    return policy

def outputs(policy, observation):
    """The network's outputs (logits, or pre-squash means), in double precision."""
    norm = policy["observation_normalization"]
    clip = norm["clip"] if norm.get("clip") is not None else math.inf
    x = [max(-clip, min(clip, (o - m) / s)) for o, m, s in zip(observation, norm["mean"], norm["std"])]
    sizes, p, k = policy["network"]["layer_sizes"], policy["parameters"], 0
    hidden = math.tanh if policy["network"]["activation"] == "tanh" else (lambda v: max(0.0, v))
    for layer in range(len(sizes) - 1):
        n, m = sizes[layer], sizes[layer + 1]   # weights are n x m, input-major, then m biases
        y = [p[k + n * m + j] + sum(x[i] * p[k + i * m + j] for i in range(n)) for j in range(m)]
        k += n * m + m
        x = y if layer == len(sizes) - 2 else [hidden(v) for v in y]
    return x

def greedy_action(policy, observation):
    out = outputs(policy, observation)
    space = policy["env"]["action_space"]
    if "discrete" in space:
        return max(range(len(out)), key=lambda j: (out[j], -j))   # argmax, first on ties
    low, high = space["box"]["low"], space["box"]["high"]
    return [lo + (math.tanh(o) + 1) / 2 * (hi - lo) for o, lo, hi in zip(out, low, high)]

if __name__ == "__main__":
    try:
        policy = load_policy(sys.argv[1])
    except (OSError, ValueError) as error:
        sys.exit(f"read_policy: {error}")
    training = policy["training"]
    print(f'{policy["env"]["id"]}: {policy["network"]["layer_sizes"]} {policy["network"]["activation"]} MLP, '
          f'{len(policy["parameters"])} weights, {policy["algorithm"]["name"]} seed {policy["seed"]}, '
          f'{training["iterations"]} iterations, {training["env_steps"]} env steps')
    if "--obs" in sys.argv:
        observation = [float(v) for v in sys.argv[sys.argv.index("--obs") + 1:]]
        print("action:", greedy_action(policy, observation))
