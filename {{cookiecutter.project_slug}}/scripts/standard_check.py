"""Is this repository behind the org's standard? Render, don't count commits.

`cruft check` calls a repository behind whenever the template has a newer commit, so a
README-only commit of the template would mark every repository behind. Here, behind
means the standard's files would change: the template is rendered at the release this
repository is on and at the newest release, both with this repository's own answers
(.cruft.json), and the two are compared file by file, leaving out what the project owns
(the cruft skip list, which `cruft update` leaves alone too). See docs/standard.md.

Exit 0: on the newest release, or behind by nothing that renders differently. Exit 1:
behind, with the files that would change. Exit 2: no record, no release, or the
template cannot be reached. `--json` prints the verdict for tools (the platform team's
fleet report); `--newest` prints the newest release's tag, for `make standard-update`.
"""

import argparse
import fnmatch
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

RELEASE_TAG = re.compile(r"v(\d+)\.(\d+)\.(\d+)")
# The standard's explanation of itself: a release that changes only these reaches no
# repository (200 pull requests for a sentence); they come with the next real update.
RIDES_ALONG = ("docs/",)
# cookiecutter's abbreviations, which git (and so cruft) cannot clone: `gh:org/name`
# would be host "gh" over ssh.
ABBREVIATIONS = {
    "gh": "https://github.com/{}.git",
    "gl": "https://gitlab.com/{}.git",
    "bb": "https://bitbucket.org/{}",
}


class StandardError(Exception):
    """Why the verdict cannot be given, in one line."""


@dataclass(frozen=True)
class Record:
    """What .cruft.json says about where this repository came from."""

    template: str
    commit: str
    answers: dict[str, Any]
    skip: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """Where the repository stands against the newest release. `files`: what an
    update would change (none when not behind); `rides_along`: docs that changed in a
    release that changes nothing else, left for the next update."""

    release: str
    newest: str
    behind: bool
    files: list[dict[str, str]]
    rides_along: list[dict[str, str]] = field(default_factory=list)


def read_record(project: Path) -> Record:
    """The template, commit and answers cruft recorded, and the project's skip list."""
    record_file = project / ".cruft.json"
    if not record_file.is_file():
        raise StandardError(
            "not linked to the org's template (no .cruft.json): run "
            "'uv run cruft link <template URL>'"
        )
    try:
        state = json.loads(record_file.read_text(encoding="utf-8"))
        context = state["context"]["cookiecutter"]
        template, commit = str(state["template"]), str(state["commit"])
    except (ValueError, KeyError, TypeError) as error:
        raise StandardError(f".cruft.json is not cruft's record ({error})") from None
    answers = {k: v for k, v in context.items() if not k.startswith("_")}
    return Record(template, commit, answers, skip_list(project, state))


def skip_list(project: Path, state: dict[str, Any]) -> tuple[str, ...]:
    """The paths cruft update never touches: .cruft.json's skip and pyproject's."""
    skipped = [str(path) for path in state.get("skip", [])]
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        settings = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        skipped += settings.get("tool", {}).get("cruft", {}).get("skip", [])
    return tuple(skipped)


def git(*arguments: str, cwd: Path | None = None) -> str:
    """git's output; its own last line of error as the exception's message. git never
    prompts for a password: a template it may not read is "cannot reach", not a hang."""
    completed = subprocess.run(
        ["git", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines() or ["no message"]
        raise StandardError(lines[-1])
    return completed.stdout


def clone_url(template: str) -> str:
    """The template as git can clone it: an abbreviation (gh:org/name) expanded."""
    scheme, _, rest = template.partition(":")
    if scheme in ABBREVIATIONS and rest and not rest.startswith("//"):
        return ABBREVIATIONS[scheme].format(rest)
    return template


def fetch_template(template: str, into: Path) -> Path:
    """A bare clone of the template: its tags and every release's files."""
    clone = into / "template.git"
    try:
        git("clone", "--quiet", "--bare", clone_url(template), str(clone))
    except StandardError:
        raise StandardError(
            f"cannot reach the template at {template}, so whether this repo is behind "
            "is unknown: a private template needs a read token (docs/standard.md)"
        ) from None
    return clone


def no_release(template: str) -> str:
    return (
        f"the template at {template} has no release tag (vX.Y.Z): its maintainers "
        "release with 'python -m fleet release X.Y.Z --push' (or push the tags)"
    )


def releases(clone: Path) -> dict[str, str]:
    """Release tags (vX.Y.Z), oldest first, each with the commit it names."""
    listed = git(
        "tag",
        "--list",
        "v*",
        "--format=%(refname:short) %(*objectname)" " %(objectname)",
        cwd=clone,
    )
    tagged: dict[str, str] = {}
    for line in listed.splitlines():
        name, *objects = line.split()
        if RELEASE_TAG.fullmatch(name):
            tagged[name] = objects[0]  # the peeled commit of an annotated tag first
    return dict(sorted(tagged.items(), key=lambda item: version_key(item[0])))


def version_key(tag: str) -> tuple[int, ...]:
    matched = RELEASE_TAG.fullmatch(tag)
    assert matched is not None
    return tuple(int(part) for part in matched.groups())


def release_of(commit: str, tagged: dict[str, str]) -> str:
    """The release tag at the recorded commit, or the short commit when it is none."""
    names = [name for name, tagged_commit in tagged.items() if tagged_commit == commit]
    return names[-1] if names else f"untagged {commit[:12]}"


def render(record: Record, clone: Path, commit: str, into: Path) -> Path:
    """The template at one commit, rendered with the repository's answers, no hooks
    (they set up a new repository: git init, uv lock) into `into`. The extract is no
    git checkout, so the library's commit at that release is given, as cruft would
    find it."""
    from cookiecutter.generate import generate_context
    from cookiecutter.generate import generate_files
    from cookiecutter.prompt import prompt_for_config

    source = into / "template"
    source.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=clone,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise StandardError(f"the template has no commit {commit[:12]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(source, filter="data")
    sys.modules.pop("local_extensions", None)  # each release's own Jinja filters
    sys.path.insert(0, str(source))
    try:
        context = generate_context(
            context_file=str(source / "cookiecutter.json"),
            extra_context=record.answers,
        )
        context["cookiecutter"] = prompt_for_config(context, no_input=True)
        library = git("log", "-1", "--format=%H", commit, "--", "guards", cwd=clone)
        context["cookiecutter"] |= {
            "_template": record.template,
            "_commit": commit,
            "_library_commit": library.strip(),
        }
        rendered = generate_files(
            repo_dir=str(source),
            context=context,
            output_dir=str(into / "out"),
            accept_hooks=False,
        )
    finally:
        sys.path.remove(str(source))
    return Path(rendered)


def is_skipped(path: str, skip: Sequence[str]) -> bool:
    """cruft's rule: a listed path skips itself and everything under it; a pattern
    with `*` matches the path."""
    for entry in skip:
        if "*" in entry and fnmatch.fnmatch(path, entry):
            return True
        if path == entry or path.startswith(entry.rstrip("/") + "/"):
            return True
    return False


def standard_files(root: Path, skip: Sequence[str]) -> dict[str, bytes]:
    files = {
        path.relative_to(root).as_posix(): path
        for path in root.rglob("*")
        if path.is_file()
    }
    return {
        name: path.read_bytes()
        for name, path in files.items()
        if not is_skipped(name, skip)
    }


def differences(old: Path, new: Path, skip: Sequence[str]) -> list[dict[str, str]]:
    """Each standard file the newer render adds, removes or changes."""
    before, after = standard_files(old, skip), standard_files(new, skip)
    changes = []
    for name in sorted(before.keys() | after.keys()):
        if name not in before:
            changes.append({"path": name, "change": "added"})
        elif name not in after:
            changes.append({"path": name, "change": "removed"})
        elif before[name] != after[name]:
            changes.append({"path": name, "change": "changed"})
    return changes


def check(project: Path, target: str | None, local: Path | None = None) -> Verdict:
    """Compare the recorded release with the target (the newest release by default).
    `local`: a clone of the template already made (the fleet's, one per run)."""
    record = read_record(project)
    with tempfile.TemporaryDirectory() as scratch:
        clone = local or fetch_template(record.template, Path(scratch))
        tagged = releases(clone)
        if not tagged:
            raise StandardError(no_release(record.template))
        newest = target or list(tagged)[-1]
        if newest not in tagged:
            known = ", ".join(tagged)
            raise StandardError(f"no release {newest} in the template; known: {known}")
        release = release_of(record.commit, tagged)
        if tagged[newest] == record.commit:
            return Verdict(release, newest, False, [])
        old = render(record, clone, record.commit, Path(scratch) / "old")
        new = render(record, clone, tagged[newest], Path(scratch) / "new")
        files = differences(old, new, record.skip)
    if any(not item["path"].startswith(RIDES_ALONG) for item in files):
        return Verdict(release, newest, True, files)
    return Verdict(release, newest, False, [], files)


def newest_release(project: Path) -> str:
    record = read_record(project)
    with tempfile.TemporaryDirectory() as scratch:
        tagged = releases(fetch_template(record.template, Path(scratch)))
    if not tagged:
        raise StandardError(no_release(record.template))
    return list(tagged)[-1]


def abbreviation_note(project: Path) -> str:
    """One line when .cruft.json names the template by an abbreviation, which this
    check expands but `cruft update` (make standard-update) hands to git as it is."""
    try:
        template = read_record(project).template
    except StandardError:
        return ""
    if clone_url(template) == template:
        return ""
    return (
        f'\nnote: .cruft.json names the template "{template}", which cruft cannot '
        f'clone: set its "template" to "{clone_url(template)}"'
    )


def describe(verdict: Verdict) -> str:
    if not verdict.behind:
        if verdict.release == verdict.newest:
            return f"On the newest release of the standard, {verdict.newest}."
        if verdict.rides_along:
            return (
                f"On {verdict.release}; {verdict.newest} changes only the standard's "
                "docs, which come with the next update, so there is nothing to update."
            )
        return (
            f"On {verdict.release}; {verdict.newest} renders the same standard files, "
            "so there is nothing to update."
        )
    lines = [
        f"Behind the org standard: on {verdict.release}, {verdict.newest} changes "
        f"{len(verdict.files)} standard file(s):"
    ]
    lines += [f"  {item['change']:8} {item['path']}" for item in verdict.files]
    lines.append("Run 'make standard-update', review the diff, then 'make check'.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--release", help="compare with this release, not the newest")
    parser.add_argument("--json", action="store_true", help="the verdict as JSON")
    parser.add_argument("--newest", action="store_true", help="print the newest tag")
    parser.add_argument(
        "--template-clone", type=Path, help="read this clone of the template instead"
    )
    options = parser.parse_args(argv)
    try:
        if options.newest:
            print(newest_release(options.project))
            return 0
        verdict = check(options.project, options.release, options.template_clone)
    except StandardError as error:
        if options.json:
            print(json.dumps({"error": str(error)}))
        else:
            print(f"error: {error}")
        return 2
    if options.json:
        print(json.dumps(asdict(verdict)))
    else:
        print(describe(verdict) + abbreviation_note(options.project))
    return 1 if verdict.behind else 0


if __name__ == "__main__":
    sys.exit(main())
