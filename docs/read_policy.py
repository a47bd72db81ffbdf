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
    if policy.get("format") != "rollout-policy" or policy.get("version") not in (1, 2):
        raise ValueError(f"{path}: not a version-1 or version-2 rollout policy")
    if isinstance(policy["parameters"], dict):
        ref, weights = policy["parameters"], array.array("f")
        section = start + length + ref["offset"]
        weights.frombytes(data[section:section + 4 * ref["count"]])
        if sys.byteorder == "big":
            weights.byteswap()
        policy["parameters"] = weights.tolist()
    return policy

def conv2d(x, shape, layer, p, k, activation):
    """One convolution over a channels-last grid (TensorFlow's padding rule); returns the output
    grid (channels-last), its shape and where the next layer's parameters start."""
    h, w, c = shape
    f, (kh, kw), s = layer["filters"], layer["kernel"], layer.get("stride", 1)
    if layer.get("padding", "valid") == "same":
        oh, ow = -(-h // s), -(-w // s)
        top, left = max((oh - 1) * s + kh - h, 0) // 2, max((ow - 1) * s + kw - w, 0) // 2
    else:
        oh, ow, top, left = (h - kh) // s + 1, (w - kw) // s + 1, 0, 0
    n = kh * kw * c   # the kernel is n x f, input-major, patch index (dy * kw + dx) * c + channel; then f biases
    y = []
    for oy in range(oh):
        for ox in range(ow):
            patch = []
            for dy in range(kh):
                for dx in range(kw):
                    iy, ix = oy * s + dy - top, ox * s + dx - left
                    inside = 0 <= iy < h and 0 <= ix < w
                    patch += x[(iy * w + ix) * c:(iy * w + ix + 1) * c] if inside else [0.0] * c
            y += [activation(p[k + n * f + j] + sum(patch[i] * p[k + i * f + j] for i in range(n))) for j in range(f)]
    return y, (oh, ow, f), k + n * f + f

def outputs(policy, observation):
    """The network's outputs (logits, or pre-squash means), in double precision."""
    norm = policy["observation_normalization"]
    clip = norm["clip"] if norm.get("clip") is not None else math.inf
    x = [max(-clip, min(clip, (o - m) / s)) for o, m, s in zip(observation, norm["mean"], norm["std"])]
    sizes, p, k = policy["network"]["layer_sizes"], policy["parameters"], 0
    hidden = math.tanh if policy["network"]["activation"] == "tanh" else (lambda v: max(0.0, v))
    shape = policy["network"].get("input_shape")
    for layer in policy["network"].get("layers", []):   # version 2: convolutions come first
        if layer["type"] == "conv2d":
            x, shape, k = conv2d(x, shape, layer, p, k, hidden)
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
    layers = [f'conv({l["filters"]},{l["kernel"][0]}x{l["kernel"][1]})' for l in policy["network"].get("layers", []) if l["type"] == "conv2d"]
    print(f'{policy["env"]["id"]}: {" ".join(layers + [str(policy["network"]["layer_sizes"])])} {policy["network"]["activation"]} network, '
          f'{len(policy["parameters"])} weights, {policy["algorithm"]["name"]} seed {policy["seed"]}, '
          f'{training["iterations"]} iterations, {training["env_steps"]} env steps')
    if "--obs" in sys.argv:
        observation = [float(v) for v in sys.argv[sys.argv.index("--obs") + 1:]]
        print("action:", greedy_action(policy, observation))
