"""Computes for S seconds of wall time (default 1.0), then says done."""
import sys
import time

end = time.perf_counter() + float(sys.argv[1] if len(sys.argv) > 1 else 1.0)
n = 0
while time.perf_counter() < end:
    n += 1
print("done")
