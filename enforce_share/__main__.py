"""`python -m enforce_share` runs the command line."""

from .cli import main

main()
