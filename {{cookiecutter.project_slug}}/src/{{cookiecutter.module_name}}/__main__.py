"""Entry point for `python -m {{ cookiecutter.module_name }}`."""

import sys

# The shell's code for Ctrl-C, as research_guards.cli.EXIT_INTERRUPTED: written out,
# because this module must answer before the CLI (pandas, a second to import) has
# been imported.
EXIT_INTERRUPTED = 130
STARTING = "interrupted while starting: nothing was read or written"


def run() -> int:
    """The CLI, with Ctrl-C while its modules are still importing (the first second)
    ending in one line and exit 130, as it does once a command runs."""
    try:
        from {{ cookiecutter.module_name }}.cli import main

        return main()
    except KeyboardInterrupt:
        print(STARTING, file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(run())
