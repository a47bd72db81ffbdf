#!/usr/bin/env python3
"""Runs rollout's MinAtar checks inside the reference package (MinAtar 1.0.15) and writes the
fixtures rollout's tests compare against. Needs `pip install minatar==1.0.15 numpy`; rollout itself
never runs Python.

    scripts/minatar-reference.py traces OUT.jsonl     frame-by-frame episodes of skilled play, sticky
                                                      actions off: the controllers of --games (default
                                                      Space Invaders and Breakout, whose rules are then
                                                      deterministic) and the --policies given
    scripts/minatar-reference.py skilled OUT.json     return/length statistics of the scripted
                                                      controllers (and shipped policies), sticky on
    scripts/minatar-reference.py eval POLICY [--episodes N] [--seed S]
                                                      a rollout MinAtar policy's greedy return in MinAtar

The controllers below are written twice, here and in Tests/TestSupport/MinAtarControllers.swift,
with the same integer rules: an action is a function of the observation alone, so the same
controller plays the same way in both implementations and their statistics must agree.
"""
import argparse, json, math, os, sys, time

import numpy as np
from minatar import Environment

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "docs"))
from read_policy import load_policy  # noqa: E402

GAMES = {"breakout": "breakout", "space-invaders": "space_invaders", "freeway": "freeway",
         "asterix": "asterix", "seaquest": "seaquest"}
CHANNELS = {
    "breakout": ["paddle", "ball", "trail", "brick"],
    "space-invaders": ["cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"],
    "freeway": ["chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"],
    "asterix": ["player", "enemy", "trail", "gold"],
    "seaquest": ["sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet", "enemy_fish", "enemy_sub",
                 "oxygen_guage", "diver_guage", "diver"],
}
NOOP, LEFT, UP, RIGHT, DOWN, FIRE = range(6)


def cells(obs, c):
    """(x, y) of every cell set in channel c, row by row."""
    return [(x, y) for y in range(10) for x in range(10) if obs[y, x, c]]


# MARK: Controllers (mirrored in Tests/TestSupport/MinAtarControllers.swift)

def breakout(obs):
    """Keeps the paddle under the ball's landing column, predicted from the ball and its trail."""
    paddle = cells(obs, 0)[0][0]
    ball, trail = cells(obs, 1), cells(obs, 2)
    if not ball:
        return NOOP
    bx, by = ball[0]
    target = bx
    if trail:
        tx, ty = trail[0]
        dx, dy = bx - tx, by - ty
        if dx != 0 and dy > 0:
            x = bx
            for _ in range(9 - by):
                x += dx
                if x < 0 or x > 9:
                    dx, x = -dx, (0 if x < 0 else 9)
            target = x
    if target < paddle:
        return LEFT
    if target > paddle:
        return RIGHT
    return NOOP


def space_invaders(obs):
    """Dodges a falling shot, else walks under the nearest alien column and fires."""
    cannon = cells(obs, 0)[0][0]
    shots = cells(obs, 5)
    def threatened(x):
        return any(sx == x and sy >= 6 for sx, sy in shots)
    if threatened(cannon):
        for step, action in ((-1, LEFT), (1, RIGHT)):
            if 0 <= cannon + step <= 9 and not threatened(cannon + step):
                return action
    columns = sorted({x for x, _ in cells(obs, 1)}, key=lambda x: (abs(x - cannon), x))
    if not columns or columns[0] == cannon:
        return FIRE
    step, action = (-1, LEFT) if columns[0] < cannon else (1, RIGHT)
    return FIRE if threatened(cannon + step) else action


def freeway(obs):
    """Steps up when no car is within one cell of the chicken's column in the row above."""
    _, y = cells(obs, 0)[0]
    if y == 0:
        return UP
    for x in (3, 4, 5):
        if obs[y - 1, x, 1]:
            return NOOP
    return UP


def asterix(obs):
    """Takes the safe move that brings the player closest to the nearest gold (staying still on ties)."""
    px, py = cells(obs, 0)[0]
    def heading(x, y):
        # An entity's trail is the cell behind it; a new one at an edge heads inwards.
        if 0 <= x - 1 and obs[y, x - 1, 2]: return 1
        if x + 1 <= 9 and obs[y, x + 1, 2]: return -1
        return 1 if x == 0 else -1
    def dangerous(x, y):
        if obs[y, x, 1]:
            return True
        for ex in (x - 1, x + 1):
            if 0 <= ex <= 9 and obs[y, ex, 1] and ex + heading(ex, y) == x:
                return True
        return False
    gold = cells(obs, 3)
    best, best_score = NOOP, None
    for action, (dx, dy) in ((NOOP, (0, 0)), (LEFT, (-1, 0)), (UP, (0, -1)), (RIGHT, (1, 0)), (DOWN, (0, 1))):
        x, y = min(max(px + dx, 0), 9), min(max(py + dy, 1), 8)
        if dangerous(x, y):
            continue
        score = min((abs(gx - x) + abs(gy - y) for gx, gy in gold), default=0)
        if best_score is None or score < best_score:
            best, best_score = action, score
    return best


def seaquest(obs):
    """Shoots what swims in its row, collects divers, and surfaces with six divers or low oxygen."""
    front = cells(obs, 0)
    if not front:
        return NOOP
    sx, sy = front[0]
    back = cells(obs, 1)
    facing_left = bool(back) and back[0][0] > sx
    oxygen = sum(1 for x in range(10) if obs[9, x, 7])
    divers = sum(1 for x in range(10) if obs[9, x, 8])
    def dangerous(x, y):
        for c in (4, 5, 6):
            for ex in (x - 1, x, x + 1):
                if 0 <= ex <= 9 and obs[y, ex, c]:
                    return True
        return False
    def move(dx, dy):
        x, y = min(max(sx + dx, 0), 9), min(max(sy + dy, 0), 8)
        return not dangerous(x, y) or (x, y) == (sx, sy)
    # With no diver, surfacing ends the game: only from near the top; deeper, the oxygen runs out.
    if sy > 0 and (divers == 6 or (oxygen <= 2 and divers > 0) or (oxygen <= 1 and sy <= 2)):
        if move(0, -1):
            return UP
    enemies = [x for x in range(10) if obs[sy, x, 5] or obs[sy, x, 6]] if sy > 0 else []
    if enemies:
        ahead = [x for x in enemies if (x < sx if facing_left else x > sx)]
        if ahead:
            return FIRE
        turn = LEFT if enemies[0] < sx else RIGHT
        if move(-1 if turn == LEFT else 1, 0):
            return turn
    divers_at = cells(obs, 9)
    if divers_at and divers < 6:
        tx, ty = min(divers_at, key=lambda d: (abs(d[0] - sx) + abs(d[1] - sy), d[1], d[0]))
    else:
        tx, ty = sx, 4
    for action, dx, dy, wanted in ((DOWN, 0, 1, ty > sy), (UP, 0, -1, ty < sy),
                                   (LEFT, -1, 0, tx < sx), (RIGHT, 1, 0, tx > sx)):
        if wanted and move(dx, dy):
            return action
    return FIRE if move(0, 0) else (DOWN if move(0, 1) else UP)


CONTROLLERS = {"breakout": breakout, "space-invaders": space_invaders, "freeway": freeway,
               "asterix": asterix, "seaquest": seaquest}


# MARK: Shipped policies

def convolve(x, layer, kernel, bias):
    """One convolution of a channels-last grid (docs/policy-format.md): the patches as rows, times
    the (kh·kw·C) × F kernel."""
    h, w, c = x.shape
    (kh, kw), s = layer["kernel"], layer.get("stride", 1)
    if layer.get("padding", "valid") == "same":
        oh, ow = -(-h // s), -(-w // s)
    else:
        oh, ow = (h - kh) // s + 1, (w - kw) // s + 1
    rows, cols = max((oh - 1) * s + kh - h, 0), max((ow - 1) * s + kw - w, 0)
    padded = np.zeros((h + rows, w + cols, c), dtype=np.float32)
    padded[rows // 2:rows // 2 + h, cols // 2:cols // 2 + w] = x
    patches = np.stack([padded[dy:dy + s * (oh - 1) + 1:s, dx:dx + s * (ow - 1) + 1:s]
                        for dy in range(kh) for dx in range(kw)], axis=2)
    return (patches.reshape(oh * ow, kh * kw * c) @ kernel + bias).reshape(oh, ow, -1)


class Policy:
    """A rollout policy (convolutions, then dense layers) in float32 (rollout's arithmetic; near-ties
    may still break apart)."""

    def __init__(self, path):
        p = load_policy(path)
        self.game = p["env"]["name"]
        self.checksum = p["checksum"]
        sizes = p["network"]["layer_sizes"]
        flat = np.asarray(p["parameters"], dtype=np.float32)
        self.shape = p["network"].get("input_shape")
        self.convolutions, k, channels = [], 0, (self.shape or [0])[-1]
        for layer in p["network"].get("layers", []):
            if layer["type"] != "conv2d":
                continue
            n, f = layer["kernel"][0] * layer["kernel"][1] * channels, layer["filters"]
            self.convolutions.append((layer, flat[k:k + n * f].reshape(n, f), flat[k + n * f:k + n * f + f]))
            k, channels = k + n * f + f, f
        self.layers = []
        for n, m in zip(sizes[:-1], sizes[1:]):
            self.layers.append((flat[k:k + n * m].reshape(n, m), flat[k + n * m:k + n * m + m]))
            k += n * m + m
        norm = p["observation_normalization"]
        self.mean = np.asarray(norm["mean"], dtype=np.float32)
        self.std = np.asarray(norm["std"], dtype=np.float32)
        self.tanh = p["network"]["activation"] == "tanh"

    def __call__(self, obs):
        x = (obs.reshape(-1).astype(np.float32) - self.mean) / self.std
        if self.convolutions:
            x = x.reshape(self.shape)
            for layer, kernel, bias in self.convolutions:
                y = convolve(x, layer, kernel, bias)
                x = np.tanh(y) if self.tanh else np.maximum(y, 0)
            x = x.reshape(-1)
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1:
                x = np.tanh(x) if self.tanh else np.maximum(x, 0)
        return int(np.argmax(x))


# MARK: Commands

def hexes(state):
    return ["%025x" % int("".join("1" if b else "0" for b in state[:, :, c].reshape(-1)), 2)
            for c in range(state.shape[2])]


def traces(args):
    """Episodes of skilled play with sticky actions off, every frame recorded."""
    episodes = []
    players = [(game, CONTROLLERS[game], "controller") for game in args.games]
    for path in args.policies:
        policy = Policy(path)
        players.append((policy.game, policy, os.path.basename(path)))
    for game, player, source in players:
        for k, epsilon in enumerate([e for e in args.epsilons for _ in range(args.repeats)]):
            seed = args.seed + k
            env = Environment(GAMES[game], sticky_action_prob=0.0, difficulty_ramping=True)
            env.seed(seed)
            env.reset()
            rng = np.random.default_rng(seed + 1000)
            initial = {}
            if game == "breakout":
                ball = np.argwhere(env.state()[:, :, 1])[0]
                initial = {"ball_start_x": int(ball[1]), "ball_start_dir": 2 if ball[1] == 0 else 3}
            record = {"game": GAMES[game], "episode_index": len([e for e in episodes if e["game"] == GAMES[game]]),
                      "source": source, "seed": seed, "sticky_action_prob": 0.0, "difficulty_ramping": True,
                      "epsilon": epsilon, "channels": CHANNELS[game], "initial": initial,
                      "initial_obs": hexes(env.state()), "steps": []}
            total, terminal = 0.0, False
            while not terminal and len(record["steps"]) < args.cap:
                obs = env.state()
                a = int(rng.integers(0, 6)) if rng.random() < epsilon else player(obs)
                r, terminal = env.act(a)
                total += r
                record["steps"].append({"t": len(record["steps"]) + 1, "action": a, "reward": float(r),
                                        "terminal": bool(terminal), "obs": hexes(env.state())})
            record.update(length=len(record["steps"]), **{"return": total},
                          ended="terminal" if terminal else "step_cap")
            episodes.append(record)
            print(f"{game} {source} ε {epsilon}: return {total:g}, {record['length']} frames", file=sys.stderr)
    with open(args.out, "w") as out:
        for record in episodes:
            out.write(json.dumps(record, separators=(",", ":")) + "\n")


def play(game, player, episodes, seed, cap, sticky=0.1):
    env = Environment(GAMES[game], sticky_action_prob=sticky, difficulty_ramping=True)
    env.seed(seed)
    returns, lengths = [], []
    for _ in range(episodes):
        env.reset()
        total, length, terminal = 0.0, 0, False
        while not terminal and length < cap:
            r, terminal = env.act(player(env.state()))
            total += r
            length += 1
        returns.append(total)
        lengths.append(length)
    return returns, lengths


def summary(values):
    v = np.asarray(values, dtype=np.float64)
    return {"mean": float(v.mean()), "std": float(v.std()), "sem": float(v.std() / math.sqrt(len(v))),
            "min": float(v.min()), "max": float(v.max()), "median": float(np.median(v))}


def skilled(args):
    """Return and length statistics of each controller (and each given policy), sticky actions on."""
    out = {"script": "scripts/minatar-reference.py skilled", "minatar": "1.0.15", "sticky_action_prob": 0.1,
           "difficulty_ramping": True, "frame_cap": args.cap, "date": time.strftime("%Y-%m-%d"), "runs": []}
    players = [(game, CONTROLLERS[game], "controller") for game in CONTROLLERS if game in args.games]
    for path in args.policies:
        policy = Policy(path)
        players.append((policy.game, policy, "policies/" + os.path.basename(path)))
    for game, player, source in players:
        start = time.time()
        returns, lengths = play(game, player, args.episodes, args.seed, args.cap)
        run = {"game": game, "player": source, "seed": args.seed, "episodes": args.episodes,
               "return": summary(returns), "length": summary(lengths), "returns": returns, "lengths": lengths}
        if isinstance(player, Policy):
            run["checksum"] = player.checksum   # the policy file this run played
        out["runs"].append(run)
        r, l = summary(returns), summary(lengths)
        print(f"{game} {source}: return {r['mean']:.2f} ± {r['std']:.2f} (max {r['max']:g}), "
              f"length {l['mean']:.1f} (max {l['max']:g}), {time.time() - start:.0f} s", file=sys.stderr)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


def evaluate(args):
    policy = Policy(args.policy)
    returns, lengths = play(policy.game, policy, args.episodes, args.seed, args.cap)
    r, l = summary(returns), summary(lengths)
    print(f"{args.policy} in MinAtar 1.0.15, {args.episodes} episodes, seed {args.seed}: "
          f"return {r['mean']:.2f} ± {r['std']:.2f} (sem {r['sem']:.2f}), length {l['mean']:.1f} ± {l['std']:.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("traces")
    t.add_argument("out")
    t.add_argument("--games", nargs="*", default=["space-invaders", "breakout"],
                   help="games whose controller plays (Freeway, Asterix, Seaquest: random spawns differ)")
    t.add_argument("--policies", nargs="*", default=[])
    t.add_argument("--seed", type=int, default=100)
    t.add_argument("--cap", type=int, default=3000)
    t.add_argument("--epsilons", nargs="*", type=float, default=[0.0, 0.03, 0.1],
                   help="shares of random actions, one episode each per repeat")
    t.add_argument("--repeats", type=int, default=1)
    s = sub.add_parser("skilled")
    s.add_argument("out")
    s.add_argument("--games", nargs="*", default=list(CONTROLLERS))
    s.add_argument("--policies", nargs="*", default=[])
    s.add_argument("--episodes", type=int, default=1000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--cap", type=int, default=10_000)
    e = sub.add_parser("eval")
    e.add_argument("policy")
    e.add_argument("--episodes", type=int, default=200)
    e.add_argument("--seed", type=int, default=77)
    e.add_argument("--cap", type=int, default=10_000)
    args = parser.parse_args()
    {"traces": traces, "skilled": skilled, "eval": evaluate}[args.command](args)


if __name__ == "__main__":
    main()
