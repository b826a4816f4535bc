"""lento: a Python profiler written in C.

`lento.Profile` is a drop-in for `cProfile.Profile`; `lento.run` and
`lento.runctx` for `cProfile.run` and `cProfile.runctx`;
`lento.LineProfiler` for the core of `line_profiler.LineProfiler`, and
`lento.profile` a decorator that times a function's lines under
`lento run --lines` and does nothing otherwise.  The work is done in C
(lento._lento); this file only re-exports it.
"""
import sys

# On a free-threaded build lento runs only with the GIL on: its shared
# tables (functions, line counts, selections) rely on it.  Importing the
# extension would turn the GIL on silently and change how the program's
# threads run; say so instead.
if not getattr(sys, "_is_gil_enabled", lambda: True)():
    _why = ("lento: this free-threaded Python runs without the GIL, which "
            "lento needs; run it with PYTHON_GIL=1 (python -X gil=1) to "
            "profile (threads then take turns)")
    # `python -m lento` (argv[0] is "-m" while the package is imported):
    # one line and exit 1, not a traceback
    _argv = getattr(sys, "orig_argv", [])
    if sys.argv[:1] == ["-m"] and _argv[_argv.index("-m") + 1:][:1] == ["lento"]:
        sys.stderr.write(_why + "\n")
        raise SystemExit(1)
    raise ImportError(_why)

from lento._lento import LineProfiler, Profile, profile, run, runctx  # noqa: E402

__all__ = ["LineProfiler", "Profile", "profile", "run", "runctx"]
__version__ = "0.1.0"
