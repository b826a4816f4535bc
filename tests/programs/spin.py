"""Computes until it has used S seconds of CPU time (default 1.0), then
says done: the same work however loaded the machine is."""
import sys
import time

end = time.process_time() + float(sys.argv[1] if len(sys.argv) > 1 else 1.0)
n = 0
while time.process_time() < end:
    n += 1
print("done")
