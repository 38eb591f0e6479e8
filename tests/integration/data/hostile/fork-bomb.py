# A fork bomb in Python: os.fork() is clone() without CLONE_THREAD, which the
# run bundle's filter refuses (EPERM): PermissionError, exit status 1, RE.
import os

while True:
    os.fork()
