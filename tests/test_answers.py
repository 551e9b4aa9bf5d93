"""A bad answer is refused in one line, with no traceback and no directory left."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CRUFT
from conftest import OPTIONS
from conftest import TEMPLATE
from conftest import template_clone

BAD_ANSWERS = [
    ("module_name", "numpy", "does not shadow"),
    ("module_name", "random", "does not shadow"),
    ("module_name", "test", "does not shadow"),
    ("module_name", "class", "not a Python keyword"),
    ("module_name", "2fast", "lowercase Python identifier"),
    ("module_name", "My-Module", "lowercase Python identifier"),
    ("module_name", "a" * 25, "at most 24 characters"),
    ("project_slug", "My Project", "lowercase letters, digits and single dashes"),
    ("project_slug", "../escape", "lowercase letters, digits and single dashes"),
    ("author_email", "not-an-email", "name@domain.tld"),
    ("github_owner", "-bad-", "GitHub user or organisation"),
    ("code_owners", "research-leads", "@org/team, @user or email"),
    ("code_owners", "@org/", "@org/team, @user or email"),
    ("code_owners", "@lab/leads, @ana", "@org/team, @user or email"),
    ("code_owners", "", "@org/team, @user or email"),
    ("python_version", "3.10", ", ".join(OPTIONS["python_version"])),
    ("python_version", "3.15", ", ".join(OPTIONS["python_version"])),
    ("license", "GPL", ", ".join(OPTIONS["license"])),
    ("include_notebooks", "maybe", ", ".join(OPTIONS["include_notebooks"])),
    ("experiment_tracking", "wandb", ", ".join(OPTIONS["experiment_tracking"])),
    ("project_name", "   ", "non-empty text"),
    ("description", "two\nlines", "one line of printable text"),
]


def run_cookiecutter(
    output_dir: Path, *answers: str
) -> subprocess.CompletedProcess[str]:
    """The cookiecutter command, its hook's `make lock` running `true`: these tests
    read the answers and the files, not the lock (see conftest.render)."""
    return subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE)]
        + ["-o", str(output_dir), *answers],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "UV": "true"},
    )


def assert_refused_in_one_line(
    completed: subprocess.CompletedProcess[str],
    output_dir: Path,
    field: str,
    value: str,
    allowed: str,
) -> None:
    assert completed.returncode != 0
    assert "Traceback" not in completed.stderr + completed.stdout
    errors = [line for line in completed.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, completed.stderr
    assert errors[0].startswith(f"error: {field} {value!r} is not allowed: use ")
    assert allowed in errors[0]
    assert not output_dir.exists() or list(output_dir.iterdir()) == []


@pytest.mark.parametrize(("field", "value", "allowed"), BAD_ANSWERS)
def test_bad_answer_is_one_line_and_leaves_nothing(
    tmp_path: Path, field: str, value: str, allowed: str
) -> None:
    output_dir = tmp_path / "out"
    completed = run_cookiecutter(output_dir, f"{field}={value}")
    assert_refused_in_one_line(completed, output_dir, field, value, allowed)


@pytest.mark.parametrize(
    ("project_name", "slug"),
    [("Tom's Model", "tom-s-model"), ("Café  Study (v2)", "cafe-study-v2")],
)
def test_any_printable_project_name_gets_a_valid_default_slug(
    tmp_path: Path, project_name: str, slug: str
) -> None:
    completed = run_cookiecutter(tmp_path, f"project_name={project_name}")
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / slug / "src" / slug.replace("-", "_")).is_dir()


def test_good_answers_bake(tmp_path: Path) -> None:
    completed = run_cookiecutter(
        tmp_path,
        "project_name=Sea Ice",
        "module_name=sea_ice_v2",
        "github_owner=polar-lab",
        "author_email=a.b+ml@lab.example.org",
        "python_version=3.13",
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "sea-ice" / "src" / "sea_ice_v2" / "pipeline.py").is_file()
    (note,) = [line for line in completed.stdout.splitlines() if "note:" in line]
    assert "before pushing, change the git URL of [tool.uv.sources]" in note
    (warning,) = [
        line for line in completed.stderr.splitlines() if "placeholder" in line
    ]
    assert warning.startswith("warning: .github/workflows/ci.yml calls the standard's")
    assert "example-org/cookiecutter-research-ci" in warning
    pyproject = (tmp_path / "sea-ice" / "pyproject.toml").read_text(encoding="utf-8")
    assert 'research-guards = { git = "file://' in pyproject


@pytest.mark.parametrize(("field", "value", "allowed"), BAD_ANSWERS[:4])
def test_cruft_refuses_the_same_way(
    tmp_path: Path, field: str, value: str, allowed: str
) -> None:
    """cruft runs the same hooks; its own traceback printing is kept quiet too."""
    template = template_clone(tmp_path)
    output_dir = tmp_path / "out"
    completed = subprocess.run(
        [CRUFT, "create", str(template)]
        + ["--no-input", "--output-dir", str(output_dir)]
        + ["--extra-context", json.dumps({field: value})],
        capture_output=True,
        text=True,
        check=False,
    )
    assert_refused_in_one_line(completed, output_dir, field, value, allowed)
