n = int(input())
p = []
for i in range(1, n, 2):
    p += [i + 1, i]
if n % 2:
    p.append(n)  # wrong: n stays in its place
print(*p)
