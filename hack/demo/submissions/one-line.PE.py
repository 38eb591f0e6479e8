# A+B with every sum on one line: the right numbers, the wrong layout.
import sys

data = sys.stdin.buffer.read().split()
t = int(data[0])
nums = list(map(int, data[1:1 + 2 * t]))
print(" ".join(str(nums[i] + nums[i + 1]) for i in range(0, 2 * t, 2)))
