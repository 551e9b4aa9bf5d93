"""Reject a bad answer before cookiecutter writes anything a user must clean up.

Each check prints one line naming the field, the value given and what is allowed, then
exits non-zero; cookiecutter removes the half-made directory.
"""

import json
import keyword
import re
import sys
from collections.abc import Callable

ANSWERS: dict[str, object] = json.loads(r"""{{ cookiecutter | tojson }}""")

# Each option's allowed answers, defined once: cookiecutter.json's `_options`.
OPTIONS: dict[str, list[str]] = json.loads(r"""{{ cookiecutter._options | tojson }}""")

# Beyond sys.stdlib_module_names: the stdlib's own test package and the top-level
# names a research project is likely to import, which a same-named package would shadow.
SHADOWED_NAMES = frozenset("""
    black conftest flake8 ipykernel isort jax joblib jupyter keras lightgbm matplotlib
    mlflow mypy numpy pandas pandera plotly polars pydantic pytest requests scipy
    seaborn setuptools sklearn src statsmodels tensorflow test tests torch torchvision
    transformers xgboost
    """.split())

SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
MODULE = re.compile(r"[a-z_][a-z0-9_]*")
MODULE_MAX_LENGTH = 24
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")
# CODEOWNERS owners ("About code owners", GitHub docs): @user, @org/team-slug, or an
# email address on a user's account.
CODE_OWNER = re.compile(
    rf"@{GITHUB_OWNER.pattern}(?:/[A-Za-z0-9][A-Za-z0-9_.-]*)?|{EMAIL.pattern}"
)


def free_text(value: str) -> str | None:
    """One printable line: free text lands in TOML, YAML and Python strings."""
    if not value.strip():
        return "non-empty text"
    if not value.isprintable():
        return "one line of printable text (no newlines or control characters)"
    return None


def slug(value: str) -> str | None:
    if SLUG.fullmatch(value):
        return None
    return "lowercase letters, digits and single dashes, starting with a letter"


def module_name(value: str) -> str | None:
    if not MODULE.fullmatch(value):
        return "a lowercase Python identifier (letters, digits, underscores)"
    if len(value) > MODULE_MAX_LENGTH:
        return f"at most {MODULE_MAX_LENGTH} characters, so imports fit on one line"
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        return "a name that is not a Python keyword"
    if value in sys.stdlib_module_names or value in SHADOWED_NAMES:
        return "a name that does not shadow an installed or standard-library package"
    return None


def email(value: str) -> str | None:
    return None if EMAIL.fullmatch(value) else "an address of the form name@domain.tld"


def github_owner(value: str) -> str | None:
    if GITHUB_OWNER.fullmatch(value):
        return None
    return "a GitHub user or organisation name (letters, digits, single dashes)"


def code_owners(value: str) -> str | None:
    owners = value.split()
    if owners and all(CODE_OWNER.fullmatch(owner) for owner in owners):
        return None
    return "space-separated @org/team, @user or email owners (a team needs its org)"


def one_of(choices: list[str]) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in choices else "one of " + ", ".join(choices)

    return check


CHECKS: dict[str, Callable[[str], str | None]] = {
    "project_name": free_text,
    "project_slug": slug,
    "module_name": module_name,
    "description": free_text,
    "author_name": free_text,
    "author_email": email,
    "github_owner": github_owner,
    "code_owners": code_owners,
    **{field: one_of(choices) for field, choices in OPTIONS.items()},
}


def first_problem(answers: dict[str, object]) -> str | None:
    for field, check in CHECKS.items():
        value = str(answers.get(field, ""))
        allowed = check(value)
        if allowed is not None:
            return f"error: {field} {value!r} is not allowed: use {allowed}"
    return None


def main() -> int:
    problem = first_problem(ANSWERS)
    if problem is None:
        return 0
    print(problem, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
