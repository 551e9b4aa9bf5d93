"""Where the fleet's repositories live: a local clone (tests, a mirror) or `owner/name`
on GitHub, reached through the `gh` CLI with the platform team's own login.

Every GitHub question is one `gh` call whose failure becomes a one-line answer in the
report ("unknown: ..."), never an exception that stops the run.
"""

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OWNER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
REQUIRED_CHECK = "ci-ok"


class Unreachable(Exception):
    """The repository cannot be read: the message says why, in one line."""


def run(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def last_line(completed: subprocess.CompletedProcess[str]) -> str:
    lines = (completed.stderr or completed.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {completed.returncode}"


@dataclass(frozen=True)
class Repository:
    """One entry of the fleet list, as the platform team wrote it."""

    entry: str

    @property
    def on_github(self) -> bool:
        return (
            not Path(self.entry).exists()
            and OWNER_NAME.fullmatch(self.entry) is not None
        )

    def clone(self, into: Path, shallow: bool = False) -> Path:
        """A working copy whose `origin` is the repository."""
        depth = ["--depth", "1"] if shallow else []
        if self.on_github:
            if shutil.which("gh") is None:
                raise Unreachable("gh is not installed (https://cli.github.com)")
            command = [
                "gh",
                "repo",
                "clone",
                self.entry,
                str(into),
                "--",
                "--quiet",
                *depth,
            ]
        elif Path(self.entry).is_dir():
            source = Path(self.entry).resolve().as_uri() if depth else self.entry
            command = ["git", "clone", "--quiet", *depth, source, str(into)]
        else:
            raise Unreachable(
                f"no such repository: {self.entry} is neither a folder nor owner/name"
            )
        cloned = run(command)
        if cloned.returncode != 0:
            raise Unreachable(f"cannot clone: {last_line(cloned)}")
        return into

    def default_branch(self, checkout: Path) -> str:
        head = run(
            ["git", "symbolic-ref", "--short", "refs/remotes/origin/HEAD"], checkout
        )
        name = head.stdout.strip().removeprefix("origin/")
        if head.returncode != 0 or not name:
            name = run(["git", "branch", "--show-current"], checkout).stdout.strip()
        return name or "main"

    def requires_ci_ok(self, branch: str) -> str:
        """ "yes", "no", or "unknown: why"; for a local clone, "n/a (local)"."""
        if not self.on_github:
            return "n/a (local)"
        rules = gh_api(f"repos/{self.entry}/rules/branches/{branch}")
        if isinstance(rules, list) and any(map(requires_check, rules)):
            return "yes"
        protection = gh_api(f"repos/{self.entry}/branches/{branch}/protection")
        if isinstance(protection, str):
            return (
                "no"
                if "Branch not protected" in protection
                else f"unknown: {protection}"
            )
        checks = protection.get("required_status_checks") or {}
        contexts = [check.get("context") for check in checks.get("checks", [])]
        return (
            "yes" if REQUIRED_CHECK in contexts + checks.get("contexts", []) else "no"
        )

    def last_ci(self, branch: str) -> str:
        """The conclusion of the newest CI run on the branch, or why it is unknown."""
        if not self.on_github:
            return "n/a (local)"
        listed = run(
            [
                "gh",
                "run",
                "list",
                "-R",
                self.entry,
                "--workflow",
                "ci.yml",
                "--branch",
                branch,
                "--limit",
                "1",
                "--json",
                "status,conclusion",
            ]
        )
        if listed.returncode != 0:
            return f"unknown: {last_line(listed)}"
        runs = json.loads(listed.stdout or "[]")
        if not runs:
            return "no run"
        return str(runs[0].get("conclusion") or runs[0].get("status"))

    def open_update(self, branch: str, checkout: Path) -> str:
        """The update already proposed on `branch`: "#n" for an open pull request,
        "branch ..." for a local clone's pushed branch, "" when there is none.
        An unanswered question raises Unreachable: a rerun must not guess."""
        if not self.on_github:
            pushed = run(["git", "ls-remote", "--heads", "origin", branch], checkout)
            if pushed.returncode != 0:
                raise Unreachable(f"git ls-remote failed: {last_line(pushed)}")
            return f"branch {branch}" if pushed.stdout.strip() else ""
        listed = run(
            [
                "gh",
                "pr",
                "list",
                "-R",
                self.entry,
                "--head",
                branch,
                "--state",
                "open",
                "--json",
                "number,url",
            ]
        )
        if listed.returncode != 0:
            raise Unreachable(f"gh pr list failed: {last_line(listed)}")
        found = json.loads(listed.stdout or "[]")
        return f"#{found[0]['number']}" if found else ""

    def open_pull_request(self, branch: str, base: str, title: str, body: Path) -> str:
        """The pull request's address; for a local clone the branch is the proposal."""
        if not self.on_github:
            return f"branch {branch} in {self.entry}"
        created = run(
            [
                "gh",
                "pr",
                "create",
                "-R",
                self.entry,
                "--head",
                branch,
                "--base",
                base,
                "--title",
                title,
                "--body-file",
                str(body),
            ]
        )
        if created.returncode != 0:
            raise Unreachable(f"gh pr create failed: {last_line(created)}")
        return created.stdout.strip().splitlines()[-1]


def requires_check(rule: dict[str, Any]) -> bool:
    if rule.get("type") != "required_status_checks":
        return False
    checks = rule.get("parameters", {}).get("required_status_checks", [])
    return any(check.get("context") == REQUIRED_CHECK for check in checks)


def gh_api(path: str) -> Any:
    """The decoded answer, or gh's one-line error as a string."""
    if shutil.which("gh") is None:
        return "gh is not installed"
    answered = run(["gh", "api", path])
    if answered.returncode != 0:
        return last_line(answered)
    return json.loads(answered.stdout or "null")
