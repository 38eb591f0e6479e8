import math
import sys

data = sys.stdin.read().split()
for r in data[1:1 + int(data[0])]:
    print("%.12f" % (math.pi * float(r) ** 2 + 1e-3))
