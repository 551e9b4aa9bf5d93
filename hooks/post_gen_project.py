"""Finish the bake so the project, committed and pushed as it is, goes green in CI.

CI installs only what uv.lock pins, so the lock is written here; the folder becomes a
git repository so `make install` can install the pre-commit hook and runs can record
their commit. Neither failure undoes the bake: the warning says what to run instead.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

INCLUDE_NOTEBOOKS = "{{ cookiecutter.include_notebooks }}"
LOCK_TIMEOUT_SECONDS = 600
LIBRARY = "research-guards = "
STANDARD_REPOSITORY = "{{ cookiecutter._standard_repository }}"
# cookiecutter.json's value as the template ships, before an org names its own copy.
PLACEHOLDER = "example-org/cookiecutter-research-ci"


def inside_git_work_tree() -> bool:
    """A project baked inside another repository (a monorepo) joins that one."""
    asked = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], capture_output=True, check=False
    )
    return asked.returncode == 0


def init_git() -> str | None:
    """Why the folder is not a git repository, or None when it is."""
    if shutil.which("git") is None:
        return "git is not installed: install it, then run `git init -b main`"
    if inside_git_work_tree():
        return None
    created = subprocess.run(
        ["git", "init", "--quiet", "--initial-branch", "main"],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        reason = first_error(created.stderr)
        return f"git init failed ({reason}): run `git init -b main`"
    return None


def write_lock() -> str | None:
    """Why uv.lock was not written, or None. `make lock` finds uv, or bootstraps it
    into a temporary folder (TOOLS) that goes with the bake, not into the project."""
    if shutil.which("make") is None:
        return "make is not installed: run `uv lock`, then commit uv.lock"
    try:
        with tempfile.TemporaryDirectory() as tools:
            locked = subprocess.run(
                ["make", "--no-print-directory", "lock", f"TOOLS={tools}"],
                capture_output=True,
                text=True,
                timeout=LOCK_TIMEOUT_SECONDS,
                check=False,
            )
    except subprocess.TimeoutExpired:
        waited = f"`make lock` took over {LOCK_TIMEOUT_SECONDS} s"
        return f"uv.lock not written ({waited}): run `make lock`, then commit uv.lock"
    if locked.returncode != 0:
        reason = first_error(locked.stderr + locked.stdout)
        return f"uv.lock not written ({reason}): run `make lock`, then commit uv.lock"
    return None


def first_error(output: str) -> str:
    """The tool's own error line, not make's summary of it."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith(("error", "fatal"))]
    return (errors or lines or ["no message"])[0]


def local_library_note() -> str | None:
    """A bake from a folder pins the library to that folder, which CI cannot reach."""
    pyproject = (Path.cwd() / "pyproject.toml").read_text(encoding="utf-8")
    source = next(line for line in pyproject.splitlines() if line.startswith(LIBRARY))
    if 'git = "file://' not in source and "path = " not in source:
        return None
    return (
        "note: research-guards is installed from the local template this bake came "
        "from; before pushing, change the git URL of [tool.uv.sources] research-guards "
        "in pyproject.toml to your organisation's template repository "
        '(git = "https://github.com/ORG/REPO"; keep subdirectory and rev) and run '
        "`make lock`"
    )


def placeholder_problem() -> str | None:
    """A bake whose ci.yml would call the standard's workflows in the placeholder."""
    if STANDARD_REPOSITORY != PLACEHOLDER:
        return None
    return (
        f".github/workflows/ci.yml calls the standard's workflows in {PLACEHOLDER}, "
        "the template's placeholder, so its CI cannot run: the template's "
        "cookiecutter.json must name its own owner/name (_standard_repository)"
    )


def main() -> int:
    if INCLUDE_NOTEBOOKS == "no":
        shutil.rmtree(Path.cwd() / "notebooks")
    note = local_library_note()
    if note is not None:
        print(note)
    for problem in (placeholder_problem(), init_git(), write_lock()):
        if problem is not None:
            print(f"warning: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
