"""Move a repository baked before the guards were a library onto the library.

Such a repository owns a copy of the guards in `src/` and `tests/`, paths a release
never touches. Moving onto a release whose projects depend on `research-guards` is the
one time the standard touches what the project owns, and only where nobody edited it:
each project-owned file still as it was baked follows the release (the copied modules
and their tests go, the stages are rewritten against the library, new files come); each
one the repository edited, and the release would change or remove, is left as it is and
listed for its owner to port. The renders are the checker's (`make standard-check`).
"""

import base64
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from types import ModuleType

from fleet.standing import CHECKER

LIBRARY = b"research-guards"


class MigrationFailed(Exception):
    """Why the move could not be planned, in one line."""


@dataclass(frozen=True)
class Migration:
    """What moving onto the library does to the project's own files."""

    follows: dict[str, bytes | None] = field(default_factory=dict)  # None: removed
    edited: list[str] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        return bool(self.follows or self.edited)

    @property
    def removed(self) -> int:
        return sum(content is None for content in self.follows.values())

    @property
    def written(self) -> int:
        return len(self.follows) - self.removed

    def summary(self, done: bool = True) -> str:
        if done:
            line = f"moved onto research-guards: removed {self.removed} copied "
            line += f"file(s), wrote {self.written}"
        else:
            line = f"would move onto research-guards: remove {self.removed} copied "
            line += f"file(s), write {self.written}"
        if self.edited:
            line += f"; edited here, left to port: {', '.join(self.edited)}"
        return line


def checker() -> ModuleType:
    """The template's own standard_check.py: the same renders as `make
    standard-check`."""
    spec = importlib.util.spec_from_file_location("standard_check", CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan(checkout: Path, target: str, template: Path) -> Migration:
    """What the move does, read before `cruft update` rewrites the record. The
    renders run in their own process: cookiecutter changes the working directory and
    the import path, which the fleet's other threads share. Most updates move no
    repository onto the library: when the release on record and the target both
    depend on it (or neither does), there is nothing to plan and nothing is rendered."""
    record = json.loads((checkout / ".cruft.json").read_text(encoding="utf-8"))
    if depends_at(template, str(record["commit"])) == depends_at(template, target):
        return Migration()
    command = [
        sys.executable,
        "-m",
        "fleet.migrate",
        str(checkout),
        target,
        str(template),
    ]
    planned = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = planned.stdout.strip().splitlines()
    if planned.returncode != 0 or not lines:
        why = (planned.stderr.strip().splitlines() or ["no output"])[-1]
        raise MigrationFailed(f"cannot plan the move onto the library: {why}")
    found = json.loads(lines[-1])
    follows = {
        name: None if text is None else base64.b64decode(text)
        for name, text in found["follows"].items()
    }
    return Migration(follows, found["edited"])


def depends_at(template: Path, revision: str) -> bool:
    """Whether the generated pyproject.toml at that revision names the library."""
    path = f"{revision}:{{{{cookiecutter.project_slug}}}}/pyproject.toml"
    shown = subprocess.run(
        ["git", "show", path], cwd=template, capture_output=True, check=False
    )
    return shown.returncode == 0 and LIBRARY in shown.stdout


def compare_renders(
    check: ModuleType, checkout: Path, target: str, clone: Path
) -> Migration:
    record = check.read_record(checkout)
    with tempfile.TemporaryDirectory(prefix="fleet-migrate-") as scratch:
        tagged = check.releases(clone)
        old = check.render(record, clone, record.commit, Path(scratch) / "old")
        new = check.render(record, clone, tagged[target], Path(scratch) / "new")
        if not (depends_on_library(new) and not depends_on_library(old)):
            return Migration()
        # Owned then or now: a v1.0.0 repository's src/ was still the standard's, so
        # `cruft update` rewrites it too, and an edited copy must be kept from it.
        skip = (*record.skip, *check.skip_list(new, {}))
        owned = {
            name
            for name in files(old).keys() | files(new).keys()
            if check.is_skipped(name, skip)
        }
        return compare(checkout, files(old), files(new), sorted(owned))


def depends_on_library(render: Path) -> bool:
    return LIBRARY in (render / "pyproject.toml").read_bytes()


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def compare(
    checkout: Path,
    old: dict[str, bytes],
    new: dict[str, bytes],
    owned: list[str],
) -> Migration:
    """Unedited files follow the release; edited ones it changes are listed."""
    follows: dict[str, bytes | None] = {}
    edited = []
    for name in owned:
        baked, released = old.get(name), new.get(name)
        path = checkout / name
        current = path.read_bytes() if path.is_file() else None
        if baked == released or current == released:
            continue
        if current == baked:
            follows[name] = released
        else:
            edited.append(name)
    return Migration(follows, edited)


def apply(checkout: Path, migration: Migration) -> None:
    for name, content in migration.follows.items():
        path = checkout / name
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m fleet.migrate CHECKOUT RELEASE TEMPLATE_CLONE`: the plan, as one
    line of JSON."""
    checkout, target, clone = argv or sys.argv[1:]
    check = checker()
    try:
        migration = compare_renders(check, Path(checkout), target, Path(clone))
    except check.StandardError as error:
        print(error, file=sys.stderr)
        return 2
    follows = {
        name: None if content is None else base64.b64encode(content).decode()
        for name, content in migration.follows.items()
    }
    print(json.dumps({"follows": follows, "edited": migration.edited}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
