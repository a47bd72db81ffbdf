"""A CleanRL-style PPO (ppo.py's loop: vectorised rollouts, GAE, shuffled minibatches, clipped
surrogate, Adam with eps 1e-5, gradient clipping) on MinAtar, with the network and batch sizes of
rollout's MinAtar PPO preset: separate actor and critic, each Conv2d(C, 16, 3) → ReLU → Linear(1024,
128) → ReLU → head; 32 envs × 128 steps, minibatches of 256, 4 epochs, learning rate 1e-3 annealed.
Prints the training frames per second over the timed updates (the first, which warms PyTorch up,
is left out). Used by Benchmarks/cleanrl-ppo.sh; needs `torch`, `numpy` and `minatar==1.0.15`.

    python cleanrl_ppo_minatar.py [--game breakout] [--updates 12] [--threads 2]
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from minatar import Environment


def network(channels, outputs):
    return nn.Sequential(
        nn.Conv2d(channels, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(1024, 128), nn.ReLU(), nn.Linear(128, outputs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--game", default="breakout")
    parser.add_argument("--updates", type=int, default=12)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    envs_n, steps, minibatch, epochs = 32, 128, 256, 4
    gamma, lam, clip, ent_coef, vf_coef = 0.99, 0.95, 0.2, 0.01, 0.5
    envs = [Environment(args.game, sticky_action_prob=0.1) for _ in range(envs_n)]
    for i, env in enumerate(envs):
        env.seed(i)
        env.reset()
    channels, actions = envs[0].state_shape()[2], 6
    actor, critic = network(channels, actions), network(channels, 1)
    optimizer = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=1e-3, eps=1e-5)

    def observe():
        # MinAtar gives H × W × C booleans; PyTorch's convolutions read C × H × W.
        return torch.from_numpy(np.stack([env.state() for env in envs]).astype(np.float32)).permute(0, 3, 1, 2)

    obs = observe()
    batch = envs_n * steps
    started, frames = None, 0
    for update in range(args.updates + 1):
        if update == 1:
            started, frames = time.perf_counter(), 0
        optimizer.param_groups[0]["lr"] = 1e-3 * (1 - update / (args.updates + 1))
        b_obs = torch.zeros((steps, envs_n) + tuple(obs.shape[1:]))
        b_act = torch.zeros((steps, envs_n), dtype=torch.long)
        b_logp, b_rew, b_done, b_val = (torch.zeros((steps, envs_n)) for _ in range(4))
        for t in range(steps):
            with torch.no_grad():
                logits, value = actor(obs), critic(obs).squeeze(-1)
                dist = torch.distributions.Categorical(logits=logits)
                action = dist.sample()
            b_obs[t], b_act[t], b_logp[t], b_val[t] = obs, action, dist.log_prob(action), value
            for i, env in enumerate(envs):
                reward, terminal = env.act(int(action[i]))
                b_rew[t, i], b_done[t, i] = reward, float(terminal)
                if terminal:
                    env.reset()
            obs = observe()
            frames += envs_n
        with torch.no_grad():
            next_value = critic(obs).squeeze(-1)
            advantages, last = torch.zeros_like(b_rew), torch.zeros(envs_n)
            for t in reversed(range(steps)):
                following = next_value if t == steps - 1 else b_val[t + 1]
                delta = b_rew[t] + gamma * following * (1 - b_done[t]) - b_val[t]
                last = delta + gamma * lam * (1 - b_done[t]) * last
                advantages[t] = last
            returns = advantages + b_val
        f_obs, f_act, f_logp = b_obs.reshape((batch,) + tuple(obs.shape[1:])), b_act.reshape(-1), b_logp.reshape(-1)
        f_adv, f_ret = advantages.reshape(-1), returns.reshape(-1)
        for _ in range(epochs):
            order = torch.randperm(batch)
            for start in range(0, batch, minibatch):
                idx = order[start:start + minibatch]
                dist = torch.distributions.Categorical(logits=actor(f_obs[idx]))
                ratio = (dist.log_prob(f_act[idx]) - f_logp[idx]).exp()
                adv = f_adv[idx]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                policy_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - clip, 1 + clip)).mean()
                value_loss = ((critic(f_obs[idx]).squeeze(-1) - f_ret[idx]) ** 2).mean()
                loss = policy_loss + vf_coef * value_loss - ent_coef * dist.entropy().mean()
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(list(actor.parameters()) + list(critic.parameters()), 0.5)
                optimizer.step()
    elapsed = time.perf_counter() - started
    print(f"cleanrl-style ppo {args.game}: {frames} frames in {elapsed:.2f} s: {frames / elapsed:.0f} frames/s "
          f"({args.threads} threads, torch {torch.__version__})")


if __name__ == "__main__":
    main()
