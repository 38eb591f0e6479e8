#!/usr/bin/env python3
"""Tests 3 and 4 of the pair-sum demo problem (deterministic)."""
import os
import random

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests")


def count(a, k):
    seen, pairs = {}, 0
    for x in a:
        pairs += seen.get(k - x, 0)
        seen[x] = seen.get(x, 0) + 1
    return pairs


def write(name, a, k):
    with open(os.path.join(here, name + ".in"), "w") as f:
        f.write("%d %d\n%s\n" % (len(a), k, " ".join(map(str, a))))
    with open(os.path.join(here, name + ".out"), "w") as f:
        f.write("%d\n" % count(a, k))


rng = random.Random(16)
n = 200000
write("3", [rng.randint(-1000, 1000) for _ in range(n)], 17)
write("4", [5] * n, 10)
