#!/usr/bin/python3
"""Writes synthetic_ratings.csv: a small ratings file in the ml-latest-small
layout (userId,movieId,rating,timestamp) with a known low-rank structure,
for learning tests that must run without the MovieLens files (whose
non-commercial licence keeps slices of them out of this repository).

rating = clip(round_half(3.5 + b_u + b_i + p_u . q_i + noise), 0.5, 5)
with rank-4 factors; 150 users rate 30-50 of 200 items each.
Run: /usr/bin/python3 gen_synthetic.py > synthetic_ratings.csv
"""
import random

rng = random.Random(20261130)
U, I, R = 150, 200, 4
bu = [rng.gauss(0, 0.4) for _ in range(U)]
bi = [rng.gauss(0, 0.4) for _ in range(I)]
p = [[rng.gauss(0, 0.6) for _ in range(R)] for _ in range(U)]
q = [[rng.gauss(0, 0.6) for _ in range(R)] for _ in range(I)]
print("userId,movieId,rating,timestamp")
t = 1_000_000_000
for u in range(U):
    for i in sorted(rng.sample(range(I), rng.randint(30, 50))):
        v = 3.5 + bu[u] + bi[i] + sum(a * b for a, b in zip(p[u], q[i])) + rng.gauss(0, 0.3)
        v = min(5.0, max(0.5, round(v * 2) / 2))
        t += rng.randint(1, 5000)
        print(f"{u + 1},{i + 1},{v:.1f},{t}")
