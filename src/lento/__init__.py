"""lento: a Python profiler written in C.

`lento.Profile` is a drop-in for `cProfile.Profile`; `lento.run` and
`lento.runctx` for `cProfile.run` and `cProfile.runctx`;
`lento.LineProfiler` for the core of `line_profiler.LineProfiler`, and
`lento.profile` a decorator that times a function's lines under
`lento run --lines` and does nothing otherwise.  The work is done in C
(lento._lento); this file only re-exports it.
"""
from lento._lento import LineProfiler, Profile, profile, run, runctx

__all__ = ["LineProfiler", "Profile", "profile", "run", "runctx"]
__version__ = "0.1.0"
