"""The MLflow recorder logs the same record as the JSON one."""

import math
from pathlib import Path

from mlflow import MlflowClient

from research_guards.mlflow_tracking import MlflowRecorder


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
