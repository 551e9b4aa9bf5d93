"""Baking helpers: the template tests drive cookiecutter and the baked make."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
DEFAULT_MODULE = "penguin_research"


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake as `cookiecutter --no-input TEMPLATE key=value ...` does."""
    project = cookiecutter(
        str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output_dir)
    )
    return Path(project)


def project_environment() -> dict[str, str]:
    """The caller's environment with this venv's bin (uv) first on PATH.

    VIRTUAL_ENV is dropped so the baked project's uv uses the project's own .venv.
    """
    environment = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = bin_dir + os.pathsep + environment["PATH"]
    return environment


def make(project: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    """Run the baked project's own make targets; stdout and stderr together."""
    return subprocess.run(
        ["make", *targets],
        cwd=project,
        env=project_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def assert_make_passes(project: Path, *targets: str) -> str:
    completed = make(project, *targets)
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed.stdout


@pytest.fixture(scope="module")
def default_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One default bake per test module, with its environment installed."""
    project = bake(tmp_path_factory.mktemp("default"))
    assert_make_passes(project, "install")
    yield project
