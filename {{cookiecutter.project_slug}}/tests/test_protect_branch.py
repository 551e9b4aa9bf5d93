"""The protection payloads as GitHub's REST API takes them, and reruns that keep what a
repository admin set by hand. Expected shapes: GitHub REST docs, "Get branch protection"
(the response below is its example, trimmed) and "Update branch protection"."""

import json
import shutil
import subprocess
from typing import Any

import protect_branch
import pytest

ACTIONS_CI_OK = {"context": "ci-ok", "app_id": 15368}
CURRENT = {
    "url": "https://api.github.com/repos/o/r/branches/main/protection",
    "required_status_checks": {
        "strict": False,
        "contexts": ["lint", "ci-ok"],
        "checks": [
            {"context": "lint", "app_id": None},
            {"context": "ci-ok", "app_id": 15368},
        ],
    },
    "enforce_admins": {"enabled": False},
    "required_pull_request_reviews": {
        "dismissal_restrictions": {
            "users": [{"login": "octocat", "id": 1}],
            "teams": [{"slug": "justice-league", "id": 1}],
            "apps": [{"slug": "octoapp", "id": 1}],
        },
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": 2,
        "require_last_push_approval": True,
    },
    "restrictions": {"users": [], "teams": [{"slug": "admins", "id": 2}], "apps": []},
    "required_linear_history": {"enabled": True},
    "allow_force_pushes": {"enabled": False},
    "required_conversation_resolution": {"enabled": True},
}


def test_dry_run_prints_a_checks_only_payload(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert protect_branch.main(["--dry-run", "--owner", "o", "--repo", "r"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(
        "gh api --method PUT repos/o/r/branches/main/protection --input -"
    )
    body = json.loads(captured.out)
    assert body["required_status_checks"] == {"strict": True, "checks": [ACTIONS_CI_OK]}
    assert body["enforce_admins"] is True
    assert body["required_pull_request_reviews"] is None
    assert body["restrictions"] is None


def test_a_rerun_keeps_the_branchs_review_rules_and_other_checks() -> None:
    body = protect_branch.classic_protection("ci-ok", CURRENT)
    assert body["required_status_checks"] == {
        "strict": True,
        "checks": [{"context": "lint", "app_id": -1}, ACTIONS_CI_OK],
    }  # GET's null ("any app") sent as -1: PUT types app_id an integer
    assert body["enforce_admins"] is False
    assert body["required_pull_request_reviews"] == {
        "dismissal_restrictions": {
            "users": ["octocat"],
            "teams": ["justice-league"],
            "apps": ["octoapp"],
        },
        "dismiss_stale_reviews": True,
        "require_code_owner_reviews": True,
        "required_approving_review_count": 2,
        "require_last_push_approval": True,
    }
    assert body["restrictions"] == {"users": [], "teams": ["admins"], "apps": []}
    assert body["required_linear_history"] is True
    assert body["allow_force_pushes"] is False
    assert body["required_conversation_resolution"] is True


def test_ruleset_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert protect_branch.main(["--dry-run", "--ruleset", "--owner", "o"]) == 0
    captured = capsys.readouterr()
    assert "--method POST repos/o/" in captured.err
    (rule,) = json.loads(captured.out)["rules"]
    assert rule["parameters"]["strict_required_status_checks_policy"] is True
    assert rule["parameters"]["required_status_checks"] == [
        {"context": "ci-ok", "integration_id": 15368}
    ]


def test_ruleset_for_another_branch_names_its_ref() -> None:
    body = protect_branch.ruleset("ci-ok", "release")
    assert body["conditions"]["ref_name"]["include"] == ["refs/heads/release"]


def test_missing_gh_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert protect_branch.main([]) == 1
    assert capsys.readouterr().err == (
        "error: gh (GitHub CLI) is not installed: see https://cli.github.com/\n"
    )


Answer = tuple[int, str, str]


class FakeGh:
    """Stands in for `gh`: `auth status` and `api` answered per method and endpoint."""

    def __init__(self, auth_code: int, answers: dict[tuple[str, str], Answer]) -> None:
        self.auth_code = auth_code
        self.answers = answers
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> Any:
        if command[1] == "auth":
            return subprocess.CompletedProcess(command, self.auth_code)
        method, endpoint = command[3], command[4]
        sent = kwargs.get("input")
        self.calls.append((method, endpoint, sent and json.loads(sent)))
        code, out, err = self.answers.get((method, endpoint), (0, "{}", ""))
        return subprocess.CompletedProcess(command, code, out, err)


PROTECTION = "repos/o/r/branches/main/protection"
RULESETS = "repos/o/r/rulesets"
NOT_PROTECTED = (1, "", "gh: Branch not protected (HTTP 404)")


def run_with(
    monkeypatch: pytest.MonkeyPatch, fake: FakeGh, *flags: str
) -> tuple[int, FakeGh]:
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/gh")
    monkeypatch.setattr(subprocess, "run", fake)
    return protect_branch.main(["--owner", "o", "--repo", "r", *flags]), fake


@pytest.mark.parametrize(
    ("current", "admins_enforced"),
    [(NOT_PROTECTED, True), ((0, json.dumps(CURRENT), ""), False)],
    ids=["unprotected", "protected"],
)
def test_classic_reads_then_replaces(
    monkeypatch: pytest.MonkeyPatch, current: Answer, admins_enforced: bool
) -> None:
    fake = FakeGh(0, {("GET", PROTECTION): current})
    code, fake = run_with(monkeypatch, fake)
    assert code == 0
    read, (method, endpoint, body) = fake.calls
    assert read[:2] == ("GET", PROTECTION)
    assert (method, endpoint) == ("PUT", PROTECTION)
    assert "contexts" not in body["required_status_checks"]
    assert body["enforce_admins"] is admins_enforced


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ("[]", ("POST", RULESETS)),
        (
            json.dumps([{"id": 7, "name": "org CI standard: require ci-ok"}]),
            ("PUT", f"{RULESETS}/7"),
        ),
    ],
    ids=["first run creates", "rerun updates"],
)
def test_ruleset_is_created_once_then_updated(
    monkeypatch: pytest.MonkeyPatch, listed: str, expected: tuple[str, str]
) -> None:
    fake = FakeGh(0, {("GET", f"{RULESETS}?includes_parents=false"): (0, listed, "")})
    code, fake = run_with(monkeypatch, fake, "--ruleset")
    assert code == 0
    assert fake.calls[-1][:2] == expected


@pytest.mark.parametrize(
    ("auth_code", "answers", "message"),
    [
        (1, {}, "error: gh is not logged in"),
        (
            0,
            {("GET", PROTECTION): (1, "", "gh: Upgrade to GitHub Pro (HTTP 403)")},
            f"error: gh api GET {PROTECTION}: gh: Upgrade to GitHub Pro (HTTP 403)",
        ),
        (
            0,
            {("GET", PROTECTION): NOT_PROTECTED, ("PUT", PROTECTION): (1, "", "no")},
            f"error: gh api PUT {PROTECTION}: no",
        ),
    ],
    ids=["logged out", "plan refuses", "put refused"],
)
def test_a_refusal_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    auth_code: int,
    answers: dict[tuple[str, str], Answer],
    message: str,
) -> None:
    code, _ = run_with(monkeypatch, FakeGh(auth_code, answers))
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith(message) and error.count("\n") == 1
