import errno
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import joblib
import numpy as np
import pytest

from research_guards.datatypes import ModelArtifact
from research_guards.errors import DataError
from research_guards.storage import LOCK_FILE
from research_guards.storage import check_output
from research_guards.storage import load_artifact
from research_guards.storage import production_lock
from research_guards.storage import production_model
from research_guards.storage import production_problem
from research_guards.storage import promote_release
from research_guards.storage import save_artifact
from research_guards.storage import write_json


def test_artifact_round_trip(tmp_path: Path, artifact: ModelArtifact) -> None:
    path = tmp_path / "models" / "model.joblib"
    save_artifact(path, artifact)
    assert load_artifact(path).feature_names == artifact.feature_names
    assert [p.name for p in path.parent.iterdir()] == ["model.joblib"]


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, artifact: ModelArtifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "models" / "model.joblib"
    save_artifact(path, artifact)
    before = path.read_bytes()

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(joblib, "dump", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        save_artifact(path, artifact)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["model.joblib"]


def test_load_refuses_what_is_not_an_artifact(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    joblib.dump({"not": "a model"}, path)
    with pytest.raises(DataError, match="not a model artifact"):
        load_artifact(path)


def test_write_json_is_sorted_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    write_json(path, {"b": 1, "a": [1, math.nan]})
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "a": [1, None],
        "a_undefined": "null at index 1: not a finite number",
        "b": 1,
    }
    assert path.read_text(encoding="utf-8").index('"a"') < path.read_text().index('"b"')


def test_numbers_json_cannot_hold_are_null_with_the_reason_beside_them(
    tmp_path: Path,
) -> None:
    """An infinite noise once crashed json.dumps after the model was promoted: no
    value is ever written as NaN or infinity, and null says why it is null."""
    path = tmp_path / "record.json"
    document = {
        "skew": [{"feature": "x", "distance": 0.5, "noise": math.inf}],
        "metrics": {"overall": {"roc_auc": np.float64("nan"), "accuracy": 0.75}},
        "low": -math.inf,
        "count": 3,
        "ok": True,
    }
    write_json(path, document)
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    written = json.loads(text)
    assert written["skew"][0]["noise"] is None
    assert "+infinity" in written["skew"][0]["noise_undefined"]
    assert written["skew"][0]["distance"] == 0.5
    assert written["metrics"]["overall"]["roc_auc"] is None
    assert "not a number" in written["metrics"]["overall"]["roc_auc_undefined"]
    assert written["metrics"]["overall"]["accuracy"] == 0.75
    assert written["low"] is None and "-infinity" in written["low_undefined"]
    assert written["count"] == 3 and written["ok"] is True
    assert "count_undefined" not in written and "ok_undefined" not in written


def _disk_full(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Writing a file called `name` fails as a full disk does, mid-write."""
    real = os.fsync

    def fsync(descriptor: int) -> None:
        if (
            os.readlink(f"/proc/self/fd/{descriptor}")
            .rsplit("/", 1)[-1]
            .startswith(f".{name}.")
        ):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="Linux's fd table")
def test_a_full_disk_is_one_line_and_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "record.json"
    write_json(path, {"a": 1})
    _disk_full(monkeypatch, "record.json")
    with pytest.raises(DataError, match="No space left on device") as raised:
        write_json(path, {"a": 2})
    assert "\n" not in str(raised.value) and str(path) in str(raised.value)
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "runs").write_text("a file where a folder belongs", encoding="utf-8")
    with pytest.raises(DataError, match="is a file, not a folder") as raised:
        write_json(tmp_path / "runs" / "x" / "record.json", {"a": 1})
    assert str(raised.value).endswith(f"{tmp_path / 'runs'} is a file, not a folder")


def test_an_output_path_no_file_can_be_written_at_is_refused_before_work(
    tmp_path: Path,
) -> None:
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    check_output(tmp_path / "new" / "page.html")  # a folder still to be made is fine
    with pytest.raises(DataError, match="is a folder: name a file to write"):
        check_output(tmp_path)
    with pytest.raises(DataError, match=f"{tmp_path / 'taken'} is a file, not a"):
        check_output(tmp_path / "taken" / "page.html")


def test_a_folder_where_the_lock_file_belongs_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "models" / LOCK_FILE).mkdir(parents=True)
    with pytest.raises(DataError, match="is a folder, not the lock file") as raised:
        with production_lock(tmp_path / "models"):
            pass  # pragma: no cover - never reached
    assert "\n" not in str(raised.value) and "rmdir" in str(raised.value)


def test_a_damaged_artifact_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="not a readable model artifact"):
        load_artifact(path)


@pytest.fixture
def candidates(tmp_path: Path, artifact: ModelArtifact) -> tuple[Path, Path]:
    """Two saved candidates with different bytes."""
    first, second = (
        tmp_path / "run-1" / "model.joblib",
        tmp_path / "run-2" / "model.joblib",
    )
    save_artifact(first, artifact)
    save_artifact(second, replace(artifact, version="run-2"))
    return first, second


def test_promotion_repoints_production_and_keeps_releases(
    tmp_path: Path, candidates: tuple[Path, Path]
) -> None:
    models = tmp_path / "models"
    first, second = candidates
    assert promote_release(models, first, "run-1") == models / "run-1"
    assert production_model(models).read_bytes() == first.read_bytes()
    promote_release(models, second, "run-2")
    assert production_model(models).read_bytes() == second.read_bytes()
    assert os.readlink(models / "production") == "run-2"
    assert sorted(p.name for p in models.iterdir()) == ["production", "run-1", "run-2"]


@pytest.mark.parametrize("failing", ["symlink_to", "replace"])
def test_a_crash_during_promotion_leaves_the_old_production_whole(
    tmp_path: Path,
    candidates: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    models = tmp_path / "models"
    first, second = candidates
    promote_release(models, first, "run-1")

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(Path if failing == "symlink_to" else os, failing, killed)
    with pytest.raises(KeyboardInterrupt):
        promote_release(models, second, "run-2")
    assert production_model(models).read_bytes() == first.read_bytes()
    assert load_artifact(production_model(models)).feature_names
    monkeypatch.undo()
    promote_release(models, second, "run-2")  # the next promotion still works
    assert production_model(models).read_bytes() == second.read_bytes()


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="Linux's fd table")
def test_a_full_disk_at_promotion_leaves_production_and_no_empty_release(
    tmp_path: Path, candidates: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    first, second = candidates
    promote_release(models, first, "run-1")
    _disk_full(monkeypatch, "model.joblib")
    with pytest.raises(DataError, match="No space left on device") as raised:
        promote_release(models, second, "run-2")
    assert "\n" not in str(raised.value)
    assert os.readlink(models / "production") == "run-1"
    assert production_model(models).read_bytes() == first.read_bytes()
    assert sorted(p.name for p in models.iterdir()) == ["production", "run-1"]


def test_a_failed_rename_leaves_production_and_no_pending_link(
    tmp_path: Path, candidates: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models"
    first, second = candidates
    promote_release(models, first, "run-1")

    real = os.replace

    def full(source: Path, target: Path) -> None:
        if Path(target).name == "production":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(source, target)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(DataError, match="production is unchanged"):
        promote_release(models, second, "run-2")
    assert os.readlink(models / "production") == "run-1"
    assert sorted(p.name for p in models.iterdir()) == ["production", "run-1"]


def test_a_production_folder_is_refused_before_anything_is_written(
    tmp_path: Path, candidates: tuple[Path, Path]
) -> None:
    models = tmp_path / "models"
    (models / "production").mkdir(parents=True)
    (models / "production" / "model.joblib").write_bytes(b"served")
    with pytest.raises(DataError, match="is a real folder, not a link") as raised:
        promote_release(models, candidates[1], "run-2")
    assert "\n" not in str(raised.value)
    assert sorted(p.name for p in models.iterdir()) == ["production"]
    assert (models / "production" / "model.joblib").read_bytes() == b"served"


def test_a_dangling_production_link_is_a_problem_with_a_way_out(
    tmp_path: Path, candidates: tuple[Path, Path]
) -> None:
    models = tmp_path / "models"
    assert production_problem(models) is None  # no model yet: a first run
    promote_release(models, candidates[0], "run-1")
    assert production_problem(models) is None
    (models / "run-1" / "model.joblib").unlink()
    (models / "run-1").rmdir()
    problem = production_problem(models)
    assert problem is not None and "points at run-1" in problem
    assert "ln -sfn" in problem and "rm " in problem


SECOND_RUN = """
import sys
from pathlib import Path
from research_guards.storage import production_lock
models = Path(sys.argv[1])
with production_lock(models):
    with (models / "order.txt").open("a") as order:
        order.write("second\\n")
"""


def _waiting_for(lock: Path, pid: int) -> bool:
    """The kernel's own lock table says the process is blocked on this file: a line
    `N: -> FLOCK ADVISORY WRITE <pid> <maj:min:inode> ...` marks a waiter."""
    inode = f":{lock.stat().st_ino} "
    lines = Path("/proc/locks").read_text(encoding="ascii").splitlines()
    return any("->" in line and f" {pid} " in line and inode in line for line in lines)


@pytest.mark.skipif(
    not Path("/proc/locks").exists(), reason="reads the kernel's lock table (Linux)"
)
def test_a_second_run_waits_for_the_production_lock(tmp_path: Path) -> None:
    """Two runs at once: the second blocks until the first has judged and promoted,
    then goes on. Proved by order, not by time: the kernel lists the second process
    as waiting on models/.lock while the first still holds it, and the second writes
    only after the first has finished."""
    models = tmp_path / "models"
    order = models / "order.txt"
    with production_lock(models):
        second = subprocess.Popen([sys.executable, "-c", SECOND_RUN, str(models)])
        while second.poll() is None and not _waiting_for(
            models / LOCK_FILE, second.pid
        ):
            time.sleep(0.001)  # until the kernel has queued it, or it has ended
        assert (
            second.poll() is None
        ), f"the second run ended ({second.returncode}) first"
        assert not order.exists()
        order.write_text("first\n", encoding="utf-8")
    assert second.wait() == 0
    assert order.read_text(encoding="utf-8").split() == ["first", "second"]
