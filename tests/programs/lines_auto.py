"""A hot function called many times, for --lines=auto."""
import time


def hot(n):
    s = 0
    for i in range(n):
        s += i % 7
    return s


def cold():
    return 1


def main():
    end = time.perf_counter() + 0.6
    total = 0
    while time.perf_counter() < end:
        total += hot(2000) + cold()
    return total


if __name__ == "__main__":
    print(main() > 0)
