"""`python -m lento`: hands the command line to the C front end."""
import sys

from lento._lento import main

sys.exit(main(sys.argv[1:]))
