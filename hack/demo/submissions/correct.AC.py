# A+B: correct; Python's ints are exact, reading everything at once is fast.
import sys

data = sys.stdin.buffer.read().split()
t = int(data[0])
nums = list(map(int, data[1:1 + 2 * t]))
sys.stdout.write("".join(f"{nums[i] + nums[i + 1]}\n" for i in range(0, 2 * t, 2)))
