"""A repository baked at v1.0.0, which owns a copy of the guards in src/ and tests/,
moved onto the research-guards library by `python -m fleet update`: its unedited
copies go, its stages follow the release, an edited copy is listed and left alone."""

import json
import tarfile
from pathlib import Path

import pytest
from conftest import TEMPLATE
from conftest import assert_make_passes
from conftest import bake_at
from conftest import commit
from conftest import edit
from conftest import fleet
from conftest import run
from conftest import template_clone

# The template as released on 2026-11-28 (v1.0.0): the guards copied into every bake.
V1_0_0 = "6ea3e6f9e42325607ae3af5be72f0139a04f2641"
MODULE = "penguin_research"


def template_with_v1_0_0(tmp_path: Path) -> Path:
    """A template repository: v1.0.0 from this repository's history, then v1.1.0 the
    working tree (the library)."""
    repository, old_tree = tmp_path / "template", tmp_path / "v1.0.0.tar"
    archive = run(TEMPLATE, "git", "archive", "-o", str(old_tree), V1_0_0)
    if archive.returncode != 0:
        pytest.skip("needs the template's history (a shallow clone lacks v1.0.0)")
    with tarfile.open(old_tree) as old:
        old.extractall(repository, filter="data")
    assert run(repository, "git", "init", "-q").returncode == 0
    commit(repository, "v1.0.0: the guards copied into each bake")
    assert run(repository, "git", "tag", "v1.0.0").returncode == 0
    assert run(repository, "git", "rm", "-rqf", ".").returncode == 0
    template_clone(tmp_path)
    assert run(repository, "git", "tag", "v1.1.0").returncode == 0
    return repository


def lines_of(folder: Path) -> int:
    return sum(len(path.read_text().splitlines()) for path in folder.rglob("*.py"))


@pytest.mark.slow
def test_fleet_update_moves_a_v1_0_0_repository_onto_the_library(
    tmp_path: Path,
) -> None:
    template = template_with_v1_0_0(tmp_path)
    untouched = bake_at(template, "v1.0.0", tmp_path / "one")
    edited = tmp_path / "two" / untouched.name
    cloned = run(tmp_path, "git", "clone", "-q", str(untouched), str(edited))
    assert cloned.returncode == 0, cloned.stdout
    gate = edited / "src" / MODULE / "gate.py"
    edit(gate, '"""', '"""Our own gate: a stricter tie rule.\n\n')
    commit(edited, "our own gate")
    ours = gate.read_bytes()
    assert lines_of(untouched / "src") > 5000

    updated = fleet(
        "update",
        str(untouched),
        str(edited),
        "--release",
        "v1.1.0",
        "--out",
        str(tmp_path / "prs"),
    )
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert f"edited here, left to port: src/{MODULE}/gate.py" in updated.stdout
    body = tmp_path / "prs" / (str(edited).strip("/").replace("/", "_") + ".md")
    assert f"- `src/{MODULE}/gate.py`" in body.read_text(encoding="utf-8")

    for repository in (untouched, edited):
        switched = run(repository, "git", "switch", "-q", "standard/v1.1.0")
        assert switched.returncode == 0, switched.stdout
        assert not (repository / "src" / MODULE / "data_validation").exists()
        assert not (repository / "tests" / "test_data_validation.py").exists()
        assert "research-guards" in (repository / "pyproject.toml").read_text()
    assert gate.read_bytes() == ours
    assert not (untouched / "src" / MODULE / "gate.py").exists()
    assert lines_of(untouched / "src") < 1000
    record = json.loads((untouched / ".cruft.json").read_text(encoding="utf-8"))
    assert record["checkout"] == "v1.1.0"
    assert_make_passes(untouched, "check")
