def inner(v):
    raise ValueError("boom from raiser %d" % v)


def outer():
    inner(42)


outer()
