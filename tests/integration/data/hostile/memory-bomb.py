# Keeps every megabyte it makes: the memory cgroup kills it (MLE).
chunks = []
while True:
    chunks.append(bytearray(1 << 20))
