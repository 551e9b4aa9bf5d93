"""`python -m fleet report|update|release`: the command line; the work is in the
modules it calls."""

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fleet.output import page
from fleet.output import table
from fleet.release import ReleaseError
from fleet.release import release
from fleet.report import report
from fleet.templates import Templates
from fleet.update import Author
from fleet.update import Outcome
from fleet.update import Settings
from fleet.update import configured_author
from fleet.update import update


class UsageError(Exception):
    """A bad argument: one line naming it and what is allowed."""


def entries(named: Sequence[str], listed: Path | None) -> list[str]:
    """Repositories from the command line and from a file (one a line, # comments)."""
    found = list(named)
    if listed is not None:
        try:
            text = listed.read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--repos {listed}: {error.strerror}") from None
        lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        found += [line for line in lines if line]
    if not found:
        raise UsageError(
            "no repositories: name them (owner/name or a folder) or --repos FILE"
        )
    return found


def outcome_table(outcomes: Sequence[Outcome]) -> str:
    header = ("repository", "result", "from", "to", "detail")
    grid = [
        header,
        *(
            (
                o.repository,
                o.status,
                o.release,
                o.target,
                o.detail or ", ".join(o.files),
            )
            for o in outcomes
        ),
    ]
    widths = [max(len(line[i]) for line in grid) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in grid
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m fleet", description=__doc__)
    commands = main.add_subparsers(dest="command", required=True)
    for name, what in (
        ("report", "where each repository stands"),
        ("update", "open update pull requests for the ones behind"),
    ):
        command = commands.add_parser(name, help=what)
        command.add_argument("repositories", nargs="*", help="owner/name or a folder")
        command.add_argument("--repos", type=Path, help="a file: one repository a line")
        command.add_argument(
            "--release", help="target release vX.Y.Z (default: newest)"
        )
        command.add_argument(
            "--jobs", type=int, default=4, help="repositories at a time"
        )
    commands.choices["report"].add_argument(
        "--html", type=Path, help="also write this page"
    )
    update_command = commands.choices["update"]
    update_command.add_argument("--dry-run", action="store_true", help="change nothing")
    update_command.add_argument(
        "--author",
        help="'Name <email>' of the update commits (default: your git user.name, "
        "user.email); git signs them as your configuration says",
    )
    update_command.add_argument(
        "--out",
        type=Path,
        default=Path("fleet-pull-requests"),
        help="where the pull request bodies are written",
    )
    tag = commands.add_parser("release", help="tag a release of the template")
    tag.add_argument("version", help="X.Y.Z, newer than the newest release")
    tag.add_argument(
        "--template", type=Path, default=Path("."), help="the template clone"
    )
    tag.add_argument(
        "--push", action="store_true", help="push the branch and the tag to origin"
    )
    return main


def main(argv: Sequence[str] | None = None) -> int:
    options = parser().parse_args(argv)
    try:
        if options.command == "release":
            made = release(options.template, options.version, options.push)
            how = (
                "repinned ci.yml to this release's workflows"
                if made.repinned
                else ("ci.yml keeps its pin: the workflows did not change")
            )
            library = (
                f"research-guards is {made.tag.removeprefix('v')}"
                if made.library_versioned
                else "research-guards keeps its version: the library did not change"
            )
            print(f"tagged {made.tag} at {made.commit[:12]}; {how}; {library}")
            for warning in made.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            if made.pushed:
                print(f"pushed {made.tag} and the branch to origin")
            else:
                print(
                    f"not pushed: no bake or repository sees {made.tag} until "
                    f"'git push origin HEAD {made.tag}'"
                )
            return 0
        repositories = entries(options.repositories, options.repos)
        if options.command == "report":
            with tempfile.TemporaryDirectory(prefix="fleet-templates-") as scratch:
                templates = Templates(Path(scratch))
                rows = report(repositories, options.release, options.jobs, templates)
            print(table(rows))
            if options.html:
                options.html.write_text(
                    page(rows, "Standard fleet report"), encoding="utf-8"
                )
                print(f"wrote {options.html}")
            return 0
        try:
            author = (
                Author.parse(options.author) if options.author else configured_author()
            )
        except ValueError as error:
            raise UsageError(str(error)) from None
        with tempfile.TemporaryDirectory(prefix="fleet-templates-") as scratch:
            templates = Templates(Path(scratch))
            settings = Settings(
                options.release, options.dry_run, options.out, author, templates
            )
            outcomes = update(repositories, settings, options.jobs)
        print(outcome_table(outcomes))
        failures = ("failed", "would fail", "error")
        return 1 if any(o.status in failures for o in outcomes) else 0
    except (UsageError, ReleaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
