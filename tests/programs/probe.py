"""Reports how it was run: argv, sys.path[0], __main__, pickling."""
import json
import os
import pickle
import sys


class Point:
    def __init__(self, x):
        self.x = x


def check_pickle():
    try:
        back = pickle.loads(pickle.dumps(Point(7)))
        return back.x == 7 and type(back).__name__ == "Point"
    except Exception as e:  # reported, not raised
        return "%s: %s" % (type(e).__name__, e)


def main():
    m = sys.modules.get("__main__")
    info = {
        "argv": sys.argv,
        "path0": sys.path[0],
        "name": __name__,
        "file": os.path.abspath(__file__),
        "main_is_module": type(m).__name__ == "module",
        "main_has_point": getattr(m, "Point", None) is Point,
        "pickle": check_pickle(),
    }
    print("PROBE " + json.dumps(info))


main()
