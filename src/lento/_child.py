"""Imported by lento-children.pth in a Python process that a program under
`lento run` started (multiprocessing's spawn and forkserver, subprocess):
profiles the process into the run.  The work is done in C."""
from lento._lento import _child_start

_child_start()
