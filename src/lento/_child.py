"""Imported by lento-children.pth in a Python process that a program under
`lento run` started (multiprocessing's spawn and forkserver, subprocess):
profiles the process into the run.  The work is done in C.

Nothing here may stop the process from starting: if lento cannot load or
start in it, the process runs unprofiled."""
try:
    from lento._lento import _child_start

    _child_start()
except BaseException:  # noqa: B036 (a SystemExit too: never end the process)
    pass
