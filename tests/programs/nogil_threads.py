"""Two threads hashing a large buffer: hashlib releases the GIL for data
this large, so both threads compute at once (not GIL-limited).
Argument: rounds per thread (default 8)."""
import hashlib
import sys
import threading

DATA = b"x" * 20_000_000


def work(rounds):
    for _ in range(rounds):
        hashlib.sha256(DATA).digest()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    ts = [threading.Thread(target=work, args=(rounds,)) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("done")


main()
