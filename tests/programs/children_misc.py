"""Children that are not pools.  argv[1]:
  fork       os.fork(): the child calls child_work 5 times and os._exit(0)s,
             the parent calls parent_work 3 times and waits
  forkfall   os.fork(): both fall through to the end of the script; the
             child calls child_work 5 times
  subprocess a Python subprocess (this interpreter) that calls sub_work 7
             times
  orphan     the child outlives the parent by 5 s (sleeping)
"""
import os
import subprocess
import sys
import time


def child_work():
    return sum(range(1000))


def parent_work():
    return sum(range(1000))


how = sys.argv[1]
if how == "fork":
    pid = os.fork()
    if pid == 0:
        for _ in range(5):
            child_work()
        os._exit(0)
    for _ in range(3):
        parent_work()
    os.waitpid(pid, 0)
elif how == "forkfall":
    pid = os.fork()
    if pid == 0:
        for _ in range(5):
            child_work()
    else:
        for _ in range(3):
            parent_work()
        os.waitpid(pid, 0)
elif how == "subprocess":
    code = "def sub_work():\n    return sum(range(1000))\nfor _ in range(7):\n    sub_work()\n"
    subprocess.run([sys.executable, "-c", code], check=True)
    parent_work()
elif how == "orphan":
    if os.fork() == 0:
        time.sleep(5)
        child_work()
        os._exit(0)
    parent_work()
print("done", how)
