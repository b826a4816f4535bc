"""Small programs, one per case, profiled under cProfile and lento and compared.

Each ``case_*`` function takes no argument and is deterministic: called twice
it makes exactly the same calls.  The tests import this module, so the
functions' keys (file, line, name) are the same under both profilers.
"""
import asyncio
import math
import operator
import types


# --- plain nested calls ---------------------------------------------------

def leaf(x):
    return x + 1


def middle(x):
    return leaf(x) + leaf(x + 1)


def top(n):
    total = 0
    for i in range(n):
        total += middle(i)
    return total


def case_nested():
    top(5)
    middle(3)
    leaf(0)


# --- builtins and methods -------------------------------------------------

class MyList(list):
    pass


def case_builtins():
    items = []
    for i in range(6):
        items.append(str(i))
    n = len(items)
    d = {"a": 1}
    d.get("a")
    d.get("b", 0)
    sorted(items, key=lambda s: -int(s))
    sorted([3, 1, 2])
    ",".join(items)
    "abc".upper()
    str.upper("abc")               # an unbound method descriptor called directly
    math.sqrt(n)
    operator.add(1, 2)
    int.from_bytes(b"\x01", "big")  # a classmethod of a builtin type
    dict.fromkeys("ab")
    ml = MyList()
    ml.append(1)                    # method of list through a subclass
    list(map(str, range(3)))        # str called from C: not a call event
    isinstance(ml, list)
    max(1, 2, key=abs)              # abs called from C
    return n


# --- recursion ------------------------------------------------------------

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def is_even(n):
    return True if n == 0 else is_odd(n - 1)


def is_odd(n):
    return False if n == 0 else is_even(n - 1)


class Node:
    def __init__(self, val, children=()):
        self.val = val
        self.children = list(children)


def tree_sum(node):
    # recursion through two builtins: sum(map(tree_sum, ...))
    return node.val + sum(map(tree_sum, node.children))


def make_tree(depth):
    if depth == 0:
        return Node(1)
    return Node(depth, [make_tree(depth - 1), make_tree(depth - 1)])


def depth_key(x):
    # recursion through a sorted() key callback
    if not isinstance(x, list):
        return 0
    deepest = sorted(x, key=depth_key)[-1]
    return 1 + depth_key(deepest)


def case_fib():
    fib(10)
    fib(3)


def case_mutual():
    is_even(9)
    is_odd(6)


def case_recursion_via_builtin():
    tree_sum(make_tree(3))
    depth_key([1, [2, [3, [4]], 5], [6]])


def countdown(n):
    # direct recursion that also calls a helper at every level
    if n:
        leaf(n)
        countdown(n - 1)


def case_recursion_mixed():
    countdown(5)
    fib(4)
    is_even(4)


# --- generators -----------------------------------------------------------

def gen_squares(n):
    for i in range(n):
        yield leaf(i) ** 2


def gen_echo():
    received = []
    while True:
        x = yield len(received)
        if x is None:
            return received
        received.append(x)


def gen_early(n):
    for i in range(n):
        if i == 2:
            return            # StopIteration before the consumer expects it
        yield i


def gen_inner():
    yield 1
    yield 2
    return 3


def gen_outer():
    r = yield from gen_inner()
    yield r
    yield from gen_squares(2)


def gen_raises():
    yield 1
    raise KeyError("gen")


def case_generators():
    for _ in gen_squares(4):
        pass
    g = gen_squares(3)
    next(g)
    next(g)
    e = gen_echo()
    next(e)
    e.send("a")
    e.send("b")
    try:
        e.send(None)
    except StopIteration:
        pass
    list(gen_early(10))
    list(gen_outer())
    try:
        for _ in gen_raises():
            pass
    except KeyError:
        pass
    h = gen_squares(5)
    next(h)
    h.close()                  # GeneratorExit thrown into a suspended generator
    t = gen_echo()
    next(t)
    try:
        t.throw(ValueError("in"))
    except ValueError:
        pass
    sum(x for x in gen_squares(3))


# --- coroutines -----------------------------------------------------------

async def co_leaf(x):
    await asyncio.sleep(0)
    return leaf(x)


async def co_main():
    a = await co_leaf(1)
    b = await co_leaf(2)
    rs = await asyncio.gather(co_leaf(3), co_leaf(4))
    return a + b + sum(rs)


def case_asyncio():
    asyncio.run(co_main())


class Suspend:
    def __await__(self):
        value = yield "suspended"
        return value


async def hand_inner():
    v = await Suspend()
    return leaf(v)


async def hand_outer():
    a = await hand_inner()
    b = await hand_inner()
    return a + b


@types.coroutine
def gen_based():
    yield "x"
    return 5


async def uses_gen_based():
    return await gen_based()


def case_coroutine_by_hand():
    c = hand_outer()
    step = c.send(None)
    step = c.send(1)
    try:
        c.send(2)
    except StopIteration as e:
        step = e.value
    d = uses_gen_based()
    d.send(None)
    try:
        d.send(None)
    except StopIteration:
        pass
    e = hand_outer()
    e.send(None)
    e.close()
    return step


# --- exceptions -----------------------------------------------------------

def raiser(n):
    if n == 0:
        raise ValueError("deep")
    return raiser(n - 1)


def passthrough(n):
    try:
        return raiser(n)
    finally:
        leaf(0)


def catcher():
    try:
        passthrough(3)
    except ValueError:
        return leaf(1)


def reraiser():
    try:
        raiser(1)
    except ValueError as e:
        raise RuntimeError("wrapped") from e


def case_exceptions():
    catcher()
    catcher()
    try:
        reraiser()
    except RuntimeError:
        pass


def parse(s):
    try:
        return int(s)
    except ValueError:
        return -1


def case_builtin_raises():
    parse("x")
    parse("12")
    parse("y")
    try:
        next(iter([]))
    except StopIteration:
        pass
    try:
        {}.pop("missing")
    except KeyError:
        pass
    try:
        sorted([1, 2, 3], key=lambda v: 1 / (v - 2))
    except ZeroDivisionError:
        pass


# --- classes --------------------------------------------------------------

class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def norm2(self):
        return self.x * self.x + self.y * self.y

    def __eq__(self, other):
        return self.x == other.x and self.y == other.y

    def __len__(self):
        return 2

    def __repr__(self):
        return "Vec(%r, %r)" % (self.x, self.y)

    @property
    def first(self):
        return self.x

    @classmethod
    def zero(cls):
        return cls(0, 0)

    @staticmethod
    def unit():
        return Vec(1, 1)


def case_class():
    v = Vec.zero()
    d = Vec.unit()
    for _ in range(4):
        v = v.add(d)
        v.norm2()
    v == d
    len(v)            # __len__ called from the len builtin
    repr(v)
    v.first
    return v


# --- lambdas and comprehensions --------------------------------------------

def case_lambdas_comprehensions():
    sq = lambda x: x * x  # noqa: E731
    [sq(i) for i in range(4)]
    {i: leaf(i) for i in range(3)}
    {leaf(i) for i in range(3)}
    list(leaf(i) for i in range(3))
    [
        [j for j in range(i)]     # nested: its own line, so its own key
        for i in range(3)
    ]
    list(map(lambda x: x + 1, range(3)))
    sorted(range(5), key=lambda x: -x)
    (lambda: leaf(5))()


# --- different functions with the same (file, line, name) -----------------
# Not in CASES: cProfile measures per code object and then writes one pstats
# entry per label, so when two code objects share a label the one it lists
# last (by address) replaces the other; lento adds them up.  See
# lento_testlib.cprofile_stats_by_label.

def same_line_comprehensions():
    return [[j for j in range(i)] for i in range(3)]


def same_line_lambdas():
    f, g = (lambda: leaf(1)), (lambda: leaf(2))  # noqa: E731
    f()
    g()
    g()
    return sorted([2, 1], key=lambda x: -x), sorted([3, 4], key=lambda x: x)


CASES = {
    name[len("case_"):]: obj
    for name, obj in list(globals().items())
    if name.startswith("case_") and callable(obj)
}
