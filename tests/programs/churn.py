"""Memory pressure without NumPy: allocates ROUNDS buffers of 200 MiB one
after the other (default 3) and touches every page of each, so the time
goes into the kernel handing out fresh pages."""
import sys

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
n = 200 << 20
for _ in range(rounds):
    buf = bytearray(n)
    for i in range(0, n, 4096):
        buf[i] = 1
    del buf
print("done")
