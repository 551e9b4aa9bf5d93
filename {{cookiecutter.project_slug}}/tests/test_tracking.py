import json
{%- if cookiecutter.experiment_tracking == "mlflow" %}
import math
{%- endif %}
import subprocess
from pathlib import Path

import pytest
{%- if cookiecutter.experiment_tracking == "mlflow" %}
from mlflow import MlflowClient
{%- endif %}

from {{ cookiecutter.module_name }}.errors import DataError
{% if cookiecutter.experiment_tracking == "mlflow" -%}
from {{ cookiecutter.module_name }}.tracking import MlflowRecorder
{% endif -%}
from {{ cookiecutter.module_name }}.tracking import RunRecorder
from {{ cookiecutter.module_name }}.tracking import config_hash
from {{ cookiecutter.module_name }}.tracking import git_commit
from {{ cookiecutter.module_name }}.tracking import git_dirty
from {{ cookiecutter.module_name }}.tracking import package_versions


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
{%- if cookiecutter.experiment_tracking == "mlflow" %}


def test_mlflow_gets_the_same_record(tmp_path: Path) -> None:
    recorder = MlflowRecorder(tmp_path / "runs", tmp_path, experiment="tests")
    config = {"seed": 3, "model": {"estimator": "x", "params": {"n": 2}}}
    run_id = recorder.new_run_id(config)
    results = {
        "metrics": {
            # Undefined: written as null, with roc_auc_ovr_undefined saying why.
            "overall": {"accuracy": 0.75, "roc_auc_ovr": math.nan},
            "site=south, sex=female": {"accuracy": 0.5},
        },
        "validation": {"validation_ok": False, "rubber_stamp": True},
        "promoted": False,
    }
    recorder.record(run_id, config, {"data.csv": "abc"}, results)
    page = tmp_path / "evaluation.html"
    page.write_text("<html></html>", encoding="utf-8")
    recorder.attach(recorder.run_dir(run_id), page)
    recorder.attach(tmp_path / "not-a-run", page)  # nothing to log it to

    client = MlflowClient(tracking_uri=recorder.tracking_uri)
    experiment = client.get_experiment_by_name("tests")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == run_id
    assert run.data.params["model.estimator"] == "x"
    assert run.data.params["model.params.n"] == "2"
    assert run.data.metrics == {
        "overall/accuracy": 0.75,
        "site_south_ sex_female/accuracy": 0.5,
    }
    assert run.data.tags["validation_ok"] == "False"
    assert run.data.tags["promoted"] == "False"
    artifacts = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert artifacts == {"record.json", "evaluation.html"}
    recorder.mark_promoted(run_id)  # after the production link moved
    promoted = client.get_run(run.info.run_id)
    assert promoted.data.tags["promoted"] == "True"
    assert (tmp_path / "mlflow.db").is_file()


def test_mlflow_logs_the_trials_of_a_tuned_run_as_child_runs(tmp_path: Path) -> None:
    recorder = MlflowRecorder(tmp_path / "runs", tmp_path, experiment="tests")
    config = {"seed": 3}
    run_id = recorder.new_run_id(config)
    tuning = {
        "study": "tune-abc",
        "metric": "log_loss",
        "trial": 1,
        "trials": [
            {"number": 0, "state": "COMPLETE", "score": 0.3, "params": {"C": 0.1}},
            {"number": 1, "state": "COMPLETE", "score": 0.2, "params": {"C": 2.0}},
            {"number": 2, "state": "FAIL", "score": None, "params": {"C": 9.0}},
        ],
    }
    recorder.record(run_id, config, {}, {"tuning": tuning})

    client = MlflowClient(tracking_uri=recorder.tracking_uri)
    experiment = client.get_experiment_by_name("tests")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [run for run in runs if run.info.run_name == run_id]
    assert parent.data.tags["tuning_study"] == "tune-abc"
    assert parent.data.tags["tuning_trial"] == "1"
    children = {
        run.info.run_name: run
        for run in runs
        if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id
    }
    assert sorted(children) == ["tune-abc #0", "tune-abc #1", "tune-abc #2"]
    chosen = children["tune-abc #1"]
    assert chosen.data.params == {"C": "2.0"} and chosen.data.tags["chosen"] == "True"
    assert chosen.data.metrics == {"cv_log_loss": 0.2}
    assert children["tune-abc #2"].data.metrics == {}
    assert children["tune-abc #2"].info.status == "FAILED"
{%- endif %}
