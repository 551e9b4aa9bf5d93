"""Every option set bakes cleanly; answers land where they should, escaped."""

import itertools
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import OPTIONS
from conftest import TEMPLATE
from conftest import bake
from conftest import make
from conftest import project_environment
from conftest import render
from conftest import run
from conftest import without_uv

PYTHONS = OPTIONS["python_version"]
LICENSES = OPTIONS["license"]
SERVICES = OPTIONS["coverage_service"]
TRACKING = OPTIONS["experiment_tracking"]
ANSWERS = json.loads((TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8"))
# GitHub expressions (${{ ... }}) are meant to survive baking; Jinja is not, nor a
# reference to an answer (the standard's own scripts may name cookiecutter's modules).
JINJA_LEFTOVER = re.compile(
    r"(?<!\$)\{\{|\{%|cookiecutter\.(?:" + "|".join(map(re.escape, ANSWERS)) + r")\b"
)


def pyproject(project: Path) -> dict[str, object]:
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def option_sets() -> list[tuple[str, str, str, str, str]]:
    """Every combination of the options that interact in the templates; the license
    touches only LICENSE and the license field, so it takes turns."""
    combinations = itertools.product(
        PYTHONS, OPTIONS["include_notebooks"], SERVICES, TRACKING
    )
    return [
        (python, LICENSES[index % len(LICENSES)], notebooks, service, tracking)
        for index, (python, notebooks, service, tracking) in enumerate(combinations)
    ]


@pytest.mark.parametrize(
    (
        "python_version",
        "license_name",
        "include_notebooks",
        "coverage_service",
        "tracking",
    ),
    option_sets(),
)
def test_every_option_set_bakes_without_leftover_jinja(
    tmp_path: Path,
    python_version: str,
    license_name: str,
    include_notebooks: str,
    coverage_service: str,
    tracking: str,
) -> None:
    project = render(
        tmp_path,
        python_version=python_version,
        license=license_name,
        include_notebooks=include_notebooks,
        coverage_service=coverage_service,
        experiment_tracking=tracking,
    )
    leftovers = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file() and JINJA_LEFTOVER.search(path.read_text(encoding="utf-8"))
    ]
    assert leftovers == []
    assert (project / "notebooks").is_dir() == (include_notebooks == "yes")
    dependencies = pyproject(project)["project"]["dependencies"]  # type: ignore[index]
    assert ("research-guards[mlflow]" in dependencies) == (tracking == "mlflow")
    assert pyproject(project)["project"]["license"] in (  # type: ignore[index]
        license_name,
        "LicenseRef-Proprietary",
    )


def test_without_notebooks_no_notebook_tooling_is_left(tmp_path: Path) -> None:
    project = render(tmp_path, include_notebooks="no")
    unwanted = {
        "Makefile": "notebook",
        "pyproject.toml": "ipykernel",
        ".pre-commit-config.yaml": "nbstripout",
        "README.md": "make notebooks",
        ".github/pull_request_template.md": "Notebooks",
    }
    for name, word in unwanted.items():
        assert word not in (project / name).read_text(encoding="utf-8"), name
    assert "nbclient" not in (project / "pyproject.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("python_version", PYTHONS)
def test_python_version_sets_every_tool_target(
    tmp_path: Path, python_version: str
) -> None:
    """Only 3.11 runs here, so newer versions are checked in the files themselves."""
    project = render(tmp_path, python_version=python_version)
    config = pyproject(project)
    project_table = config["project"]
    tools = config["tool"]
    assert isinstance(project_table, dict) and isinstance(tools, dict)
    supported = PYTHONS[PYTHONS.index(python_version) :]
    assert project_table["requires-python"] == f">={python_version}"
    classifiers = [
        c for c in project_table["classifiers"] if c.count("::") == 2 and "." in c
    ]
    assert classifiers == [f"Programming Language :: Python :: {v}" for v in supported]
    assert tools["black"]["target-version"] == [
        "py" + v.replace(".", "") for v in supported
    ]
    assert tools["mypy"]["python_version"] == python_version
    interpreter = (project / ".python-version").read_text(encoding="utf-8")
    assert interpreter == python_version + "\n"


def test_a_bake_is_a_repository_with_a_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no uv anywhere, the bake bootstraps one to lock, outside the project."""
    for name, value in without_uv().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("UV", raising=False)
    project = bake(tmp_path)
    assert not (project / ".tools").exists()
    assert run(project, "git", "symbolic-ref", "--short", "HEAD").stdout == "main\n"
    assert '\nname = "penguin-research"\n' in (project / "uv.lock").read_text("utf-8")


def test_a_bake_that_cannot_lock_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Offline with an empty cache, uv cannot resolve: the bake stays, says so in one
    line, and CI's first step (UV_LOCKED=1, as research-ci.yml sets) names the fix."""
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    project = bake(tmp_path)
    lines = [line for line in capfd.readouterr().err.splitlines() if line]
    # The other warning: this template's _standard_repository is the placeholder.
    warnings = [line for line in lines if "placeholder" not in line]
    assert len(warnings) == 1, lines
    assert warnings[0].startswith("warning: uv.lock not written (error: ")
    assert warnings[0].endswith("run `make lock`, then commit uv.lock")
    assert not (project / "uv.lock").exists()
    environment = {**project_environment(), "UV_LOCKED": "1"}
    installed = make(project, "install", environment=environment)
    assert installed.returncode != 0
    assert (
        "error: uv.lock is missing and CI installs only what it pins: run 'make lock'"
        in installed.stdout
    )


@pytest.mark.parametrize("python_version", PYTHONS[1:])
def test_pins_install_as_wheels_on_newer_pythons(
    tmp_path: Path, python_version: str
) -> None:
    """Only 3.11 runs here; uv still resolves the exact pins for a newer Python, wheels
    only, as a Linux machine with that Python would install them. The mlflow option's
    pins are a superset of the default's."""
    project = render(
        tmp_path, python_version=python_version, experiment_tracking="mlflow"
    )
    completed = subprocess.run(
        ["uv", "pip", "compile", "pyproject.toml", "--group", "dev", "--quiet"]
        + ["--python-version", python_version, "--only-binary", ":all:"]
        + ["--python-platform", "x86_64-unknown-linux-gnu", "-o", "requirements.txt"],
        cwd=project,
        env=project_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    pins = (project / "requirements.txt").read_text(encoding="utf-8")
    assert "\npandas==3.1.1\n" in pins and "\nmypy==2.4.1\n" in pins
    assert "\nmlflow==3.17.2\n" in pins


AWKWARD = {
    "project_name": 'Zoë\'s "Deep" Lab \\ 🐧',
    "description": 'It\'s a "quoted" description, with a \\backslash\\ and ünïcödé',
    "author_name": "José Ñúñez O'Brien",
}


def test_awkward_free_text_round_trips(tmp_path: Path) -> None:
    project = render(tmp_path, project_slug="awkward", **AWKWARD)
    metadata = pyproject(project)["project"]
    assert isinstance(metadata, dict)
    assert metadata["description"] == AWKWARD["description"]
    assert metadata["authors"][0]["name"] == AWKWARD["author_name"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {AWKWARD['project_name']}\n")
    assert AWKWARD["author_name"] in (project / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("license_name", LICENSES)
def test_license_text_matches_the_choice(tmp_path: Path, license_name: str) -> None:
    first_words = {
        "MIT": "MIT License",
        "Apache-2.0": "Apache License",
        "BSD-3-Clause": "BSD 3-Clause License",
        "Proprietary": "Copyright (c)",
    }
    project = render(tmp_path, license=license_name, author_name="Ada")
    text = (project / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith(first_words[license_name])
    assert license_name == "Apache-2.0" or "Ada" in text
