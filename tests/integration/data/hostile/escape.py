# The usual escapes from Python: a shell, a socket, the host's files, a new
# user namespace through ctypes.  Every one must fail; then it prints BLOCKED.
import ctypes
import os
import socket

breaches = []


def attempt(what, fn):
    try:
        fn()
        breaches.append(what)
    except OSError:
        pass


attempt("os.system", lambda: os.system("id") == 0 or (_ for _ in ()).throw(OSError()))
attempt("subprocess", lambda: __import__("subprocess").run(["/usr/bin/id"], check=True))
attempt("socket", lambda: socket.create_connection(("127.0.0.1", 22), timeout=1))
attempt("/etc/shadow", lambda: open("/etc/shadow").read())
attempt("write /usr", lambda: open("/usr/ojrun-hostile-pwned", "w"))
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
    breaches.append("unshare(CLONE_NEWUSER)")
print("\n".join("BREACH: " + b for b in breaches) if breaches else "BLOCKED")
