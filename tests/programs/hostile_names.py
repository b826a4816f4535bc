"""Functions and a thread whose names try to break out of HTML, JSON and
script contexts, plus non-ASCII, for the HTML report's browser test.
The names are given to the code objects (no `def` can spell them)."""
import threading

NAMES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=\"document.title='pwned';alert(2)\">",
    "</script><script>alert(3)</script>",
    "\"double\" 'single'; semi & amp",
    "naïve_函数_ü",
    "line\u2028sep\u2029para",
]


def make(name):
    def f(n):
        s = 0
        for i in range(n):
            s += i
        return s
    f.__code__ = f.__code__.replace(co_name=name)
    return f


FUNCS = [make(n) for n in NAMES]


def work():
    for f in FUNCS:
        f(20000)


t = threading.Thread(target=work, name="<b onmouseover=alert(4)>thread</b>")
t.start()
t.join()
work()
print("ok")
