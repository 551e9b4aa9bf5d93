"""`python -m research_guards`: the data commands without a repository's pipeline."""

import sys

from research_guards.cli import main

if __name__ == "__main__":
    sys.exit(main())
