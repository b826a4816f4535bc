"""Runs busy() for 1.5 s, then ends as argv[1] says: segv, abort, kill
(SIGKILL), hup, os_exit (os._exit(3)), cstack (a C stack overflow)."""
import ctypes
import os
import signal
import sys
import time


def busy(t):
    end = time.time() + t
    n = 0
    while time.time() < end:
        n += 1
    return n


busy(1.5)
how = sys.argv[1]
sys.stdout.write("ending by %s\n" % how)
sys.stdout.flush()
if how == "segv":
    ctypes.string_at(0)
elif how == "abort":
    os.abort()
elif how == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
elif how == "hup":
    os.kill(os.getpid(), signal.SIGHUP)
elif how == "os_exit":
    os._exit(3)
elif how == "cstack":
    sys.setrecursionlimit(10 ** 8)
    x = []
    for _ in range(10 ** 7):
        x = [x]
    repr(x)
