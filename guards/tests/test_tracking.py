import json
import subprocess
from pathlib import Path

import pytest

from research_guards.errors import DataError
from research_guards.tracking import RunRecorder
from research_guards.tracking import config_hash
from research_guards.tracking import git_commit
from research_guards.tracking import git_dirty
from research_guards.tracking import package_versions


def test_config_hash_ignores_key_order() -> None:
    assert config_hash({"a": 1, "b": 2}) == config_hash({"b": 2, "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})


def test_record_holds_what_repeats_a_run(tmp_path: Path) -> None:
    recorder = RunRecorder(tmp_path / "runs", tmp_path)
    config = {"seed": 3, "model": {"estimator": "x"}}
    run_id = recorder.new_run_id(config)
    results = {"metrics": {"overall": {"accuracy": 0.5}}, "promoted": True}
    path = recorder.record(run_id, config, {"data.csv": "abc"}, results)
    record = json.loads(path.read_text(encoding="utf-8"))
    assert path == tmp_path / "runs" / run_id / "record.json"
    assert record["config_hash"] == config_hash(config)
    assert run_id.endswith(config_hash(config)[:8])
    assert record["seed"] == 3
    assert record["data_hashes"] == {"data.csv": "abc"}
    assert record["metrics"] == {"overall": {"accuracy": 0.5}}
    assert record["promoted"] is True
    assert set(record["packages"]) >= {"pandas", "scikit-learn", "python"}


def test_git_commit_inside_and_outside_a_repository(tmp_path: Path) -> None:
    assert git_commit(tmp_path) is None
    assert git_dirty(tmp_path) is None
    assert git_commit(tmp_path / "absent") is None
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t",
            "commit", "-q", "--allow-empty", "-m", "start",
        ],
        check=True,
    )  # fmt: skip
    commit = git_commit(tmp_path)
    assert commit is not None and len(commit) == 40
    assert git_dirty(tmp_path) is False
    (tmp_path / "tracked.txt").write_text("a", encoding="utf-8")
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.txt"], check=True)
    assert git_dirty(tmp_path) is True


def test_package_versions_include_python() -> None:
    assert package_versions()["python"].count(".") == 2


def test_history_lists_readable_records_oldest_first(tmp_path: Path) -> None:
    recorder = RunRecorder(tmp_path / "runs", tmp_path)
    assert recorder.history() == []
    for run_id in ("20260102T000000000000Z-b", "20260101T000000000000Z-a"):
        recorder.record(run_id, {"seed": 1}, {}, {})
    (tmp_path / "runs" / "hand-edited").mkdir()
    (tmp_path / "runs" / "hand-edited" / "record.json").write_text("{", "utf-8")
    assert [r["run_id"] for r in recorder.history()] == [
        "20260101T000000000000Z-a",
        "20260102T000000000000Z-b",
    ]


def test_attach_keeps_a_later_file_with_the_run(tmp_path: Path) -> None:
    recorder = RunRecorder(tmp_path / "runs", tmp_path)
    recorder.record("run-1", {"seed": 1}, {}, {})
    page = tmp_path / "reports" / "evaluation.html"
    page.parent.mkdir()
    page.write_text("<html></html>", encoding="utf-8")
    recorder.attach(recorder.run_dir("run-1"), page)
    kept = recorder.run_dir("run-1") / "evaluation.html"
    assert kept.read_text(encoding="utf-8") == "<html></html>"


def test_scan_names_every_record_it_cannot_read(tmp_path: Path) -> None:
    """`runs` once left out a run whose record was damaged without a word."""
    recorder = RunRecorder(tmp_path / "runs", tmp_path)
    recorder.record("20260101T000000000000Z-a", {"seed": 1}, {}, {})
    damaged = tmp_path / "runs" / "20260102T000000000000Z-b" / "record.json"
    damaged.parent.mkdir()
    damaged.write_text('{"run_id": "20260102T', "utf-8")
    foreign = tmp_path / "runs" / "20260103T000000000000Z-c" / "record.json"
    foreign.parent.mkdir()
    foreign.write_text("[1, 2]", "utf-8")
    (tmp_path / "runs" / "20260104T000000000000Z-d").mkdir()  # cut short: no record
    nameless = tmp_path / "runs" / "20260105T000000000000Z-e" / "record.json"
    nameless.parent.mkdir()
    nameless.write_text('{"seed": 1}', "utf-8")
    records, unreadable = recorder.scan()
    assert [r["run_id"] for r in records] == ["20260101T000000000000Z-a"]
    assert len(unreadable) == 3
    assert unreadable[0].startswith(f"{damaged}: unreadable run record (")
    assert unreadable[1] == (
        f"{foreign}: unreadable run record (a JSON array, not an object)"
    )
    assert unreadable[2] == f"{nameless}: unreadable run record (no run_id)"
    assert all("\n" not in line for line in unreadable)


def test_a_promotion_is_written_as_done_only_after_the_rename(tmp_path: Path) -> None:
    recorder = RunRecorder(tmp_path / "runs", tmp_path)
    results = {"promoted": False, "promotion": "pending", "metrics": {}}
    path = recorder.record("run-1", {"seed": 1}, {}, results)
    assert json.loads(path.read_text(encoding="utf-8"))["promoted"] is False
    recorder.mark_promoted("run-1")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["promoted"] is True and record["promotion"] == "done"
    path.write_text("{", "utf-8")
    with pytest.raises(DataError, match="cannot read it back"):
        recorder.mark_promoted("run-1")
