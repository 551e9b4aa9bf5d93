"""Remove what an answer turned off, and nothing else."""

import shutil
import sys
from pathlib import Path

INCLUDE_NOTEBOOKS = "{{ cookiecutter.include_notebooks }}"


def main() -> int:
    if INCLUDE_NOTEBOOKS == "no":
        shutil.rmtree(Path.cwd() / "notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
