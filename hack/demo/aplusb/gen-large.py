#!/usr/bin/env python3
"""Write tests/4.in and tests/4.out of the A+B demo problem: 200 000 cases
with operands up to 10^18 in absolute value.  Deterministic (a fixed seed),
so every machine judges the same test."""
import os
import random

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20240601)
n = 200_000
pairs = [(rng.randint(-10**18, 10**18), rng.randint(-10**18, 10**18)) for _ in range(n)]
tests = os.path.join(here, "tests")
for name, text in (("4.in", f"{n}\n" + "".join(f"{a} {b}\n" for a, b in pairs)),
                   ("4.out", "".join(f"{a + b}\n" for a, b in pairs))):
    tmp = os.path.join(tests, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(tests, name))
