"""Baking helpers: the template tests drive cookiecutter and the baked make."""

import atexit
import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

TEMPLATE = Path(__file__).resolve().parents[1]
CRUFT = str(Path(sys.executable).parent / "cruft")
# Each option's allowed answers, as the template defines them once.
OPTIONS: dict[str, list[str]] = json.loads(
    (TEMPLATE / "cookiecutter.json").read_text(encoding="utf-8")
)["_options"]
DEFAULT_MODULE = "penguin_research"
# Bakes for a Python this machine lacks cannot lock here (uv cannot download Pythons
# without GitHub): fail at once with the bake's warning instead of after retries.
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def bake(output_dir: Path, **answers: str) -> Path:
    """Bake as `cookiecutter --no-input TEMPLATE key=value ...` does, from a commit of
    the working tree: a bake pins the library at its template's commit, so the tests
    bake the library as it is now, committed or not."""
    project = cookiecutter(
        str(snapshot()),
        no_input=True,
        extra_context=answers,
        output_dir=str(output_dir),
    )
    return Path(project)


def render(output_dir: Path, **answers: str) -> Path:
    """A bake without its lock, for tests that only read the rendered files: the
    post-gen hook's `make lock` runs `true` instead of uv (the Makefile takes UV from
    the environment). uv's resolution is most of a bake's seconds; the tests that need
    uv.lock, or a project to run, call bake()."""
    with environment_variable("UV", shutil.which("true") or "/bin/true"):
        project = bake(output_dir, **answers)
    assert not (project / "uv.lock").exists(), "the hook locked anyway"
    return project


Render = Callable[..., Path]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """render(), once per answer set in a test process: tests given these projects
    must only read them."""
    projects: dict[tuple[tuple[str, str], ...], Path] = {}

    def project(**answers: str) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in projects:
            projects[key] = render(tmp_path_factory.mktemp("rendered"), **answers)
        return projects[key]

    return project


@contextlib.contextmanager
def environment_variable(name: str, value: str) -> Iterator[None]:
    """os.environ[name] = value while the block runs (a bake's hook inherits it)."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


@functools.cache
def snapshot() -> Path:
    """The working tree committed once per test process, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="template-snapshot-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return template_clone(folder)


def project_environment() -> dict[str, str]:
    """The caller's environment with this venv's bin (uv) first on PATH.

    VIRTUAL_ENV is dropped so the baked project's uv uses the project's own .venv.
    """
    environment = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    bin_dir = str(Path(sys.executable).parent)
    environment["PATH"] = bin_dir + os.pathsep + environment["PATH"]
    return environment


def without_uv() -> dict[str, str]:
    """The caller's environment with no uv anywhere on PATH (nor in UV, which `uv run`
    sets and the Makefile's `UV ?=` would take)."""
    environment = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV")
    }
    folders = environment["PATH"].split(os.pathsep)
    kept = [folder for folder in folders if not (Path(folder) / "uv").exists()]
    environment["PATH"] = os.pathsep.join(kept)
    return environment


def make(
    project: Path, *targets: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the baked project's own make targets."""
    return run(project, "make", *targets, environment=environment)


def assert_make_passes(
    project: Path, *targets: str, environment: dict[str, str] | None = None
) -> str:
    completed = make(project, *targets, environment=environment)
    assert completed.returncode == 0, completed.stdout[-4000:]
    return completed.stdout


def run(
    cwd: Path, *command: str, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, by default with this venv's tools first on PATH; stdout and
    stderr merged."""
    return subprocess.run(
        list(command),
        cwd=cwd,
        env=environment or project_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def commit(repository: Path, message: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    for command in (["add", "-A"], [*identity, "commit", "-q", "-m", message]):
        completed = run(repository, "git", *command)
        assert completed.returncode == 0, completed.stdout
    return run(repository, "git", "rev-parse", "HEAD").stdout.strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def template_clone(tmp_path: Path) -> Path:
    """The template's working tree (committed or not) as a fresh repository."""
    listed = run(
        TEMPLATE, "git", "ls-files", "--cached", "--others", "--exclude-standard"
    )
    repository = tmp_path / "template"
    for name in listed.stdout.splitlines():
        source = TEMPLATE / name
        if source.is_file():
            target = repository / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    assert run(repository, "git", "init", "-q").returncode == 0
    commit(repository, "standard A")
    return repository


def fleet(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m fleet` from the template's root, as its README runs it."""
    return subprocess.run(
        [sys.executable, "-m", "fleet", *arguments],
        cwd=TEMPLATE,
        capture_output=True,
        text=True,
        check=False,
        env=project_environment(),
    )


def cruft_create(template: Path, tag: str, into: Path, **answers: str) -> Path:
    """`cruft create --checkout TAG` into a new folder: the project, uncommitted."""
    into.mkdir()
    context = ["--extra-context", json.dumps(answers)] if answers else []
    created = run(
        into, CRUFT, "create", str(template), "--checkout", tag, "--no-input", *context
    )
    assert created.returncode == 0, created.stdout
    (project,) = into.iterdir()
    return project


def bake_at(template: Path, tag: str, into: Path, **answers: str) -> Path:
    """cruft_create, with the bake as the repository's first commit."""
    project = cruft_create(template, tag, into, **answers)
    commit(project, "Bake from the org template")
    return project


UNRELEASED = (
    "## Unreleased\n\nRename this heading to the next version when releasing it.\n"
)


def release(template: Path, version: str, notes: str) -> str:
    """`fleet release`, its changelog entry written first: the "Unreleased" entries
    are moved under it, as the release asks."""
    changelog = template / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    if UNRELEASED in text:
        text = text.replace(UNRELEASED, f"## v{version}\n\n{notes}\n", 1)
    else:
        head, _, rest = text.partition("\n## ")
        text = f"{head}\n## v{version}\n\n{notes}\n\n## {rest}"
    changelog.write_text(text, "utf-8")
    commit(template, f"changelog {version}")
    released = fleet("release", version, "--template", str(template))
    assert released.returncode == 0, released.stdout + released.stderr
    return released.stdout
