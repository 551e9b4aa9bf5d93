"""Jinja filters the template needs beyond cookiecutter's own, and quiet hook failures.

cookiecutter imports this module (it is listed in cookiecutter.json's ``_extensions``)
in its own process before any hook runs, which is the one place the template can shape
what cookiecutter itself prints.
"""

import json
import logging

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension


def quoted(text: str) -> str:
    """Quote free text once for TOML, YAML and Python alike.

    A JSON string without ASCII escaping is a valid basic string in all three; Jinja's
    ``tojson`` escapes astral characters (emoji) as surrogate pairs, which TOML rejects.
    """
    return json.dumps(text, ensure_ascii=False)


class HookTracebackFilter(logging.Filter):
    """A rejected answer is already explained in one line by the hook: drop the trace
    cookiecutter would log after it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], FailedHookException):
            record.exc_info = None
            record.exc_text = None
        return True


class QuotedExtension(Extension):
    """Registers ``quoted``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["quoted"] = quoted


logging.getLogger("cookiecutter.hooks").addFilter(HookTracebackFilter())
