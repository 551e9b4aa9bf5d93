"""Entry point for `python -m {{ cookiecutter.module_name }}`."""

import sys

from {{ cookiecutter.module_name }}.cli import main

if __name__ == "__main__":
    sys.exit(main())
