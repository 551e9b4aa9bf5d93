import json
import shutil
import subprocess
from typing import Any

import protect_branch
import pytest


def test_dry_run_prints_payload_and_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert protect_branch.main(["--dry-run", "--owner", "o", "--repo", "r"]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "gh api --method PUT repos/o/r/branches/main/protection --input -"
    )
    body = json.loads(captured.out)
    assert body["required_status_checks"]["strict"] is True
    assert body["required_status_checks"]["checks"] == [{"context": "ci-ok"}]
    assert set(body) == {
        "required_status_checks",
        "enforce_admins",
        "required_pull_request_reviews",
        "restrictions",
    }


def test_ruleset_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert protect_branch.main(["--dry-run", "--ruleset", "--owner", "o"]) == 0
    captured = capsys.readouterr()
    assert "--method POST repos/o/" in captured.err
    (rule,) = json.loads(captured.out)["rules"]
    assert rule["parameters"]["strict_required_status_checks_policy"] is True
    assert rule["parameters"]["required_status_checks"] == [{"context": "ci-ok"}]


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


class FakeGh:
    """Stands in for `gh`: answers `auth status` and `api` with set return codes."""

    def __init__(self, auth_code: int, api_code: int) -> None:
        self.auth_code = auth_code
        self.api_code = api_code
        self.sent: list[str] = []

    def __call__(self, command: list[str], **kwargs: Any) -> Any:
        if command[1] == "auth":
            return subprocess.CompletedProcess(command, self.auth_code)
        self.sent.append(kwargs["input"])
        return subprocess.CompletedProcess(command, self.api_code, "", "HTTP 403: no")


@pytest.mark.parametrize(
    ("auth_code", "api_code", "exit_code", "message"),
    [
        (1, 0, 1, "error: gh is not logged in"),
        (0, 1, 1, "error: gh api refused the protection: HTTP 403: no"),
        (0, 0, 0, ""),
    ],
)
def test_applies_through_gh(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    auth_code: int,
    api_code: int,
    exit_code: int,
    message: str,
) -> None:
    fake = FakeGh(auth_code, api_code)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/gh")
    monkeypatch.setattr(subprocess, "run", fake)
    assert protect_branch.main(["--owner", "o", "--repo", "r"]) == exit_code
    assert capsys.readouterr().err.startswith(message)
    if exit_code == 0:
        assert json.loads(fake.sent[0])["enforce_admins"] is True
