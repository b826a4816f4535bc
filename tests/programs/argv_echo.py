import json
import sys


def show(args):
    print("ARGV " + json.dumps(args))


show(sys.argv)
