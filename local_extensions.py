"""Jinja filters the template needs beyond cookiecutter's own, and quiet hook failures.

cookiecutter (and cruft, which drives it) imports this module, listed in
cookiecutter.json's ``_extensions``, in its own process before any hook runs: the one
place the template can shape what those tools print when a hook refuses an answer.
"""

import json
import logging
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
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


LIBRARY_FOLDER = "guards"
ABBREVIATIONS = {
    "gh": "https://github.com/{}.git",
    "gl": "https://gitlab.com/{}.git",
    "bb": "https://bitbucket.org/{}",
}
SCP_LIKE = re.compile(r"(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>[^/].*)")


def _git(checkout: Path, *arguments: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(checkout), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def is_local(template: str) -> bool:
    """A folder, not a URL, an abbreviation (gh:org/name) or an scp-like address."""
    return "://" not in template and ":" not in template.partition("/")[0]


def template_url(template: str) -> str:
    """A URL git (and uv) can clone: cookiecutter's abbreviations expanded and
    scp-like addresses (git@host:path) as ssh URLs."""
    scheme, _, rest = template.partition(":")
    if scheme in ABBREVIATIONS and not rest.startswith("//"):
        return ABBREVIATIONS[scheme].format(rest)
    scp = SCP_LIKE.fullmatch(template)
    if scp is not None:
        return "ssh://{user}@{host}/{path}".format(**scp.groupdict())
    return template


def library_commit(checkout: Path) -> str | None:
    """The last commit that changed the library: a commit or release that leaves the
    library alone leaves every repository's pin, and its lock, alone."""
    return _git(checkout, "log", "-1", "--format=%H", "--", LIBRARY_FOLDER)


def guards_source(answers: Mapping[str, object]) -> str:
    """The generated pyproject's uv source for the library, as a TOML inline table.

    cookiecutter and cruft render files from inside the template's project folder, so
    the checkout being rendered is its parent: a local clone, cookiecutter's clone of a
    URL, or cruft's clone at the release it applies. cruft records the template as
    typed (made absolute when local); cookiecutter keeps a local one as typed.
    `_library_commit` is given by a renderer of an extract, which has no git history
    (scripts/standard_check.py).
    """
    checkout = Path.cwd().parent
    template = str(answers.get("_template", ""))
    commit = str(answers.get("_library_commit", "")) or library_commit(checkout)
    if not commit:  # not a git checkout (an archive): the folder itself
        folder = (checkout / LIBRARY_FOLDER).resolve()
        return f"{{ path = {json.dumps(str(folder))} }}"
    if not is_local(template):
        location = template_url(template)
    elif "_commit" in answers:  # cruft: its clone goes; the folder it cloned stays
        location = Path(template).resolve().as_uri()
    else:
        location = checkout.resolve().as_uri()
    return (
        f'{{ git = "{location}", rev = "{commit}", subdirectory = "{LIBRARY_FOLDER}" }}'
    )


class QuotedExtension(Extension):
    """Registers ``quoted`` and ``guards_source``."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["quoted"] = quoted
        environment.filters["guards_source"] = guards_source


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
