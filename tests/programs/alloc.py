"""Allocates a buffer of N MiB (default 200) and touches every page of it,
so that all of it is resident; then holds it for a moment."""
import sys
import time

n = int(sys.argv[1] if len(sys.argv) > 1 else 200) << 20
buf = bytearray(n)
for i in range(0, n, 4096):
    buf[i] = 1
time.sleep(0.1)
print("touched", n)
