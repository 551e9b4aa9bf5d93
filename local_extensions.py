"""Jinja filters the template needs beyond cookiecutter's own, and quiet hook failures.

cookiecutter (and cruft, which drives it) imports this module, listed in
cookiecutter.json's ``_extensions``, in its own process before any hook runs: the one
place the template can shape what those tools print when a hook refuses an answer.
"""

import json
import logging
import sys
from types import TracebackType

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension


def quoted(text: str) -> str:
    """Quote free text once for TOML, YAML and Python alike.

    A JSON string without ASCII escaping is a valid basic string in all three; Jinja's
    ``tojson`` escapes astral characters (emoji) as surrogate pairs, which TOML rejects.
    """
    return json.dumps(text, ensure_ascii=False)


class QuotedExtension(Extension):
    """Registers ``quoted``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["quoted"] = quoted


class HookFailureFilter(logging.Filter):
    """Drops what cookiecutter logs after a hook fails: a traceback under a generic
    line, neither of which says more than the hook's own line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.exc_info and isinstance(record.exc_info[1], FailedHookException)
        )


def exit_quietly_after_hook_failure(
    kind: type[BaseException],
    error: BaseException,
    trace: TracebackType | None,
    previous: object = sys.excepthook,
) -> None:
    """cruft lets the hook's exception escape; the hook already printed why."""
    if isinstance(error, FailedHookException):
        return
    if callable(previous):
        previous(kind, error, trace)


logging.getLogger("cookiecutter.hooks").addFilter(HookFailureFilter())
sys.excepthook = exit_quietly_after_hook_failure
