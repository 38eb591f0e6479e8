# threading works (threads are clone(CLONE_THREAD)); a new process does not.
import os
import threading

results = [0] * 4


def work(k):
    results[k] = sum(range(k * 250000, (k + 1) * 250000))


ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(results))
try:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    print("fork allowed")
except OSError as e:
    print("fork denied:", os.strerror(e.errno))
