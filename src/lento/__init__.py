"""lento: a Python profiler written in C.

`lento.Profile` is a drop-in for `cProfile.Profile`; `lento.run` and
`lento.runctx` for `cProfile.run` and `cProfile.runctx`.  The work is done
in C (lento._lento); this file only re-exports it.
"""
from lento._lento import Profile, run, runctx

__all__ = ["Profile", "run", "runctx"]
__version__ = "0.1.0"
