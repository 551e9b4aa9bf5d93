"""Template changes reach a baked repository as a patch (cruft), offline, from a local
git clone of the template; the project's own files survive and conflicts are loud."""

import json
import shutil
from pathlib import Path

import pytest
from conftest import DEFAULT_MODULE
from conftest import assert_make_passes
from conftest import commit
from conftest import cruft_create
from conftest import edit
from conftest import make
from conftest import release
from conftest import run
from conftest import template_clone

pytestmark = pytest.mark.slow

STANDARD_FILE = ".flake8"


def tag(template: Path, release: str) -> None:
    tagged = run(template, "git", "tag", "-a", release, "-m", release)
    assert tagged.returncode == 0, tagged.stdout


def released_clone(tmp_path: Path) -> Path:
    """A template clone whose first commit is release v1.0.0."""
    template = template_clone(tmp_path)
    release(template, "1.0.0", "First.")
    return template


def change_the_standard(template: Path, old: str, new: str) -> str:
    """Release v1.1.0 with the change."""
    edit(template / "{{cookiecutter.project_slug}}" / STANDARD_FILE, old, new)
    released = commit(template, "standard B")
    tag(template, "v1.1.0")
    return released


def test_an_update_brings_the_standard_and_keeps_the_projects_files(
    tmp_path: Path,
) -> None:
    template = released_clone(tmp_path)
    project = cruft_create(template, "v1.0.0", tmp_path / "out")
    record = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert record["commit"] == run(template, "git", "rev-parse", "HEAD").stdout.strip()
    commit(project, "baked")  # cruft create ran the bake's git init and make lock

    owned = {
        project
        / "configs"
        / "pipeline.toml": ("n_estimators = 200", "n_estimators = 150"),
        project / "schema" / "schema.json": ('"Torgersen"', '"Torgersen", "Anvers"'),
        project / "src" / DEFAULT_MODULE / "evaluator.py": ("Held-out", "Held out"),
    }
    for path, (old, new) in owned.items():
        edit(path, old, new)
    commit(project, "the project's own changes")
    edit(template / "README.md", "# cookiecutter-research-ci", "# Research CI")
    commit(template, "the template's README only")
    tag(template, "v1.0.1")
    unchanged = assert_make_passes(project, "standard-check", "standard-update")
    assert "On v1.0.0; v1.0.1 renders the same standard files" in unchanged
    assert run(project, "git", "status", "--porcelain").stdout == ""
    template_config = template / "{{cookiecutter.project_slug}}" / "configs"
    edit(template_config / "pipeline.toml", "max_depth = 6", "max_depth = 8")
    standard_b = change_the_standard(
        template,
        "ban-relative-imports = true",
        "ban-relative-imports = true\nmax-complexity = 10",
    )

    behind = make(project, "standard-check")
    assert behind.returncode == 2 and "Behind the org standard" in behind.stdout
    # make exits 2 for any failed recipe: the script's own status is docs/standard.md's
    script = ["uv", "run", "python", "scripts/standard_check.py"]
    assert run(project, *script).returncode == 1
    assert "on v1.0.0, v1.1.0 changes 1 standard file(s):" in behind.stdout
    assert f"  changed  {STANDARD_FILE}\n" in behind.stdout
    assert "Run 'make standard-update'" in behind.stdout
    assert_make_passes(project, "standard-update")
    assert (
        "On the newest release of the standard, v1.1.0."
        in make(project, "standard-check").stdout
    )

    assert "max-complexity = 10" in (project / STANDARD_FILE).read_text(
        encoding="utf-8"
    )
    for path, (_, new) in owned.items():
        assert new in path.read_text(encoding="utf-8"), path
    assert "max_depth = 6" in (project / "configs" / "pipeline.toml").read_text()
    record = json.loads((project / ".cruft.json").read_text(encoding="utf-8"))
    assert record["commit"] == standard_b and record["checkout"] == "v1.1.0"
    assert_make_passes(project, "check")


@pytest.mark.parametrize("under_git", [True, False], ids=["git", "no-git"])
def test_a_conflicting_local_edit_stops_the_update_loudly(
    tmp_path: Path, under_git: bool
) -> None:
    template = released_clone(tmp_path)
    project = cruft_create(template, "v1.0.0", tmp_path / "out")
    if under_git:
        assert_make_passes(project, "install")
        commit(project, "baked")
    else:
        shutil.rmtree(project / ".git")
    edit(project / STANDARD_FILE, "max-line-length = 88", "max-line-length = 100")
    if under_git:
        commit(project, "a local edit of a standard file")
    change_the_standard(template, "max-line-length = 88", "max-line-length = 90")

    updated = make(project, "standard-update")
    assert updated.returncode != 0
    assert "error: the update conflicts with local edits in:" in updated.stdout
    assert STANDARD_FILE in updated.stdout
    local = (project / STANDARD_FILE).read_text(encoding="utf-8")
    if under_git:  # a three-way merge: conflict markers, both sides kept
        assert "<<<<<<<" in local and "max-line-length = 100" in local
    else:  # no history to merge with: the hunk is set aside in a .rej file
        assert "max-line-length = 100" in local
        assert (project / f"{STANDARD_FILE}.rej").is_file()


def test_an_unreachable_template_is_not_reported_as_behind(tmp_path: Path) -> None:
    """A private template the job's token cannot read must not read "behind"."""
    template = released_clone(tmp_path)
    project = cruft_create(template, "v1.0.0", tmp_path / "out")
    template.rename(tmp_path / "moved")
    checked = make(project, "standard-check")
    assert checked.returncode != 0
    assert f"error: cannot reach the template at {template}" in checked.stdout
    assert "Behind" not in checked.stdout


def test_a_library_fix_reaches_the_repository_as_its_pin_and_lock(
    tmp_path: Path,
) -> None:
    """A release that changes research-guards changes one standard-owned line, the
    pin; the lock follows it and the repository's own code is never rewritten."""
    template = released_clone(tmp_path)
    project = cruft_create(template, "v1.0.0", tmp_path / "out")
    commit(project, "baked")
    pinned = library_pin(project)
    edit(
        template / "guards" / "src" / "research_guards" / "cli.py",
        'f"{data}: no anomalies ({arguments.env})"',
        'f"{data}: no anomalies ({arguments.env}, checked by the fixed library)"',
    )
    commit(template, "a fix in the library")
    released = release(template, "1.1.0", "validate-data says who checked.")
    assert "research-guards is 1.1.0" in released
    versioned = run(template, "git", "log", "-1", "--format=%H", "--", "guards")
    assert "research-guards 1.1.0" in run(template, "git", "log", "-1").stdout

    behind = make(project, "standard-check")
    assert "v1.1.0 changes 1 standard file(s):\n  changed  pyproject.toml\n" in (
        behind.stdout
    )
    assert_make_passes(project, "standard-update")
    library = versioned.stdout.strip()
    assert library_pin(project) == pinned.replace(pinned.split('"')[3], library)
    lock = (project / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "research-guards"\nversion = "1.1.0"' in lock
    numstat = run(project, "git", "diff", "HEAD", "--numstat", "--", "pyproject.toml")
    assert numstat.stdout.split()[:2] == ["1", "1"], numstat.stdout
    validated = assert_make_passes(project, "validate")
    assert "checked by the fixed library" in validated
    status = run(project, "git", "status", "--porcelain").stdout.split("\n")
    assert sorted(line[3:] for line in status if line) == [
        ".cruft.json",
        "pyproject.toml",
        "uv.lock",
    ]


def library_pin(project: Path) -> str:
    """The pyproject line that says where research-guards comes from."""
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    (line,) = [row for row in text.splitlines() if row.startswith("research-guards =")]
    return line
