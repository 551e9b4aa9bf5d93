"""The Pipeline's wiring of the stages, on small tables made here: a first run is
promoted, a second blessed, a worse one refused; bad data and skew stop a run before
anything is fitted; evaluate gates a saved model inside the production lock; predict
serves the saved model; tune searches the training rows only and run uses its best.
How a candidate is judged, recorded and released (the gate, damaged records, the
lock's races, the hash split, a search's resume) is research_guards' policy, tested
once in its own suite."""

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import LABEL
from conftest import ProjectFactory
from conftest import lock_is_taken
from conftest import write_project
from research_guards.config import DEFAULT_CONFIG
from research_guards.config import ModelConfig
from research_guards.config import OutputConfig
from research_guards.config import PipelineConfig
from research_guards.config import load_config
from research_guards.datatypes import Dataset
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import Trial
from research_guards.errors import AnomaliesFound
from research_guards.errors import ConfigError
from research_guards.errors import DataError
{%- if cookiecutter.experiment_tracking == "mlflow" %}
from research_guards.mlflow_tracking import MlflowRecorder
{%- endif %}
from research_guards.release import Release
from research_guards.sources import CsvSource
from research_guards.storage import load_artifact
from research_guards.storage import promote_release
from research_guards.tuner import Scorer
from research_guards.tuner import Tuner

{% if cookiecutter.experiment_tracking == "mlflow" -%}
from {{ cookiecutter.module_name }} import pipeline as pipeline_module
{% endif -%}
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.pipeline import Pipeline
from {{ cookiecutter.module_name }}.predictor import Predictor

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def production_bytes(config: PipelineConfig) -> dict[str, bytes]:
    """Everything the production link resolves to, for byte-for-byte comparison."""
    production = config.output.models / "production"
    return {path.name: path.read_bytes() for path in production.resolve().iterdir()}


def with_estimator(config: PipelineConfig, estimator: str) -> PipelineConfig:
    return replace(config, model=ModelConfig(estimator, {}))


def test_a_first_run_is_promoted_a_second_blessed_and_a_worse_one_refused(
    config: PipelineConfig,
) -> None:
    pipeline = Pipeline.from_config(config)
    first = pipeline.run()
    assert first.verdict.gate.rubber_stamp and first.verdict.gate.validation_ok
    assert first.release == config.output.models / first.run_id
    production = config.output.models / "production" / "model.joblib"
    assert production.read_bytes() == (first.run_dir / "model.joblib").read_bytes()
    record = read_json(first.run_dir / "record.json")
    assert record["run_id"] == first.run_id and record["promoted"] is True
    assert record["task"] == "classification" and record["experiment"] is False
    assert record["metrics"]["overall"] == first.metrics["overall"]
    assert list(record["data_hashes"]) == [str(config.data.train)]
    skew = record["data_checks"]["skew"]
    assert {check["feature"] for check in skew} == set(config.features.columns)
    majority = first.evaluation_rows.labels.value_counts(normalize=True).max()
    assert first.metrics["overall"]["accuracy"] > majority  # beats a constant guess
    assert {"overall", "site=east", "site=north", "site=south"} == set(first.metrics)

    # Serving answers as evaluation scored: the same artifact, the same answers.
    assert first.verdict.candidate is not None
    scored = first.verdict.candidate.predicted
    rows = CsvSource(config.data.train).read().loc[scored.index].drop(columns=[LABEL])
    served = Predictor(pipeline.production, pipeline.validator).predict(rows)
    pd.testing.assert_series_equal(served[f"predicted_{LABEL}"], scored)
    assert config.data.serving is not None
    predictions = pipeline.predict(config.data.serving)
    assert len(predictions) == len(CsvSource(config.data.serving).read())
    assert set(predictions[f"predicted_{LABEL}"]) <= {"a", "b", "c"}
    assert set(predictions["model_version"]) == {first.run_id}

    second = Pipeline.from_config(config).run()
    assert pd.DataFrame(first.metrics).equals(pd.DataFrame(second.metrics))
    assert not second.verdict.gate.rubber_stamp and second.verdict.baseline
    assert pd.DataFrame(second.verdict.baseline.metrics).equals(
        pd.DataFrame(first.metrics)
    )
    assert second.release == config.output.models / second.run_id

    before = production_bytes(config)
    dummy = with_estimator(config, "sklearn.dummy.DummyClassifier")
    refused = Pipeline.from_config(dummy).run()
    assert refused.release is None and not refused.verdict.gate.validation_ok
    assert production_bytes(config) == before
    assert (refused.run_dir / "model.joblib").is_file()  # kept for inspection
    failures = read_json(refused.run_dir / "validation.json")["failures"]
    assert {f["metric"] for f in failures["overall"]} == {"accuracy", "log_loss"}
    assert read_json(refused.run_dir / "record.json")["promoted"] is False


def test_regression_gets_its_metrics_and_serves_numbers(
    project: ProjectFactory,
) -> None:
    config = project("regression")
    pipeline = Pipeline.from_config(config)
    assert pipeline.config.task == "regression"  # from the schema's float label
    result = pipeline.run()
    overall = result.metrics["overall"]
    assert {"root_mean_squared_error", "mean_absolute_error", "r2"} < set(overall)
    assert overall["r2"] > 0.3 and "accuracy" not in overall
    assert "site=east" in result.metrics and result.release is not None
    assert config.data.serving is not None
    answers = pipeline.predict(config.data.serving)[f"predicted_{LABEL}"]
    assert answers.dtype == "float64" and answers.map(math.isfinite).all()


def test_a_binary_label_gets_the_binary_metrics(project: ProjectFactory) -> None:
    result = Pipeline.from_config(project("binary")).run()
    overall = result.metrics["overall"]
    binary = {"precision", "recall", "auc_precision_recall", "brier_score"}
    assert binary < set(overall)
    assert all(0 <= overall[name] <= 1 for name in binary)
    assert overall["auc_precision_recall"] > 0.6 and result.release is not None


def test_an_experiment_is_never_released_and_evaluate_gates_it_inside_the_lock(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judging against production and repointing it happen while the run (or the
    evaluation) holds models/.lock, which is let go afterwards; evaluate gates the
    saved model without retraining and promotes it only when asked."""
    seen: list[tuple[str, bool]] = []
    judge = Release.judge

    def judging(self: Release, *args: Any) -> Any:
        seen.append(("judge", lock_is_taken(config.output.models)))
        return judge(self, *args)

    def promoting(models: Path, *args: Any) -> Path:
        seen.append(("promote", lock_is_taken(models)))
        return promote_release(models, *args)

    monkeypatch.setattr(Release, "judge", judging)
    monkeypatch.setattr("research_guards.release.promote_release", promoting)
    pipeline = Pipeline.from_config(config)
    experiment = pipeline.run(promote=False)
    assert experiment.verdict.gate.validation_ok and experiment.release is None
    assert not (config.output.models / "production").exists()
    record = read_json(experiment.run_dir / "record.json")
    assert record["experiment"] is True and record["promoted"] is False
    trained = (experiment.run_dir / "model.joblib").read_bytes()
    gated = pipeline.evaluate(experiment.run_dir, promote=False)
    assert gated.verdict.gate.validation_ok and gated.release is None
    promoted = pipeline.evaluate(experiment.run_dir, promote=True)
    assert promoted.release is not None
    production = config.output.models / "production"
    assert production.resolve().name == experiment.run_id
    assert (production / "model.joblib").read_bytes() == trained  # not retrained
    assert seen == [("judge", True)] * 3 + [("promote", True)]
    assert not lock_is_taken(config.output.models)


def test_bad_data_stops_before_anything_is_written(
    config: PipelineConfig, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    text = config.data.train.read_text(encoding="utf-8")
    broken.write_text(text.replace("north", "atlantis"), encoding="utf-8")
    bad_config = replace(config, data=replace(config.data, train=broken))
    with pytest.raises(AnomaliesFound, match="nothing trained") as raised:
        Pipeline.from_config(bad_config).run()
    assert "site: ENUM_TYPE_UNEXPECTED_STRING_VALUES" in str(raised.value)
    assert not config.output.models.exists()
    assert not config.output.runs.exists()


class SortedSplit(DataLoader):
    """A split that puts the narrow rows in training and the wide ones in evaluation:
    the skew a broken split or a leaky join would cause."""

    def split(self, dataset: Dataset) -> tuple[Dataset, Dataset]:
        order = dataset.features["width"].sort_values().index
        cut = int(len(order) * (1 - self.test_fraction))
        train, test = order[:cut], order[cut:]
        return (
            Dataset(dataset.features.loc[train], dataset.labels.loc[train]),
            Dataset(dataset.features.loc[test], dataset.labels.loc[test]),
        )


def test_skew_between_training_and_evaluation_stops_the_run(
    config: PipelineConfig,
) -> None:
    judged = replace(config.validation, skew_threshold=0.5)
    pipeline = Pipeline.from_config(replace(config, validation=judged))
    loader = pipeline.loader
    pipeline.loader = SortedSplit(
        loader.label,
        loader.numeric,
        loader.categorical,
        loader.test_fraction,
        loader.task,
    )
    with pytest.raises(AnomaliesFound, match="width: Jensen-Shannon divergence"):
        pipeline.run()
    assert not config.output.models.exists()


def test_project_config_end_to_end(tmp_path: Path) -> None:
    """The one test of the project's own config and data, outputs under tmp_path.
    It asserts only what holds for any table, seed, model or threshold; an ensemble
    grows 10 trees here, not the config's many (the wiring is the point)."""
    shipped = load_config(PROJECT_ROOT / DEFAULT_CONFIG)
    output = OutputConfig(tmp_path / "models", tmp_path / "runs", tmp_path / "reports")
    params = shipped.model.params
    if "n_estimators" in params:
        params = params | {"n_estimators": 10}
    model = replace(shipped.model, params=params)
    pipeline = Pipeline.from_config(replace(shipped, output=output, model=model))
    result = pipeline.run()
    assert isinstance(result.verdict.gate.validation_ok, bool)
    assert (result.run_dir / "validation.json").is_file()
    record = read_json(result.run_dir / "record.json")
    assert record["run_id"] == result.run_id and record["task"] == pipeline.config.task
    assert record["promoted"] is (result.release is not None)
    training = CsvSource(shipped.data.train).read().drop(columns=[shipped.data.label])
    served = [training]
    if shipped.data.serving is not None:
        served.append(CsvSource(shipped.data.serving).read())
    candidate = Predictor(result.run_dir / "model.joblib", pipeline.validator)
    for rows in served:
        predictions = candidate.predict(rows)
        assert len(predictions) == len(rows)
        assert predictions[f"predicted_{shipped.data.label}"].notna().all()


TUNING = """
[tuning]
trials = 2
folds = 2
metric = "log_loss"

[tuning.space]
C = { type = "float", low = 0.1, high = 100.0, log = true }
"""


@pytest.fixture
def tuned(tmp_path: Path) -> Path:
    """The multiclass project's config with a [tuning] table of two trials."""
    path = write_project(tmp_path / "tuned", "multiclass")
    path.write_text(path.read_text(encoding="utf-8") + TUNING, encoding="utf-8")
    return path


class SpyTuner(Tuner):
    """Notes every row the search fits or scores on."""

    seen: set[Any] = set()

    def search(self, name: str, rows: Dataset, score: Scorer, *args: Any) -> Any:
        def spied(params: dict[str, Any], fit: Dataset, held: Dataset) -> float:
            self.seen |= set(fit.features.index) | set(held.features.index)
            self.seen |= set(fit.labels.index) | set(held.labels.index)
            return score(params, fit, held)

        return super().search(name, rows, spied, *args)


def test_tune_searches_the_training_rows_then_run_trains_with_the_best(
    tuned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The evaluation rows the gate judges by never choose the parameters; the run
    after the search trains with its best and records it; --untuned does not."""
    pipeline = Pipeline.from_config(load_config(tuned))
    assert pipeline.tuner is not None and pipeline.tuned() is None  # no search yet
    spy = SpyTuner(
        pipeline.tuner.config,
        pipeline.tuner.storage,
        pipeline.config.seed,
        "classification",
    )
    pipeline.tuner = spy
    search = pipeline.tune(print)
    assert "trial 2 of 2: #1 log_loss " in capsys.readouterr().out
    loader = pipeline.loader
    train, test = loader.split(loader.to_dataset(pipeline.source.read()))
    assert spy.seen == set(train.features.index)
    assert not spy.seen & set(test.features.index)

    result = pipeline.run()
    estimator = load_artifact(result.run_dir / "model.joblib").model[-1]
    assert estimator.get_params()["C"] == search.best.params["C"] != 10.0
    assert result.tuning == search
    tuning = read_json(result.run_dir / "record.json")["tuning"]
    assert tuning["study"] == search.study == pipeline.study()
    assert tuning["params"] == search.best.params and tuning["folds"] == 2
    assert tuning["cv_score"] == search.best.score
    untuned = pipeline.run(promote=False, use_tuned=False)
    assert untuned.tuning is None
    assert load_artifact(untuned.run_dir / "model.joblib").model[-1].C == 10.0


def switched(path: Path, estimator: str, params: str | None = None) -> PipelineConfig:
    """The config with another [model] estimator (and, if given, [model.params]),
    [tuning] left as written for the old one: the researcher's most common edit."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("sklearn.linear_model.LogisticRegression", estimator)
    if params is not None:
        text = text.replace("C = 10.0\n", params)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_a_space_that_does_not_fit_a_new_estimator_is_ignored_by_run_only(
    tuned: Path,
) -> None:
    """run trains with [model.params] and says in one line that the space is
    ignored; tune refuses it, naming the misfits of both tables at once."""
    tree = "sklearn.tree.DecisionTreeClassifier"
    pipeline = Pipeline.from_config(switched(tuned, tree))
    with pytest.raises(ConfigError) as raised:
        pipeline.tune(print)
    assert str(raised.value).startswith(
        f"[model.params] 'C' and [tuning.space] 'C' are not parameters of {tree}"
    )
    pipeline = Pipeline.from_config(switched(tuned, tree, "max_depth = 4\n"))
    assert pipeline.space_note() == (
        f"[tuning.space] does not fit {tree} (C is not a parameter of it): ignored, "
        "so run trains with [model.params] as written and tune refuses until the "
        "space is rewritten for it"
    )
    assert pipeline.tuned() is None
    with pytest.raises(ConfigError) as raised:
        pipeline.tune(print)
    message = str(raised.value)
    assert message.startswith(f"[tuning.space] 'C' is not a parameter of {tree}")
    assert "delete [tuning]" in message and "\n" not in message


def test_a_study_whose_best_params_do_not_fit_is_never_applied(
    tuned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a study of another estimator found under this config's name (only by a
    clash: the name includes the estimator), run trains with [model.params]."""
    pipeline = Pipeline.from_config(load_config(tuned))
    forest = Trial(0, "COMPLETE", 0.5, {"max_depth": 3})
    found = SearchSummary(
        pipeline.study(), "tuning.db", "log_loss", "", 2, (), forest, {}
    )
    assert pipeline.tuner is not None
    monkeypatch.setattr(pipeline.tuner, "summary", lambda name: found)
    assert pipeline.space_note() is None and pipeline.tuned() is None


def test_a_misspelt_training_path_is_one_line_before_the_study_is_looked_up(
    tuned: Path,
) -> None:
    """The study's name hashes the data: a missing file was FileNotFoundError's
    traceback from `run` (not from `run --untuned`, which never asks)."""
    text = tuned.read_text(encoding="utf-8")
    tuned.write_text(text.replace("table.csv", "tabel.csv"), encoding="utf-8")
    pipeline = Pipeline.from_config(load_config(tuned))
    with pytest.raises(DataError, match=r"tabel.csv: no such file") as raised:
        pipeline.run()
    assert "\n" not in str(raised.value)
    with pytest.raises(DataError, match=r"tabel.csv: no such file"):
        pipeline.tune(print)
{%- if cookiecutter.experiment_tracking == "mlflow" %}


def test_a_run_is_logged_to_mlflow_too(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one test with MLflow's store (conftest records JSON only elsewhere): the
    Pipeline's recorder logs each run under the project's experiment."""
    from mlflow import MlflowClient

    monkeypatch.setattr(pipeline_module, "MlflowRecorder", MlflowRecorder)
    pipeline = Pipeline.from_config(config)
    assert isinstance(pipeline.recorder, MlflowRecorder)
    result = pipeline.run()
    client = MlflowClient(tracking_uri=pipeline.recorder.tracking_uri)
    experiment = client.get_experiment_by_name("{{ cookiecutter.module_name }}")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == result.run_id
    assert run.data.tags["promoted"] == "True"
    overall = result.metrics["overall"]["accuracy"]
    assert run.data.metrics["overall/accuracy"] == overall
{%- endif %}
