"""Says it is ready, then naps in a loop until interrupted (at most ~30 s)."""
import time


def nap():
    time.sleep(0.02)


def main():
    print("ready", flush=True)
    for _ in range(1500):
        nap()


main()
