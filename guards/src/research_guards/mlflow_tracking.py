"""MLflow's local store as a second home for each run record (the mlflow extra)."""

import json
import logging
import re
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from research_guards.tracking import RunRecorder


def flatten(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables as dotted keys: MLflow's params are flat."""
    flat: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict) and value:
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def metric_key(slice_name: str, metric: str) -> str:
    """MLflow allows letters, digits, _ - . space : and / in a metric name."""
    return re.sub(r"[^\w\-. :/]", "_", f"{slice_name}/{metric}")


class MlflowRecorder(RunRecorder):
    """Writes the JSON record as RunRecorder does, and logs the same to MLflow's local
    store: a SQLite file beside the runs folder, no server to start. Params are the
    config, metrics are per slice, tags hold the verdict, and the run folder (model,
    validation.json, record.json, evaluation.html) goes in as artifacts."""

    def __init__(self, runs_dir: Path, project_dir: Path, experiment: str) -> None:
        super().__init__(runs_dir, project_dir)
        self.experiment = experiment
        store = runs_dir.parent / "mlflow.db"
        self.tracking_uri = f"sqlite:///{store.as_posix()}"
        self.artifact_root = (runs_dir.parent / "mlartifacts").as_uri()

    def record(
        self,
        run_id: str,
        config: dict[str, Any],
        data_hashes: dict[str, str],
        results: dict[str, Any],
    ) -> Path:
        path = super().record(run_id, config, data_hashes, results)
        self._log(run_id, json.loads(path.read_text(encoding="utf-8")), path.parent)
        return path

    def attach(self, run_dir: Path, file: Path) -> None:
        super().attach(run_dir, file)
        for run in self._runs_named(run_dir.name):  # none before the record is
            client = self._client()  # logged (it logs the folder), or for `evaluate`
            client.log_artifact(run.info.run_id, str(file))

    def mark_promoted(self, run_id: str) -> None:
        super().mark_promoted(run_id)
        for run in self._runs_named(run_id):
            self._client().set_tag(run.info.run_id, "promoted", "True")

    def _runs_named(self, name: str) -> list[Any]:
        client = self._client()
        experiment = client.get_experiment_by_name(self.experiment)
        if experiment is None:
            return []  # nothing logged yet
        quoted = name.replace("'", "")
        return list(
            client.search_runs(
                [experiment.experiment_id],
                filter_string=f"attributes.run_name = '{quoted}'",
            )
        )

    def _client(self) -> Any:
        # Imported here: mlflow takes seconds to import, and only runs need it.
        from mlflow import MlflowClient

        logging.getLogger("mlflow").setLevel(logging.WARNING)
        return MlflowClient(tracking_uri=self.tracking_uri)

    def _log(self, run_id: str, record: dict[str, Any], run_dir: Path) -> None:
        from mlflow.entities import Metric
        from mlflow.entities import Param

        client = self._client()
        experiment = client.get_experiment_by_name(self.experiment)
        experiment_id = (
            experiment.experiment_id
            if experiment is not None
            else client.create_experiment(self.experiment, self.artifact_root)
        )
        validation = record.get("validation", {})
        tags = {
            "validation_ok": str(validation.get("validation_ok")),
            "rubber_stamp": str(validation.get("rubber_stamp")),
            "promoted": str(record.get("promoted")),
            "git_commit": str(record["git_commit"]),
        }
        run = client.create_run(experiment_id, run_name=run_id, tags=tags)
        stamp = int(datetime.now(UTC).timestamp() * 1000)
        metrics = [
            Metric(metric_key(slice_name, name), value, stamp, 0)
            for slice_name, values in record.get("metrics", {}).items()
            for name, value in values.items()
            # Not finite was written as null (and "<name>_undefined" says why): not
            # logged.
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        ]
        params = [
            Param(key, value if isinstance(value, str) else json.dumps(value))
            for key, value in flatten(record["config"]).items()
        ]
        client.log_batch(run.info.run_id, metrics=metrics, params=params)
        client.log_artifacts(run.info.run_id, str(run_dir))
        if record.get("tuning"):
            self._log_trials(client, experiment_id, run.info.run_id, record["tuning"])
        client.set_terminated(run.info.run_id)

    def _log_trials(
        self, client: Any, experiment_id: str, parent: str, tuning: dict[str, Any]
    ) -> None:
        """The search behind a tuned candidate, one child run per trial (its
        parameters and cross-validated score), so MLflow's UI compares them."""
        from mlflow.entities import Metric
        from mlflow.entities import Param

        client.set_tag(parent, "tuning_study", tuning["study"])
        client.set_tag(parent, "tuning_trial", str(tuning["trial"]))
        stamp = int(datetime.now(UTC).timestamp() * 1000)
        for trial in tuning["trials"]:
            tags = {
                "mlflow.parentRunId": parent,
                "tuning_study": tuning["study"],
                "chosen": str(trial["number"] == tuning["trial"]),
            }
            name = f"{tuning['study']} #{trial['number']}"
            child = client.create_run(experiment_id, run_name=name, tags=tags)
            metrics = []
            if trial["score"] is not None:  # a failed trial has no score
                key = f"cv_{tuning['metric']}"
                metrics.append(Metric(key, trial["score"], stamp, trial["number"]))
            params = [Param(key, str(value)) for key, value in trial["params"].items()]
            client.log_batch(child.info.run_id, metrics=metrics, params=params)
            status = "FINISHED" if trial["state"] == "COMPLETE" else "FAILED"
            client.set_terminated(child.info.run_id, status=status)
