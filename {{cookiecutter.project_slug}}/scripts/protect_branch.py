"""Make CI's `ci-ok` check a merge requirement, through the GitHub CLI.

One aggregate check keeps protection stable as jobs and matrices change; `strict`
("Require branches to be up to date before merging") means a pull request is tested
against the branch it merges into. See docs/branch-protection.md.
"""

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

REQUIRED_CHECK = "ci-ok"


def classic_protection(check: str) -> dict[str, Any]:
    """Body of PUT /repos/{owner}/{repo}/branches/{branch}/protection.

    The four top-level keys are required by the API; null turns a rule off.
    """
    return {
        "required_status_checks": {
            "strict": True,
            "contexts": [],
            "checks": [{"context": check}],
        },
        "enforce_admins": True,
        "required_pull_request_reviews": None,
        "restrictions": None,
    }


def ruleset(check: str, branch: str) -> dict[str, Any]:
    """Body of POST /repos/{owner}/{repo}/rulesets: the same rule as a ruleset."""
    ref = "~DEFAULT_BRANCH" if branch == "main" else f"refs/heads/{branch}"
    return {
        "name": f"require {check}",
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": [ref], "exclude": []}},
        "rules": [
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": True,
                    "required_status_checks": [{"context": check}],
                },
            }
        ],
    }


def gh_command(arguments: argparse.Namespace) -> list[str]:
    repository = f"repos/{arguments.owner}/{arguments.repo}"
    if arguments.ruleset:
        return [
            "gh",
            "api",
            "--method",
            "POST",
            f"{repository}/rulesets",
            "--input",
            "-",
        ]
    endpoint = f"{repository}/branches/{arguments.branch}/protection"
    return ["gh", "api", "--method", "PUT", endpoint, "--input", "-"]


def payload(arguments: argparse.Namespace) -> dict[str, Any]:
    if arguments.ruleset:
        return ruleset(arguments.check, arguments.branch)
    return classic_protection(arguments.check)


def gh_problem() -> str | None:
    """Why gh cannot apply protection here, or None when it can."""
    if shutil.which("gh") is None:
        return "gh (GitHub CLI) is not installed: see https://cli.github.com/"
    status = subprocess.run(["gh", "auth", "status"], capture_output=True, check=False)
    if status.returncode != 0:
        return "gh is not logged in: run `gh auth login` as a repository admin"
    return None


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--owner", default="{{ cookiecutter.github_owner }}")
    parser.add_argument("--repo", default="{{ cookiecutter.project_slug }}")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--check", default=REQUIRED_CHECK)
    parser.add_argument(
        "--ruleset",
        action="store_true",
        help="create a repository ruleset instead of classic branch protection",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the gh command (stderr) and JSON payload (stdout); change nothing",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse(argv)
    body = json.dumps(payload(arguments), indent=2)
    command = gh_command(arguments)
    if arguments.dry_run:
        print(" ".join(command), file=sys.stderr)
        print(body)
        return 0
    problem = gh_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    applied = subprocess.run(command, input=body, text=True, capture_output=True)
    if applied.returncode != 0:
        reason = (applied.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"error: gh api refused the protection: {reason}", file=sys.stderr)
        return 1
    print(f"{arguments.owner}/{arguments.repo}: merges now require {arguments.check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
