# A+B with a few of the modules contest code uses.
import collections
import heapq
import sys

a, b = map(int, sys.stdin.read().split())
h = [(i * 7919) % 1003 for i in range(1000)]
heapq.heapify(h)
c = collections.Counter(x % 17 for x in h)
assert sum(c.values()) == 1000
print(a + b)
