"""Bring each repository that is behind onto a release: a branch with `cruft update`
to that release, and a pull request whose body says what changes and why.

Each repository is updated in a throw-away clone. A conflict, a failed lock or a failed
push is reported and nothing leaves the clone, so a repository is either offered the
whole update or untouched: never half-applied.
"""

import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

from fleet.migrate import Migration
from fleet.migrate import MigrationFailed
from fleet.migrate import apply
from fleet.migrate import checker
from fleet.migrate import plan
from fleet.sources import Repository
from fleet.sources import Unreachable
from fleet.sources import last_line
from fleet.sources import run
from fleet.standing import TEMPLATE
from fleet.standing import Standing
from fleet.standing import standing
from fleet.templates import Templates

BIN = Path(sys.executable).parent
AUTHOR = re.compile(r"(?P<name>[^<>]*[^<>\s])\s*<(?P<email>[^<>\s]+@[^<>\s]+)>")


class UpdateFailed(Exception):
    """Why this repository was left untouched, in one line."""


@dataclass(frozen=True)
class Author:
    """Who the update commits are by (and committed by): a person or a bot account
    the platform team names, never a made-up address. git signs them when its
    configuration says so (commit.gpgsign), as for any commit of theirs."""

    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> "Author":
        matched = AUTHOR.fullmatch(text.strip())
        if matched is None:
            raise ValueError(f"--author {text!r} is not 'Name <email@host>'")
        return cls(matched["name"], matched["email"])

    @property
    def identity(self) -> list[str]:
        return ["-c", f"user.name={self.name}", "-c", f"user.email={self.email}"]


@dataclass(frozen=True)
class Settings:
    """What one `fleet update` run asks of every repository."""

    target: str | None
    dry_run: bool
    out: Path
    author: Author
    templates: Templates


@dataclass(frozen=True)
class Outcome:
    repository: str
    # "updated", "would update", "current", "pending" (an open update is left as it
    # is), "failed", "would fail" (a dry run's conflict), "error"
    status: str
    release: str = ""
    target: str = ""
    files: list[str] = field(default_factory=list)
    detail: str = ""


def git(checkout: Path, *arguments: str) -> str:
    done = run(["git", *arguments], checkout)
    if done.returncode != 0:
        raise UpdateFailed(f"git {arguments[0]} failed: {last_line(done)}")
    return done.stdout


def changelog(template: Path, target: str, since: str) -> str:
    """The CHANGELOG.md entries of the releases after `since` up to `target`."""
    shown = run(["git", "show", f"{target}:CHANGELOG.md"], template)
    if shown.returncode != 0:
        return "(the template's CHANGELOG.md could not be read)"
    entries = re.split(r"^(?=## )", shown.stdout, flags=re.M)
    wanted = []
    for entry in entries:
        tag = entry[3:].split(maxsplit=1)[0] if entry.startswith("## ") else ""
        if tag and tag == since:
            break
        if re.fullmatch(r"v\d+\.\d+\.\d+", tag):  # not "Unreleased": not in it
            wanted.append("#" + entry.strip())
    return "\n\n".join(wanted) if wanted else "(no entries)"


def pull_request_body(
    verdict: Standing, migration: Migration, notes: str, expanded: str = ""
) -> str:
    files = "\n".join(f"- `{path}` ({how})" for path, how in verdict.changes)
    return (
        moved(migration)
        + expanded
        + f"""Updates this repository's standard files from {verdict.release} to \
{verdict.target} of the org template, with `cruft update --checkout {verdict.target}`.

Files of the standard that change:
{files}

The project's own files (src, tests, configs, data, schema, notebooks, README, ...; the
`[tool.cruft] skip` list) are not touched. CI runs `make check` on this branch; locally:
`git fetch origin && git switch standard/{verdict.target} && make check`.

## What changed in the standard

{notes}
"""
    )


def moved(migration: Migration) -> str:
    """The one-time move onto research-guards, when this update makes it."""
    if not migration.needed:
        return ""
    edited = "\n".join(f"- `{name}`" for name in migration.edited) or "- none"
    return (
        "This update moves the repository onto the `research-guards` library. Its "
        "own files never edited since the bake follow the release: "
        f"{migration.removed} copied module(s) and their tests removed (now the "
        f"library's), {migration.written} written (the stages, against the "
        "library's API). Files this repository edited that the release changes or "
        f"removes are left as they are, to port by hand:\n{edited}\n\n"
    )


def template_of(checkout: Path) -> str:
    record = json.loads((checkout / ".cruft.json").read_text(encoding="utf-8"))
    return str(record["template"])


def expand_record(checkout: Path) -> str:
    """The template as the record names it after the update: an abbreviation
    (gh:org/name, which git cannot clone) is written out as its URL. Returns what
    was rewritten, for the pull request, or ""."""
    record_file = checkout / ".cruft.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    typed = str(record["template"])
    url = str(checker().clone_url(typed))
    if url == typed:
        return ""
    record["template"] = url
    text = json.dumps(record, ensure_ascii=False, indent=2, separators=(",", ": "))
    record_file.write_text(text + "\n", encoding="utf-8")  # as cruft writes it
    why = f"`.cruft.json` named the template `{typed}`, which git cannot clone; it "
    return why + f"now names `{url}`.\n\n"


def apply_update(
    checkout: Path, template: Path, target: str, keep: Sequence[str]
) -> None:
    """cruft update to the release, from the local clone `template` of the record's;
    fail on a conflict; relock when pyproject moved. The files in `keep` stay as the
    repository has them, whatever cruft did."""
    cruft = str(BIN / "cruft")
    # cruft runs the template's hooks on both renders it diffs, and the bake hook writes
    # a uv.lock there that cruft then throws away (uv.lock is the project's), with the
    # uv on PATH or one it installs with pip when there is none (14 s of a 19 s update).
    # The hook's `make lock` runs $(UV): `true` here, so no render locks at all.
    renders_offline = {**os.environ, "UV": "true"}
    # cruft renders both releases in one process, so the second reuses the first's
    # Jinja filters (local_extensions): this template's own, the newest, go first on
    # the path, so a release's new filter is there for a repository on an older one.
    found = [str(TEMPLATE), os.environ.get("PYTHONPATH", "")]
    renders_offline["PYTHONPATH"] = os.pathsep.join(filter(None, found))
    updated = run(
        [
            cruft,
            "update",
            "--skip-apply-ask",
            "--checkout",
            target,
            "--template-path",  # a folder: cruft takes no URL here
            str(template),
            "--project-dir",
            str(checkout),
        ],
        checkout,
        renders_offline,
    )
    for name in keep:
        restore(checkout, name)
    conflicts = git(checkout, "diff", "--name-only", "--diff-filter=U").split()
    rejects = [
        path.name for path in checkout.rglob("*.rej") if ".git" not in path.parts
    ]
    if conflicts or rejects:
        raise UpdateFailed(
            f"conflict with local edits in {', '.join(conflicts + rejects)}"
        )
    if updated.returncode != 0:
        raise UpdateFailed(f"cruft update failed: {last_line(updated)}")
    if "pyproject.toml" in git(checkout, "status", "--porcelain"):
        locked = run([str(BIN / "uv"), "lock", "--quiet"], checkout)
        if locked.returncode != 0:
            raise UpdateFailed(f"uv lock failed after the update: {last_line(locked)}")


def restore(checkout: Path, name: str) -> None:
    """The committed file back, its conflict and cruft's reject gone."""
    Path(checkout, name + ".rej").unlink(missing_ok=True)
    if run(["git", "cat-file", "-e", f"HEAD:{name}"], checkout).returncode == 0:
        git(checkout, "checkout", "HEAD", "--", name)


def update_one(repository: Repository, settings: Settings) -> Outcome:
    entry = repository.entry
    with tempfile.TemporaryDirectory(prefix="fleet-") as scratch:
        try:
            checkout = repository.clone(Path(scratch) / "repo")
        except Unreachable as error:
            return Outcome(entry, "error", detail=f"cannot reach: {error}")
        template = settings.templates.of(checkout)
        verdict = standing(checkout, settings.target, template)
        if verdict.error:
            return Outcome(entry, "error", detail=verdict.error)
        found = Outcome(
            entry, "current", verdict.release, verdict.target, verdict.files
        )
        if not verdict.behind:
            return found
        branch = f"standard/{verdict.target}"
        assert template is not None  # the checker read it to call the repo behind
        try:
            proposed = repository.open_update(branch, checkout)
            migration = plan(checkout, verdict.target, template)
        except (Unreachable, MigrationFailed) as error:
            return replace(found, status="failed", detail=str(error))
        if proposed:
            left = f"update PR open ({proposed}): left as it is"
            return replace(found, status="pending", detail=left)
        if settings.dry_run:
            return rehearse(checkout, template, found, verdict, migration)
        try:
            detail = propose(
                repository, checkout, template, verdict, migration, settings
            )
        except (UpdateFailed, Unreachable) as error:
            return replace(found, status="failed", detail=str(error))
    if migration.needed:
        detail += f"; {migration.summary()}"
    return replace(found, status="updated", detail=detail)


def rehearse(
    checkout: Path,
    template: Path,
    found: Outcome,
    verdict: Standing,
    migration: Migration,
) -> Outcome:
    """The update applied in the throw-away clone only: whether it would conflict."""
    try:
        apply_update(checkout, template, verdict.target, migration.edited)
    except UpdateFailed as error:
        return replace(found, status="would fail", detail=str(error))
    would = f"would push standard/{verdict.target} and open a pull request"
    if migration.needed:
        would += f"; {migration.summary(done=False)}"
    return replace(found, status="would update", detail=would)


def propose(
    repository: Repository,
    checkout: Path,
    template: Path,
    verdict: Standing,
    migration: Migration,
    settings: Settings,
) -> str:
    """Branch, update, commit, push, open the pull request; its address."""
    branch, out = f"standard/{verdict.target}", settings.out
    base = repository.default_branch(checkout)
    # No pull request is open on it (update_one asked): a branch left from a closed
    # one, or from a push whose pull request failed, is replaced by this update.
    stale = bool(git(checkout, "ls-remote", "--heads", "origin", branch).strip())
    git(checkout, "switch", "--quiet", "-c", branch)
    apply_update(checkout, template, verdict.target, migration.edited)
    apply(checkout, migration)
    expanded = expand_record(checkout)
    git(checkout, "add", "-A")
    message = f"Update the org standard from {verdict.release} to {verdict.target}"
    # --no-verify: the repository's own hooks need its environment, which this clone
    # lacks; CI runs the same checks on the pull request.
    commit = ["commit", "--quiet", "--no-verify", "-m", message]
    git(checkout, *settings.author.identity, *commit)
    notes = changelog(template, verdict.target, verdict.release)
    out.mkdir(parents=True, exist_ok=True)
    body = out / (re.sub(r"[^A-Za-z0-9._-]+", "_", repository.entry).strip("_") + ".md")
    text = pull_request_body(verdict, migration, notes, expanded)
    body.write_text(text, encoding="utf-8")
    git(checkout, "push", "--quiet", *(["--force"] if stale else []), "origin", branch)
    try:
        return repository.open_pull_request(branch, base, message, body)
    except Unreachable as error:
        pushed = f"branch {branch} was pushed; body in {body}"
        raise UpdateFailed(f"{error} ({pushed})") from None


def safe_update(repository: Repository, settings: Settings) -> Outcome:
    """Whatever goes wrong with one repository is its outcome, not the run's end."""
    try:
        return update_one(repository, settings)
    except Exception as error:  # one repository must not stop the fleet
        return Outcome(repository.entry, "error", detail=f"unexpected: {error!r}")


def update(entries: list[str], settings: Settings, jobs: int) -> list[Outcome]:
    """Outcomes in the order of the list; `jobs` repositories at a time."""
    repositories = [Repository(entry) for entry in entries]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda repo: safe_update(repo, settings), repositories))


def configured_author() -> Author:
    """The caller's own git identity, as their other commits have it."""
    name = run(["git", "config", "user.name"]).stdout.strip()
    email = run(["git", "config", "user.email"]).stdout.strip()
    if not (name and email):
        raise ValueError(
            "no author for the update commits: pass --author 'Name <email@host>' "
            "or set git config user.name and user.email"
        )
    return Author(name, email)
