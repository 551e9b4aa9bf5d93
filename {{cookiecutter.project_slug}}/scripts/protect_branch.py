"""Make CI's `ci-ok` check a merge requirement, through the GitHub CLI.

One aggregate check keeps protection stable as jobs and matrices change; `strict`
("Require branches to be up to date before merging") means a pull request is tested
against the branch it merges into. Running it again changes nothing else: classic
protection keeps the rules the branch already has, and the ruleset is updated in place.
See docs/branch-protection.md.
"""

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

REQUIRED_CHECK = "ci-ok"
# GitHub Actions' app id: the check counts only when Actions reports it, so no other
# app or commit status can satisfy it (REST docs, "Update branch protection", checks).
GITHUB_ACTIONS_APP_ID = 15368
ANY_APP = -1
# Rules a classic PUT turns off unless sent again; GET reports each as {"enabled": ...}.
TOGGLES = (
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
    "block_creations",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
)
REVIEW_SETTINGS = (
    "dismiss_stale_reviews",
    "require_code_owner_reviews",
    "required_approving_review_count",
    "require_last_push_approval",
)


class GhError(Exception):
    """gh could not read or write the protection; the message is one line."""


def required_check(check: str) -> dict[str, Any]:
    return {"context": check, "app_id": GITHUB_ACTIONS_APP_ID}


def classic_protection(
    check: str, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Body of PUT /repos/{owner}/{repo}/branches/{branch}/protection.

    The PUT replaces all of a branch's protection, so `current` (what GET returns) is
    carried over: reviews, restrictions, toggles and other required checks. Only
    `checks` is sent: GitHub takes contexts or checks, not both (ossf/allstar clears
    contexts before its update for this reason).
    """
    current = current or {}
    existing = current.get("required_status_checks") or {}
    others = [
        {"context": item["context"], "app_id": kept_app(item.get("app_id"))}
        for item in existing.get("checks", [])
        if item["context"] != check
    ]
    body: dict[str, Any] = {
        "required_status_checks": {
            "strict": True,
            "checks": [*others, required_check(check)],
        },
        "enforce_admins": (current.get("enforce_admins") or {"enabled": True})[
            "enabled"
        ],
        "required_pull_request_reviews": reviews(
            current.get("required_pull_request_reviews")
        ),
        "restrictions": names(current.get("restrictions")),
    }
    for toggle in TOGGLES:
        if toggle in current:
            body[toggle] = current[toggle]["enabled"]
    return body


def kept_app(app_id: int | None) -> int:
    """GET reports a check any app may set as `"app_id": null`; PUT types app_id an
    integer and takes -1 for "any app" (omitting it would let GitHub pick the app that
    last reported the check): REST docs, "Update branch protection", checks[].app_id."""
    return ANY_APP if app_id is None else app_id


def reviews(current: dict[str, Any] | None) -> dict[str, Any] | None:
    """Review rules as GET reports them, in the shape PUT takes."""
    if current is None:
        return None
    kept = {key: current[key] for key in REVIEW_SETTINGS if key in current}
    for key in ("dismissal_restrictions", "bypass_pull_request_allowances"):
        if key in current:
            kept[key] = names(current[key])
    return kept


def names(current: dict[str, Any] | None) -> dict[str, list[str]] | None:
    """GET lists users, teams and apps as objects; PUT takes their logins and slugs."""
    if current is None:
        return None
    named = {
        "users": [user["login"] for user in current.get("users", [])],
        "teams": [team["slug"] for team in current.get("teams", [])],
    }
    if "apps" in current:
        named["apps"] = [app["slug"] for app in current["apps"]]
    return named


def ruleset(check: str, branch: str) -> dict[str, Any]:
    """Body of POST /repos/{owner}/{repo}/rulesets (or PUT .../rulesets/{id})."""
    ref = "~DEFAULT_BRANCH" if branch == "main" else f"refs/heads/{branch}"
    return {
        "name": ruleset_name(check),
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": [ref], "exclude": []}},
        "rules": [
            {
                "type": "required_status_checks",
                "parameters": {
                    "strict_required_status_checks_policy": True,
                    "required_status_checks": [
                        {"context": check, "integration_id": GITHUB_ACTIONS_APP_ID}
                    ],
                },
            }
        ],
    }


def ruleset_name(check: str) -> str:
    """Ruleset names are unique per repository: the name is how a rerun finds it."""
    return f"org CI standard: require {check}"


def gh_api(endpoint: str, method: str = "GET", body: str | None = None) -> Any:
    """The parsed JSON answer; a refusal raises GhError with gh's own last line."""
    command = ["gh", "api", "--method", method, endpoint]
    if body is not None:
        command += ["--input", "-"]
    answered = subprocess.run(
        command, input=body, text=True, capture_output=True, check=False
    )
    if answered.returncode != 0:
        reason = (answered.stderr.strip().splitlines() or ["no message"])[-1]
        raise GhError(f"gh api {method} {endpoint}: {reason}")
    return json.loads(answered.stdout or "null")


def current_protection(endpoint: str) -> dict[str, Any] | None:
    """The branch's protection, or None when it has none (GitHub answers 404)."""
    try:
        protection: dict[str, Any] = gh_api(endpoint)
    except GhError as error:
        if "Branch not protected" in str(error):
            return None
        raise
    return protection


def protect_classic(arguments: argparse.Namespace) -> str:
    endpoint = (
        f"repos/{arguments.owner}/{arguments.repo}/branches/{arguments.branch}"
        "/protection"
    )
    body = classic_protection(arguments.check, current_protection(endpoint))
    gh_api(endpoint, "PUT", json.dumps(body))
    return "branch protection"


def protect_with_ruleset(arguments: argparse.Namespace) -> str:
    endpoint = f"repos/{arguments.owner}/{arguments.repo}/rulesets"
    body = json.dumps(ruleset(arguments.check, arguments.branch))
    listed = gh_api(f"{endpoint}?includes_parents=false")
    same_name = [
        rule for rule in listed if rule["name"] == ruleset_name(arguments.check)
    ]
    if same_name:
        gh_api(f"{endpoint}/{same_name[0]['id']}", "PUT", body)
        return "ruleset (updated)"
    gh_api(endpoint, "POST", body)
    return "ruleset (created)"


def dry_run_plan(arguments: argparse.Namespace) -> str:
    repository = f"repos/{arguments.owner}/{arguments.repo}"
    if arguments.ruleset:
        return (
            f"gh api --method POST {repository}/rulesets --input - "
            "(PUT .../rulesets/<id> when the ruleset exists)"
        )
    return (
        f"gh api --method PUT {repository}/branches/{arguments.branch}/protection "
        "--input - (merged with the rules the branch already has)"
    )


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
        help="create or update a repository ruleset instead of classic protection",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the payload for a branch with no protection yet; change nothing",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse(argv)
    if arguments.dry_run:
        print(dry_run_plan(arguments), file=sys.stderr)
        body = (
            ruleset(arguments.check, arguments.branch)
            if arguments.ruleset
            else classic_protection(arguments.check)
        )
        print(json.dumps(body, indent=2))
        return 0
    problem = gh_problem()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    apply = protect_with_ruleset if arguments.ruleset else protect_classic
    try:
        applied = apply(arguments)
    except GhError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    where = f"{arguments.owner}/{arguments.repo}"
    print(f"{where}: {arguments.branch} requires {arguments.check} ({applied})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
