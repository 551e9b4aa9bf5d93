"""One row per repository: its release, whether it is behind and in which files, its
protection, its coverage service and its last CI run. A repository that cannot be read
is a row that says why; one bad repository never stops the report of the others."""

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fleet.access import reaches_template
from fleet.sources import Repository
from fleet.sources import Unreachable
from fleet.standing import coverage_service
from fleet.standing import standing
from fleet.templates import Templates


@dataclass(frozen=True)
class Row:
    repository: str
    release: str
    target: str
    status: str  # "current", "behind", or "error"
    files: list[str]
    requires_ci_ok: str
    coverage: str
    last_ci: str
    note: str = ""
    proposed: str = ""  # the open update pull request (#n), or its pushed branch
    reaches_template: str = ""  # can its CI call the template's workflows? (why not)

    @property
    def standing(self) -> str:
        """The status as the table shows it: an open update says so."""
        if self.status == "behind" and self.proposed:
            return f"behind, update PR open ({self.proposed})"
        return self.status


def error_row(entry: str, why: str) -> Row:
    return Row(entry, "", "", "error", [], "", "", "", why)


def row(repository: Repository, target: str | None, templates: Templates) -> Row:
    """Read one repository from a shallow clone that is thrown away afterwards."""
    with tempfile.TemporaryDirectory(prefix="fleet-") as scratch:
        try:
            checkout = repository.clone(Path(scratch) / "repo", shallow=True)
        except Unreachable as error:
            return error_row(repository.entry, f"cannot reach: {error}")
        branch = repository.default_branch(checkout)
        verdict = standing(checkout, target, templates.of(checkout))
        coverage = coverage_service(checkout)
        if verdict.error:
            return error_row(repository.entry, verdict.error)
        proposed = proposal(repository, checkout, verdict.behind, verdict.target)
        reach = (
            reaches_template(repository.entry, checkout)
            if repository.on_github
            else "n/a (local)"
        )
    return Row(
        repository=repository.entry,
        release=verdict.release,
        target=verdict.target,
        status="behind" if verdict.behind else "current",
        files=verdict.files,
        requires_ci_ok=repository.requires_ci_ok(branch),
        coverage=coverage,
        last_ci=repository.last_ci(branch),
        proposed=proposed,
        reaches_template=reach,
    )


def proposal(repository: Repository, checkout: Path, behind: bool, target: str) -> str:
    """The open update to the target, when the repository is behind it."""
    if not behind:
        return ""
    try:
        return repository.open_update(f"standard/{target}", checkout)
    except Unreachable as error:
        return f"unknown: {error}"


def safe_row(repository: Repository, target: str | None, templates: Templates) -> Row:
    """Whatever goes wrong with one repository is its row's note, not the run's end."""
    try:
        return row(repository, target, templates)
    except Exception as error:  # one repository must not stop the fleet
        return error_row(repository.entry, f"unexpected: {error!r}")


def report(
    entries: list[str], target: str | None, jobs: int, templates: Templates
) -> list[Row]:
    """Rows in the order of the list; repositories are read `jobs` at a time, and
    the templates they name are cloned once."""
    repositories = [Repository(entry) for entry in entries]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(
            pool.map(lambda repo: safe_row(repo, target, templates), repositories)
        )
