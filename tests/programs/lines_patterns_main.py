import sys

import lines_patterns_mod


def main(n):
    a = lines_patterns_mod.Acc()
    for i in range(n):
        a.add(lines_patterns_mod.helper(i))
    return a.v


def unselected(n):
    return [i for i in range(n)]


if __name__ == "__main__":
    unselected(10)
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
