/* A hand-written C CartPole loop: the yardstick for `rollout bench envs`.
 *
 * The same physics as Environments/ClassicControl/CartPole.swift (Gymnasium's order of
 * operations, doubles inside, floats out), the same random actions (SplitMix64,
 * (next() >> 32) % 2) and the same reset-on-done loop, so the two figures compare like with like.
 * Build: cc -O3 -march=native cartpole_reference.c -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t splitmix_state = 1;
static inline uint64_t splitmix(void) {
  uint64_t z = (splitmix_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static inline double uniform(double lo, double hi) {
  return lo + (hi - lo) * ((double)(splitmix() >> 11) * 0x1.0p-53);
}

typedef struct { double x, x_dot, theta, theta_dot; int steps; } cartpole;

static void reset(cartpole *s, float *obs) {
  s->x = uniform(-0.05, 0.05); s->x_dot = uniform(-0.05, 0.05);
  s->theta = uniform(-0.05, 0.05); s->theta_dot = uniform(-0.05, 0.05);
  s->steps = 0;
  obs[0] = (float)s->x; obs[1] = (float)s->x_dot; obs[2] = (float)s->theta; obs[3] = (float)s->theta_dot;
}

static inline int step(cartpole *s, int action, float *obs, double *reward) {
  const double gravity = 9.8, masspole = 0.1, total_mass = 0.1 + 1.0, length = 0.5;
  const double polemass_length = 0.1 * 0.5, tau = 0.02;
  const double theta_threshold = 12 * 2 * M_PI / 360;
  double force = action == 1 ? 10.0 : -10.0;
  double costheta = cos(s->theta), sintheta = sin(s->theta);
  double temp = (force + polemass_length * (s->theta_dot * s->theta_dot) * sintheta) / total_mass;
  double thetaacc = (gravity * sintheta - costheta * temp) /
                    (length * (4.0 / 3.0 - masspole * (costheta * costheta) / total_mass));
  double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
  s->x = s->x + tau * s->x_dot;
  s->x_dot = s->x_dot + tau * xacc;
  s->theta = s->theta + tau * s->theta_dot;
  s->theta_dot = s->theta_dot + tau * thetaacc;
  s->steps++;
  obs[0] = (float)s->x; obs[1] = (float)s->x_dot; obs[2] = (float)s->theta; obs[3] = (float)s->theta_dot;
  int terminated = s->x < -2.4 || s->x > 2.4 || s->theta < -theta_threshold || s->theta > theta_threshold;
  *reward = 1.0;
  return terminated || s->steps >= 500;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 1.0;
  int repeats = argc > 2 ? atoi(argv[2]) : 3;
  double rates[64];
  if (repeats > 64) repeats = 64;
  float obs[4];
  double total = 0, reward;
  for (int r = 0; r < repeats; r++) {
    cartpole s;
    reset(&s, obs);
    long steps = 0;
    double start = now(), t;
    do {
      for (int i = 0; i < 20000; i++) {
        if (step(&s, (int)((splitmix() >> 32) % 2), obs, &reward)) reset(&s, obs);
        total += reward;
      }
      steps += 20000;
      t = now();
    } while (t - start < seconds);
    rates[r] = steps / (t - start);
  }
  for (int i = 0; i < repeats; i++)
    for (int j = i + 1; j < repeats; j++)
      if (rates[j] < rates[i]) { double x = rates[i]; rates[i] = rates[j]; rates[j] = x; }
  printf("C reference   %8.2f M steps/s (random actions, 1 thread)%s\n", rates[repeats / 2] / 1e6,
         total < 0 ? "!" : "");
  return 0;
}
