"""Uses @profile; must run under lento without --lines too."""
import lento


@profile  # noqa: F821
def f(x):
    return x + 1


@lento.profile
def g(x):
    return x * 2


print(f(1), g(2), lento.profile(g) is g)
