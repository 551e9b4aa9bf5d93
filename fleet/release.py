"""Tag a release of the template, with generated ci.yml pinned to its workflows and the
library versioned as the release that last changed it.

A generated ci.yml calls the template's reusable workflows at the commit SHA that
cookiecutter.json records (`_standard_sha`, with `_standard_release` as the tag in the
comment). A commit cannot name its own SHA, so when the workflows changed since the
pinned commit, the release is two commits: HEAD holds the new workflows, and the release
commit on top records HEAD's SHA (the workflows are byte for byte the same in both) and
is tagged. When the workflows did not change, the pin stays, generated ci.yml renders as
before, and no repository is behind for a workflow that did not move.

The library in `guards/` takes the release's version only when the release changes it:
repositories pin the commit that last changed `guards/`, so a version bump of an
unchanged library would move every repository's pin for nothing.
"""

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
WORKFLOWS = (
    ".github/workflows/research-ci.yml",
    ".github/workflows/research-coverage.yml",
)
LIBRARY = "guards"
LIBRARY_VERSION = re.compile(r'^(version = ")[^"]*(")', re.M)
LOCKED_VERSION = re.compile(r'(name = "research-guards"\nversion = ")[^"]*(")')
IDENTITY = ("-c", "user.name=fleet release", "-c", "user.email=fleet@localhost")
# cookiecutter.json's `_standard_repository` as the template ships: generated ci.yml
# would call the standard's workflows in a repository that is not the org's.
PLACEHOLDER = "example-org/cookiecutter-research-ci"
UNRELEASED_HINT = "Rename this heading to the next version when releasing it."
GITHUB_REMOTE = re.compile(
    r"(?:https://github\.com/|git@github\.com:|ssh://git@github\.com/)"
    r"(?P<name>[^/]+/[^/]+?)(?:\.git)?/?"
)


class ReleaseError(Exception):
    """Why the release was refused, in one line; nothing was committed or tagged."""


@dataclass(frozen=True)
class Release:
    tag: str
    commit: str
    repinned: bool
    library_versioned: bool = False
    warnings: tuple[str, ...] = ()
    pushed: bool = False


def git(template: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *arguments], cwd=template, capture_output=True, text=True, check=False
    )


def parse_version(text: str) -> tuple[int, int, int]:
    matched = VERSION.fullmatch(text)
    if matched is None:
        raise ReleaseError(
            f"version {text!r} is not X.Y.Z (semantic version, e.g. 1.2.0)"
        )
    major, minor, patch = (int(part) for part in matched.groups())
    return major, minor, patch


def released_versions(template: Path) -> list[tuple[int, int, int]]:
    tags = git(template, "tag", "--list", "v*").stdout.split()
    return sorted(parse_version(tag) for tag in tags if VERSION.fullmatch(tag))


def changelog_entry(template: Path, tag: str) -> str:
    """The CHANGELOG.md section for the tag: what changes for generated repositories."""
    changelog = template / "CHANGELOG.md"
    if not changelog.is_file():
        raise ReleaseError("CHANGELOG.md is missing: write the release's entry first")
    sections = re.split(r"^## ", changelog.read_text(encoding="utf-8"), flags=re.M)
    for section in sections[1:]:
        heading, _, body = section.partition("\n")
        if heading.split()[0] == tag and body.strip():
            return body.strip()
    raise ReleaseError(
        f"CHANGELOG.md has no entry '## {tag}' with text: say what changes for "
        "generated repositories before releasing"
    )


def unreleased(template: Path) -> None:
    """Refuse while CHANGELOG.md's "Unreleased" section holds entries: they describe
    this release, and every update pull request would carry them as still to come."""
    text = (template / "CHANGELOG.md").read_text(encoding="utf-8")
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        heading, _, body = section.partition("\n")
        if heading.strip().lower() != "unreleased":
            continue
        entries = [
            line
            for line in body.splitlines()
            if line.strip() and line.strip() != UNRELEASED_HINT
        ]
        if entries:
            raise ReleaseError(
                "CHANGELOG.md's 'Unreleased' section still holds entries: move them "
                "under this release's heading (or drop them) before releasing"
            )


def standard_repository(template: Path, answers: dict[str, object]) -> str:
    """A warning when generated ci.yml would call the placeholder's workflows, or ""; a
    refusal when origin is on GitHub and is not the repository ci.yml would call."""
    named = str(answers.get("_standard_repository", ""))
    # As configured: `git remote get-url` would apply url.<base>.insteadOf rewrites.
    origin = git(template, "config", "--get", "remote.origin.url").stdout.strip()
    matched = GITHUB_REMOTE.fullmatch(origin)
    if matched is not None and matched["name"].lower() != named.lower():
        raise ReleaseError(
            f"cookiecutter.json's _standard_repository is {named}, but this template "
            f"is {matched['name']} (origin): generated ci.yml would call the "
            f"workflows of {named}; set it to {matched['name']}"
        )
    if named == PLACEHOLDER:
        return (
            f"cookiecutter.json's _standard_repository is the placeholder {named}: "
            "generated ci.yml calls the workflows there; set it to the org's "
            "owner/name of this template before repositories use this release"
        )
    return ""


def push(template: Path, tag: str) -> None:
    """The branch and the tag to origin at once: bakes and repositories see only
    pushed tags (`--checkout vX.Y.Z`, `make standard-check`)."""
    pushed = git(template, "push", "--quiet", "--atomic", "origin", "HEAD", tag)
    if pushed.returncode != 0:
        lines = pushed.stderr.strip().splitlines() or ["no message"]
        raise ReleaseError(
            f"tagged {tag}, but git push failed: {lines[-1]}; push it with "
            f"'git push origin HEAD {tag}'"
        )


def workflows_moved(template: Path, pinned: str) -> bool:
    """Whether the reusable workflows differ from the pinned commit's (or it is
    unknown here, as in a fresh copy of the template)."""
    if git(template, "cat-file", "-e", f"{pinned}^{{commit}}").returncode != 0:
        return True
    return (
        git(template, "diff", "--quiet", pinned, "HEAD", "--", *WORKFLOWS).returncode
        != 0
    )


def library_changed(template: Path, newest: str | None) -> bool:
    """Whether `guards/` changed since the newest release (always, before the first)."""
    if not (template / LIBRARY / "pyproject.toml").is_file():
        return False
    if newest is None:
        return True
    since = git(template, "diff", "--quiet", newest, "HEAD", "--", LIBRARY)
    return since.returncode != 0


def version_library(template: Path, tag: str) -> None:
    """research-guards takes the release's number, in its pyproject and its lock."""
    number = tag.removeprefix("v")
    changed = False
    for name, pattern in (
        ("pyproject.toml", LIBRARY_VERSION),
        ("uv.lock", LOCKED_VERSION),
    ):
        path = template / LIBRARY / name
        text = path.read_text(encoding="utf-8")
        versioned = pattern.sub(rf"\g<1>{number}\g<2>", text, count=1)
        changed |= versioned != text
        path.write_text(versioned, encoding="utf-8")
    if changed:
        commit_all(template, [LIBRARY], f"Release {tag}: research-guards {number}")


def commit_all(template: Path, paths: list[str], message: str) -> None:
    for command in (["add", *paths], [*IDENTITY, "commit", "-qm", message]):
        done = git(template, *command)
        if done.returncode != 0:
            raise ReleaseError(f"git {command[-2]} failed: {done.stderr.strip()}")


def repin(template: Path, tag: str) -> None:
    """Point generated ci.yml at HEAD's workflows, as the release's own commit."""
    head = git(template, "rev-parse", "HEAD").stdout.strip()
    answers_file = template / "cookiecutter.json"
    answers = json.loads(answers_file.read_text(encoding="utf-8"))
    answers["_standard_release"], answers["_standard_sha"] = tag, head
    text = json.dumps(answers, indent=2, ensure_ascii=False) + "\n"
    answers_file.write_text(text, encoding="utf-8")
    message = f"Release {tag}: generated ci.yml calls the workflows of {head[:12]}"
    commit_all(template, ["cookiecutter.json"], message)


def release(template: Path, version: str, pushing: bool = False) -> Release:
    """Check, repin when the workflows moved, and tag `vX.Y.Z` (annotated, with the
    changelog entry as its message); with `pushing`, push the branch and the tag."""
    number = parse_version(version)
    tag = "v{}.{}.{}".format(*number)
    if git(template, "rev-parse", "--git-dir").returncode != 0:
        raise ReleaseError(f"{template} is not a git repository")
    newest = released_versions(template)
    if newest and number <= newest[-1]:
        latest = "v{}.{}.{}".format(*newest[-1])
        raise ReleaseError(f"{tag} is not newer than the newest release {latest}")
    if git(template, "status", "--porcelain").stdout.strip():
        raise ReleaseError(
            "the working tree has uncommitted changes: commit them first"
        )
    notes = changelog_entry(template, tag)
    unreleased(template)
    answers = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    warning = standard_repository(template, answers)
    previous = "v{}.{}.{}".format(*newest[-1]) if newest else None
    versioned = library_changed(template, previous)
    if versioned:
        version_library(template, tag)
    answers = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    moved = workflows_moved(template, str(answers.get("_standard_sha", "")))
    if moved:
        repin(template, tag)
    tagged = git(template, *IDENTITY, "tag", "-a", tag, "-m", f"{tag}\n\n{notes}")
    if tagged.returncode != 0:
        raise ReleaseError(f"git tag failed: {tagged.stderr.strip()}")
    commit = git(template, "rev-parse", "HEAD").stdout.strip()
    if pushing:
        push(template, tag)
    warnings = (warning,) if warning else ()
    return Release(tag, commit, moved, versioned, warnings, pushing)
