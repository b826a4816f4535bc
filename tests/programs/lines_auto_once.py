"""One long loop in a function called once, for --lines=auto: the function
is already running when line timing starts, and no function starts then."""
import time


def long_loop():
    end = time.perf_counter() + 0.6
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x


if __name__ == "__main__":
    print(long_loop() > 0)
