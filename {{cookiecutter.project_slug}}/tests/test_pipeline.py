import errno
import json
import math
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import LABEL
from conftest import ProjectFactory
from conftest import lock_is_taken
from conftest import make_loader
from conftest import table
from conftest import train
from conftest import write_project
from research_guards import storage
from research_guards.config import DEFAULT_CONFIG
from research_guards.config import DataConfig
from research_guards.config import ModelConfig
from research_guards.config import OutputConfig
from research_guards.config import PipelineConfig
from research_guards.config import load_config
from research_guards.data_validation import Schema
from research_guards.datatypes import Dataset
from research_guards.datatypes import ModelArtifact
from research_guards.errors import AnomaliesFound
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.release import Release
from research_guards.sources import CsvSource
from research_guards.storage import load_artifact
from research_guards.storage import promote_release
from research_guards.storage import save_artifact
from research_guards.tuner import Scorer
from research_guards.tuner import Tuner

from {{ cookiecutter.module_name }}.cli import main
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


def test_the_first_run_is_a_rubber_stamp_and_is_promoted(
    config: PipelineConfig,
) -> None:
    result = Pipeline.from_config(config).run()
    assert result.verdict.gate.rubber_stamp and result.verdict.gate.validation_ok
    assert result.release == config.output.models / result.run_id
    production = config.output.models / "production" / "model.joblib"
    assert production.read_bytes() == (result.run_dir / "model.joblib").read_bytes()
    record = read_json(result.run_dir / "record.json")
    assert record["run_id"] == result.run_id and record["promoted"] is True
    assert record["task"] == "classification" and record["experiment"] is False
    assert record["metrics"]["overall"] == result.metrics["overall"]
    assert record["validation"] == read_json(result.run_dir / "validation.json")
    majority = result.evaluation_rows.labels.value_counts(normalize=True).max()
    assert result.metrics["overall"]["accuracy"] > majority  # beats the constant guess
    assert {"overall", "site=east", "site=north", "site=south"} == set(result.metrics)
    assert list(record["data_hashes"]) == [str(config.data.train)]
    skew = record["data_checks"]["skew"]
    assert {check["feature"] for check in skew} == set(config.features.columns)
    assert not any(check["fired"] for check in skew)


def test_two_runs_give_the_same_metrics_and_the_second_is_blessed(
    config: PipelineConfig,
) -> None:
    first = Pipeline.from_config(config).run()
    second = Pipeline.from_config(config).run()
    assert pd.DataFrame(first.metrics).equals(pd.DataFrame(second.metrics))
    assert not second.verdict.gate.rubber_stamp
    assert second.verdict.baseline is not None
    baseline = pd.DataFrame(second.verdict.baseline.metrics)
    assert baseline.equals(pd.DataFrame(first.metrics))
    assert second.release == config.output.models / second.run_id


def test_a_worse_candidate_is_refused_and_production_is_untouched(
    config: PipelineConfig,
) -> None:
    Pipeline.from_config(config).run()
    before = production_bytes(config)
    dummy = with_estimator(config, "sklearn.dummy.DummyClassifier")
    result = Pipeline.from_config(dummy).run()
    assert result.release is None and not result.verdict.gate.validation_ok
    assert production_bytes(config) == before
    assert (result.run_dir / "model.joblib").is_file()  # kept for inspection
    failures = read_json(result.run_dir / "validation.json")["failures"]
    assert {f["metric"] for f in failures["overall"]} == {"accuracy", "log_loss"}
    assert read_json(result.run_dir / "record.json")["promoted"] is False


def test_an_experiment_is_gated_and_recorded_but_never_released(
    config: PipelineConfig,
) -> None:
    Pipeline.from_config(config).run()
    before = production_bytes(config)
    link = (config.output.models / "production").resolve()
    result = Pipeline.from_config(config).run(promote=False)
    assert result.verdict.gate.validation_ok and result.release is None
    assert (config.output.models / "production").resolve() == link
    assert production_bytes(config) == before
    assert not (config.output.models / result.run_id).exists()
    assert read_json(result.run_dir / "validation.json")["validation_ok"] is True
    record = read_json(result.run_dir / "record.json")
    assert record["experiment"] is True and record["promoted"] is False


def test_regression_runs_end_to_end_and_refuses_a_constant_guess(
    project: ProjectFactory,
) -> None:
    config = project("regression")
    pipeline = Pipeline.from_config(config)
    assert pipeline.config.task == "regression"  # from the schema's float label
    result = pipeline.run()
    overall = result.metrics["overall"]
    assert {"mean_squared_error", "root_mean_squared_error", "mean_absolute_error"} < (
        set(overall)
    )
    assert {"r2", "calibration", "error_gap", "example_count"} < set(overall)
    assert overall["r2"] > 0.3 and "accuracy" not in overall
    assert "site=east" in result.metrics
    assert result.release == config.output.models / result.run_id
    rows = CsvSource(config.data.serving or config.data.train).read()
    served = Predictor(pipeline.production, pipeline.validator).predict(rows)
    answers = served[f"predicted_{LABEL}"]
    assert answers.dtype == "float64" and answers.map(math.isfinite).all()
    before = production_bytes(config)
    dummy = with_estimator(config, "sklearn.dummy.DummyRegressor")
    refused = Pipeline.from_config(dummy).run()
    assert refused.release is None
    failed = {f.metric for f in refused.verdict.gate.failures}
    assert failed == {"r2", "root_mean_squared_error"}
    assert production_bytes(config) == before


def test_a_binary_label_gets_the_binary_metrics(project: ProjectFactory) -> None:
    result = Pipeline.from_config(project("binary")).run()
    overall = result.metrics["overall"]
    binary = {"precision", "recall", "auc_precision_recall", "brier_score"}
    assert binary < set(overall)
    assert all(0 <= overall[name] <= 1 for name in binary)
    assert overall["auc_precision_recall"] > 0.6 and result.release is not None


def test_production_is_scored_on_its_own_features_when_the_candidate_drops_one(
    config: PipelineConfig,
) -> None:
    """The column is still in the data: production is the baseline, not refused."""
    first = Pipeline.from_config(config).run()
    numeric = tuple(name for name in config.features.numeric if name != "width")
    narrower = replace(config, features=replace(config.features, numeric=numeric))
    result = Pipeline.from_config(narrower).run()
    assert result.verdict.baseline is not None and not result.verdict.gate.rubber_stamp
    baseline = pd.DataFrame(result.verdict.baseline.metrics)
    assert baseline.equals(pd.DataFrame(first.metrics))
    candidate = load_artifact(result.run_dir / "model.joblib")
    assert "width" not in candidate.feature_names
    assert "width" in load_artifact(first.run_dir / "model.joblib").feature_names


def test_a_production_model_needing_a_column_the_data_lost_stops_the_run(
    config: PipelineConfig, tmp_path: Path
) -> None:
    Pipeline.from_config(config).run()
    frame = CsvSource(config.data.train).read().drop(columns=["width"])
    frame.to_csv(tmp_path / "narrow.csv", index=False)
    Schema.infer_from(frame, LABEL).write(tmp_path / "narrow.json")
    numeric = tuple(name for name in config.features.numeric if name != "width")
    narrower = replace(
        config,
        data=replace(
            config.data, train=tmp_path / "narrow.csv", schema=tmp_path / "narrow.json"
        ),
        features=replace(config.features, numeric=numeric),
    )
    with pytest.raises(DataError, match=r"needs columns \['width'\]"):
        Pipeline.from_config(narrower).run()


def test_runs_judge_and_promote_inside_the_production_lock(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs at once take turns (storage's own test shows a second process
    waiting): judging against production and repointing it both happen while this
    run holds the lock, for run and evaluate alike, and it is let go afterwards."""
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
    first = pipeline.run()
    pipeline.evaluate(first.run_dir, promote=True)
    assert seen == [("judge", True), ("promote", True)] * 2
    assert not lock_is_taken(config.output.models)


def test_evaluate_gates_a_saved_model_without_retraining(
    config: PipelineConfig,
) -> None:
    pipeline = Pipeline.from_config(config)
    first = pipeline.run()
    refused = Pipeline.from_config(
        with_estimator(config, "sklearn.dummy.DummyClassifier")
    ).run()
    gated = pipeline.evaluate(refused.run_dir, promote=True)
    assert gated.release is None and not gated.verdict.gate.validation_ok
    gated = pipeline.evaluate(first.run_dir, promote=False)
    assert gated.verdict.gate.validation_ok and gated.release is None
    assert pipeline.write_report(gated) == config.output.reports / "evaluation.html"
    assert (config.output.reports / "evaluation.html").is_file()
    assert (config.output.reports / "validation.json").is_file()
    # The run's own verdict and folder stay as the run left them.
    assert not (first.run_dir / "evaluation.html").exists()
    assert read_json(first.run_dir / "validation.json")["rubber_stamp"] is True
    with pytest.raises(DataError, match="no such folder"):
        pipeline.evaluate(config.output.runs / "absent", promote=False)
    assert not (config.output.runs / "absent").exists()
    with pytest.raises(DataError, match="no model.joblib in it"):
        pipeline.evaluate(config.output.runs, promote=False)


def test_the_report_draws_a_categorical_feature_with_missing_values(
    tmp_path: Path,
) -> None:
    frame = table("multiclass", 240, missing_sites=True)  # 3 of them held out
    config = load_config(write_project(tmp_path / "gaps", "multiclass", frame))
    pipeline = Pipeline.from_config(config)
    result = pipeline.run()
    assert result.evaluation_rows.features["site"].isna().any()
    assert pipeline.write_report(result) == config.output.reports / "evaluation.html"


def test_a_candidate_that_cannot_be_served_is_refused(config: PipelineConfig) -> None:
    pipeline = Pipeline.from_config(config)
    first = pipeline.run()
    before = production_bytes(config)
    (first.run_dir / "model.joblib").write_bytes(b"truncated")
    gated = pipeline.evaluate(first.run_dir, promote=True)
    assert gated.release is None and gated.verdict.candidate is None
    (failure,) = gated.verdict.gate.failures
    assert failure.metric == "infra_validation"
    assert "cannot be served" in failure.message
    assert production_bytes(config) == before
    assert pipeline.write_report(gated) is None


def test_serving_predicts_what_evaluation_scored(config: PipelineConfig) -> None:
    """Evaluation and inference never diverge: the same artifact, the same answers."""
    pipeline = Pipeline.from_config(config)
    result = pipeline.run()
    frame = CsvSource(config.data.train).read()
    assert result.verdict.candidate is not None
    scored = result.verdict.candidate.predicted
    rows = frame.loc[scored.index].drop(columns=[LABEL])
    served = Predictor(pipeline.production, pipeline.validator).predict(rows)
    pd.testing.assert_series_equal(served[f"predicted_{LABEL}"], scored)
    assert set(served["model_version"]) == {result.run_id}


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


def test_predict_serves_the_saved_model(config: PipelineConfig) -> None:
    pipeline = Pipeline.from_config(config)
    pipeline.run()
    assert config.data.serving is not None
    predictions = pipeline.predict(config.data.serving)
    assert len(predictions) == len(CsvSource(config.data.serving).read())
    assert set(predictions[f"predicted_{LABEL}"]) <= {"a", "b", "c"}


def test_schema_must_exist(config: PipelineConfig, tmp_path: Path) -> None:
    data = DataConfig(config.data.train, tmp_path / "absent.json", config.data.label)
    with pytest.raises(DataError, match="no such schema file"):
        Pipeline.from_config(replace(config, data=data))


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


def held(result: Any) -> set[Any]:
    return set(result.evaluation_rows.features.index)


def test_a_new_seed_or_appended_rows_keep_the_same_rows_held_out(
    config: PipelineConfig,
) -> None:
    """Issue 22: a seed change moved the evaluation split, so production was judged
    on rows it had trained on. The seed now seeds the estimator only."""
    first = Pipeline.from_config(config).run()
    reseeded = Pipeline.from_config(replace(config, seed=4)).run()
    assert held(reseeded) == held(first) and reseeded.verdict.baseline is not None
    assert reseeded.verdict.rows_note == ""
    frame = CsvSource(config.data.train).read()
    more = table("multiclass", 60, seed=8)
    pd.concat([frame, more], ignore_index=True).to_csv(config.data.train, index=False)
    grown = Pipeline.from_config(replace(config, seed=5)).run()
    assert held(grown) & set(frame.index) == held(first)
    assert held(grown) - set(frame.index)  # new rows are held out too
    assert grown.verdict.rows_note == ""
    for result in (first, reseeded):
        trained = load_artifact(result.run_dir / "model.joblib").training_rows
        rows = grown.evaluation_rows.rows
        assert trained is not None and rows is not None
        assert not rows.among(trained).any()


def test_a_production_trained_on_evaluation_rows_is_judged_only_on_the_others(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A wider test_fraction holds out rows the production model trained on: both
    models are judged on the others, and the run says so in one line."""
    config = load_config(config_path)
    first = Pipeline.from_config(config).run()
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace("test_fraction = 0.25", "test_fraction = 0.4"))
    pipeline = Pipeline.from_config(load_config(config_path))
    result = pipeline.run(promote=False)
    trained = load_artifact(first.run_dir / "model.joblib").training_rows
    rows = result.evaluation_rows.rows
    assert trained is not None and rows is not None
    seen = rows.among(trained)
    total, left = len(seen), int((~seen).sum())
    note = (
        f"production trained on {seen.sum()} of {total} evaluation rows; "
        f"both judged on the {left} others"
    )
    assert 0 < seen.sum() < total and left >= 20
    assert read_json(result.run_dir / "record.json")["judged_rows"] == note
    verdict = result.verdict
    assert verdict.rows_note == note and verdict.baseline and verdict.candidate
    unseen = set(result.evaluation_rows.features.index[~seen])
    assert set(verdict.baseline.predicted.index) == unseen
    assert verdict.candidate.metrics["overall"]["example_count"] == left
    assert verdict.baseline.metrics["overall"]["example_count"] == left
    assert pipeline.write_report(result) is not None  # the page draws those rows
    monkeypatch.setattr(Pipeline, "write_report", lambda self, result: None)
    assert main(["run", "--config", str(config_path)]) in (0, 1)
    assert note in capsys.readouterr().out.splitlines()
    # A candidate trained under the old split is judged on rows neither saw.
    old = pipeline.evaluate(first.run_dir, promote=False)
    assert old.verdict.rows_note.startswith(f"candidate trained on {seen.sum()} of")


def install_production(config: PipelineConfig, artifact: ModelArtifact) -> None:
    path = config.output.runs / "older" / "model.joblib"
    save_artifact(path, artifact)
    promote_release(config.output.models, path, "older")


def test_too_few_rows_neither_model_trained_on_stops_the_run_before_fitting(
    config: PipelineConfig,
) -> None:
    """A production model trained under test_fraction 0.05 has seen most of the rows
    0.25 holds out: what is left cannot tell two models apart."""
    narrow = make_loader(
        replace(config, split=replace(config.split, test_fraction=0.05))
    )
    rows, _ = narrow.split(narrow.to_dataset(CsvSource(config.data.train).read()))
    install_production(config, train(config, rows))
    before = production_bytes(config)
    with pytest.raises(DataError) as raised:
        Pipeline.from_config(config).run()
    message = str(raised.value)
    assert re.fullmatch(
        r"production trained on \d+ of \d+ evaluation rows; the \d+ others are too "
        r"few to judge by \(fewer than 20\): to start a new line of models, remove "
        r"the link .*models/production \(its release folder stays\)",
        message,
    )
    assert production_bytes(config) == before
    assert sorted(path.name for path in config.output.runs.iterdir()) == ["older"]


def test_a_production_split_by_other_columns_is_matched_by_its_own(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    """Production named its rows by every column; a key now names them by one: its
    training rows are found among the new evaluation rows by its own columns."""
    production = train(config, split[0])
    install_production(config, production)
    by_width = replace(config, split=replace(config.split, key="width"))
    loader = make_loader(by_width)
    _, test = loader.split(loader.to_dataset(CsvSource(config.data.train).read()))
    seen = len(set(test.features.index) & set(split[0].features.index))
    with pytest.raises(DataError) as raised:
        Pipeline.from_config(by_width).run()
    assert str(raised.value).startswith(
        f"production trained on {seen} of {len(test)} evaluation rows; "
        f"the {len(test) - seen} others are too few"
    )
    trained = production.training_rows
    assert trained is not None
    gone = replace(production, training_rows=replace(trained, columns=("gone",)))
    install_production(config, gone)
    result = Pipeline.from_config(config).run(promote=False)
    assert result.verdict.rows_note.startswith(
        "production's training rows are unknown (the data has no column ['gone'])"
    )


def test_schema_and_config_must_agree_on_the_label(config: PipelineConfig) -> None:
    other = replace(config, data=replace(config.data, label="site"))
    with pytest.raises(ConfigError, match=f"inferred for '{LABEL}'"):
        Pipeline.from_config(other)


def test_project_config_end_to_end(tmp_path: Path) -> None:
    """The one test of the project's own config and data, outputs under tmp_path.
    It asserts only what holds for any table, seed, model or threshold."""
    shipped = load_config(PROJECT_ROOT / DEFAULT_CONFIG)
    output = OutputConfig(tmp_path / "models", tmp_path / "runs", tmp_path / "reports")
    pipeline = Pipeline.from_config(replace(shipped, output=output))
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


TUNING = {
    "multiclass": """
[tuning]
trials = 3
folds = 3
metric = "log_loss"

[tuning.space]
C = { type = "float", low = 0.1, high = 100.0, log = true }
""",
    "regression": """
[tuning]
trials = 2
folds = 3
metric = "root_mean_squared_error"

[tuning.space]
max_depth = { type = "int", low = 2, high = 6 }
""",
}


def tuned_project(root: Path, kind: str = "multiclass", space: str = "") -> Path:
    """A project of the kind with a [tuning] table (`space` replaces its space)."""
    path = write_project(root, kind)
    tuning = TUNING[kind]
    if space:
        tuning = tuning.split("[tuning.space]")[0] + f"[tuning.space]\n{space}\n"
    path.write_text(path.read_text(encoding="utf-8") + tuning, encoding="utf-8")
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


def test_the_search_never_sees_the_evaluation_rows(tmp_path: Path) -> None:
    pipeline = Pipeline.from_config(load_config(tuned_project(tmp_path)))
    assert pipeline.tuner is not None
    spy = SpyTuner(
        pipeline.tuner.config,
        pipeline.tuner.storage,
        pipeline.config.seed,
        "classification",
    )
    pipeline.tuner = spy
    pipeline.tune(print)
    loader = pipeline.loader
    train, test = loader.split(loader.to_dataset(pipeline.source.read()))
    assert spy.seen == set(train.features.index)
    assert not spy.seen & set(test.features.index)


def test_two_searches_with_the_same_seed_choose_the_same_parameters(
    tmp_path: Path,
) -> None:
    first, second = (
        Pipeline.from_config(load_config(tuned_project(tmp_path / name))).tune(print)
        for name in ("first", "second")
    )
    assert first.best == second.best and first.trials == second.trials
    assert len({trial.params["C"] for trial in first.trials}) == 3


def test_run_trains_the_candidate_with_the_best_parameters_and_records_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(tuned_project(tmp_path))
    pipeline = Pipeline.from_config(config)
    assert pipeline.tuned() is None  # no search yet: [model.params] as written
    untouched = pipeline.run()
    assert read_json(untouched.run_dir / "record.json")["tuning"] is None
    search = pipeline.tune(print)
    assert "trial 3 of 3: #2 log_loss " in capsys.readouterr().out
    result = pipeline.run()
    estimator = load_artifact(result.run_dir / "model.joblib").model[-1]
    assert estimator.get_params()["C"] == search.best.params["C"] != 10.0
    tuning = read_json(result.run_dir / "record.json")["tuning"]
    assert tuning["study"] == search.study == pipeline.study()
    assert tuning["trial"] == search.best.number
    assert tuning["params"] == search.best.params
    assert tuning["cv_score"] == search.best.score and tuning["folds"] == 3
    assert [trial["number"] for trial in tuning["trials"]] == [0, 1, 2]
    assert result.tuning == search and not result.verdict.gate.rubber_stamp
    untuned = pipeline.run(use_tuned=False)
    assert load_artifact(untuned.run_dir / "model.joblib").model[-1].C == 10.0
    assert "Hyperparameter search" in (
        pipeline.write_report(result) or Path()
    ).read_text(encoding="utf-8")


def test_a_bigger_budget_resumes_the_same_study(tmp_path: Path) -> None:
    config = load_config(tuned_project(tmp_path))
    first = Pipeline.from_config(config).tune(print)
    assert config.tuning is not None
    more = replace(config, tuning=replace(config.tuning, trials=5, timeout_seconds=60))
    resumed = Pipeline.from_config(more).tune(print)
    assert resumed.study == first.study
    assert [trial.number for trial in resumed.trials] == [0, 1, 2, 3, 4]
    other = replace(config, seed=4)
    assert Pipeline.from_config(other).study() != first.study


def test_a_tuned_candidate_worse_than_production_is_refused(tmp_path: Path) -> None:
    config = load_config(tuned_project(tmp_path, space="C = { choices = [1e-5] }"))
    pipeline = Pipeline.from_config(config)
    assert pipeline.run(use_tuned=False).release is not None
    before = production_bytes(config)
    pipeline.tune(print)
    result = pipeline.run()
    assert result.tuning is not None and result.tuning.best.params == {"C": 1e-5}
    assert not result.verdict.gate.validation_ok and result.release is None
    assert production_bytes(config) == before
    record = read_json(result.run_dir / "record.json")
    assert record["promoted"] is False and record["tuning"]["params"] == {"C": 1e-5}


FOREST = """\
[model]
estimator = "sklearn.ensemble.RandomForestClassifier"

[model.params]
n_estimators = 10
max_depth = 4

[tuning]
trials = 1
folds = 2
metric = "accuracy"

[tuning.space]
n_estimators = { type = "int", low = 5, high = 20 }
max_depth = { type = "int", low = 2, high = 4 }
min_samples_leaf = { type = "int", low = 1, high = 5 }
max_features = { choices = ["sqrt", "log2"] }
"""


def switched(path: Path, estimator: str, params: str = "") -> Path:
    """The forest project's config with another [model] estimator (and, if given,
    [model.params]), [tuning] left as written for the forest: the researcher's
    most common edit."""
    text = path.read_text(encoding="utf-8")
    text = text.replace("sklearn.ensemble.RandomForestClassifier", estimator)
    if params:
        text = text.replace("n_estimators = 10\nmax_depth = 4\n", params)
    edited = path.with_name(f"{estimator.rsplit('.', 1)[1]}.toml")
    edited.write_text(text, encoding="utf-8")
    return edited


@pytest.fixture
def forest(tmp_path: Path) -> Path:
    """A multiclass project of hand-made rows whose model is a tuned forest."""
    path = write_project(tmp_path, "multiclass")
    text = path.read_text(encoding="utf-8")
    model = text[text.index("[model]") : text.index("[output]")]
    path.write_text(text.replace(model, FOREST + "\n"), encoding="utf-8")
    return path


def test_forest_params_on_a_linear_model_are_all_named_in_one_line(
    forest: Path,
) -> None:
    """Three runs to switch to LogisticRegression (one refusal per parameter):
    now one names them all, and the forest's space is not what stops it."""
    pipeline = Pipeline.from_config(
        load_config(switched(forest, "sklearn.linear_model.LogisticRegression"))
    )
    with pytest.raises(ConfigError) as raised:
        pipeline.run()
    assert str(raised.value).startswith(
        "[model.params] 'n_estimators', 'max_depth' are not parameters of "
        "sklearn.linear_model.LogisticRegression: its parameters are C, "
    )
    with pytest.raises(ConfigError) as raised:
        pipeline.tune(print)
    assert str(raised.value).startswith(
        "[model.params] 'n_estimators', 'max_depth' and [tuning.space] "
        "'n_estimators', 'max_depth', 'min_samples_leaf', 'max_features' are not "
        "parameters of sklearn.linear_model.LogisticRegression: its parameters are C"
    )


def test_a_space_that_does_not_fit_a_new_estimator_is_ignored_by_run_only(
    forest: Path,
) -> None:
    """run trains with [model.params] and says in one line that the space is
    ignored, naming every misfit; tune refuses it, naming them all too; a finished
    study of the forest is never applied to the linear model."""
    searched = Pipeline.from_config(load_config(forest))
    forest_study = searched.tune(print)
    assert searched.space_note() is None and searched.tuned() == forest_study
    path = switched(
        forest, "sklearn.linear_model.LogisticRegression", "C = 2.0\nmax_iter = 500\n"
    )
    pipeline = Pipeline.from_config(load_config(path))
    note = pipeline.space_note()
    assert note == (
        "[tuning.space] does not fit sklearn.linear_model.LogisticRegression "
        "(n_estimators, max_depth, min_samples_leaf, max_features are not "
        "parameters of it): ignored, so run trains with [model.params] as written "
        "and tune refuses until the space is rewritten for it"
    )
    result = pipeline.run()
    assert result.tuning is None and result.verdict.gate.validation_ok
    estimator = load_artifact(result.run_dir / "model.joblib").model[-1]
    assert (type(estimator).__name__, estimator.C) == ("LogisticRegression", 2.0)
    with pytest.raises(ConfigError) as raised:
        pipeline.tune(print)
    message = str(raised.value)
    assert message.startswith(
        "[tuning.space] 'n_estimators', 'max_depth', 'min_samples_leaf', "
        "'max_features' are not parameters of sklearn.linear_model.Logistic"
    )
    assert "delete [tuning]" in message and "\n" not in message
    assert pipeline.study() != forest_study.study  # the estimator names the study


def test_a_study_whose_best_params_do_not_fit_is_never_applied(
    forest: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were a study of the forest found under the linear model's name (the name
    includes the estimator, so only by a clash), its parameters are not used."""
    forest_study = Pipeline.from_config(load_config(forest)).tune(print).study
    path = switched(forest, "sklearn.linear_model.LogisticRegression", "C = 2.0\n")
    text = path.read_text(encoding="utf-8")
    space = text[text.index("[tuning.space]") : text.index("[output]")]
    fitting = '[tuning.space]\nC = { type = "float", low = 0.1, high = 10.0 }\n\n'
    path.write_text(text.replace(space, fitting), encoding="utf-8")
    pipeline = Pipeline.from_config(load_config(path))
    assert pipeline.space_note() is None
    monkeypatch.setattr(Pipeline, "study", lambda self: forest_study)
    assert pipeline.tuner is not None and pipeline.tuner.summary(forest_study)
    assert pipeline.tuned() is None
    assert pipeline.run().tuning is None


def test_a_forest_switched_to_gradient_boosting_runs_and_tunes_as_written(
    forest: Path,
) -> None:
    """Parameters and space that fit the new estimator: nothing to say."""
    path = switched(forest, "sklearn.ensemble.GradientBoostingClassifier")
    pipeline = Pipeline.from_config(load_config(path))
    assert pipeline.space_note() is None and pipeline.tuned() is None
    untuned = pipeline.run(promote=False)
    built = load_artifact(untuned.run_dir / "model.joblib").model[-1]
    assert type(built).__name__ == "GradientBoostingClassifier"
    assert built.get_params()["n_estimators"] == 10
    search = pipeline.tune(print)
    result = pipeline.run(promote=False)
    assert result.tuning is not None and result.tuning.study == search.study
    tuned = load_artifact(result.run_dir / "model.joblib").model[-1]
    assert tuned.get_params()["max_depth"] == search.best.params["max_depth"]


def test_a_misspelt_training_path_is_one_line_before_the_study_is_looked_up(
    forest: Path,
) -> None:
    """The study's name hashes the data: a missing file raised FileNotFoundError's
    traceback from `run` (not from `run --untuned`, which never asks)."""
    text = forest.read_text(encoding="utf-8")
    forest.write_text(text.replace("table.csv", "tabel.csv"), encoding="utf-8")
    pipeline = Pipeline.from_config(load_config(forest))
    with pytest.raises(DataError, match=r"tabel.csv: no such file") as raised:
        pipeline.run()
    assert "\n" not in str(raised.value)
    with pytest.raises(DataError, match=r"tabel.csv: no such file"):
        pipeline.tune(print)


def test_tune_needs_a_tuning_table(config: PipelineConfig) -> None:
    with pytest.raises(ConfigError, match=r"no \[tuning\] table"):
        Pipeline.from_config(config).tune(print)


def test_regression_is_tuned_and_gated(tmp_path: Path) -> None:
    pipeline = Pipeline.from_config(load_config(tuned_project(tmp_path, "regression")))
    search = pipeline.tune(print)
    assert search.metric == "root_mean_squared_error"
    assert search.best.score == min(t.score for t in search.trials if t.score)
    result = pipeline.run()
    assert result.tuning == search
    estimator = load_artifact(result.run_dir / "model.joblib").model[-1]
    assert estimator.max_depth == search.best.params["max_depth"]


def _fail_at(
    monkeypatch: pytest.MonkeyPatch, config: PipelineConfig, name: str, where: str
) -> list[str]:
    """Make one step fail with ENOSPC; returns the steps taken, in order."""
    taken: list[str] = []
    write = storage._write_atomically
    rename = os.replace

    def folder(path: Path) -> str:
        parent = path.parent
        if parent == config.output.reports:
            return "reports"
        if parent.parent == config.output.models:
            return "release"
        return "run" if parent.parent == config.output.runs else "other"

    def writing(path: Path, writer: Any) -> None:
        step = f"{path.name}@{folder(path)}"
        taken.append(step)
        if step == f"{name}@{where}":
            path.parent.mkdir(parents=True, exist_ok=True)  # as a real write would
            raise DataError(f"{path}: cannot write (No space left on device)")
        write(path, writer)

    def renaming(source: Any, target: Any) -> None:
        if Path(target).name == "production":
            taken.append("rename@models")
            if name == "rename":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        rename(source, target)

    monkeypatch.setattr(storage, "_write_atomically", writing)
    monkeypatch.setattr(os, "replace", renaming)
    return taken


def test_promotion_comes_after_the_record_the_verdict_and_the_page(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _fail_at(monkeypatch, config, "none", "none")
    result = Pipeline.from_config(config).run(report=True)
    assert result.release is not None and result.report is not None
    assert taken == [
        "model.joblib@run",  # the candidate, before judging
        "validation.json@run",
        "evaluation.html@reports",
        "evaluation.html@run",
        "record.json@run",  # promotion "pending"
        "model.joblib@release",
        "rename@models",
        "record.json@run",  # promoted
    ]
    record = read_json(result.run_dir / "record.json")
    assert record["promoted"] is True and record["promotion"] == "done"


def test_a_failed_rename_is_recorded_as_failed_not_pending(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_at(monkeypatch, config, "rename", "models")
    with pytest.raises(DataError, match="production is unchanged"):
        Pipeline.from_config(config).run()
    monkeypatch.undo()
    (path,) = config.output.runs.glob("*/record.json")
    record = read_json(path)
    assert record["promoted"] is False and record["promotion"] == "failed"
    assert "production is unchanged" in record["failed"]
    assert not (config.output.models / "production").exists()


def test_a_dangling_production_link_is_an_error_not_a_first_run(
    config: PipelineConfig, tmp_path: Path
) -> None:
    first = Pipeline.from_config(config).run()
    release = config.output.models / first.run_id
    release.rename(tmp_path / "moved")
    with pytest.raises(DataError, match="ln -sfn") as raised:
        Pipeline.from_config(config).run()
    assert "\n" not in str(raised.value) and "holds no model.joblib" in str(
        raised.value
    )
    assert [path.name for path in config.output.runs.iterdir()] == [first.run_id]
    with pytest.raises(DataError, match="ln -sfn"):
        Pipeline.from_config(config).predict(config.data.serving or Path())
    assert os.readlink(config.output.models / "production") == first.run_id


def test_a_production_folder_stops_a_promoting_run_before_fitting(
    config: PipelineConfig,
) -> None:
    production = config.output.models / "production"
    production.mkdir(parents=True)
    with pytest.raises(DataError, match="real folder, not a link") as raised:
        Pipeline.from_config(config).run()
    assert "\n" not in str(raised.value)
    assert not config.output.runs.exists() or not any(config.output.runs.iterdir())
    assert sorted(p.name for p in config.output.models.iterdir()) == ["production"]
    experiment = Pipeline.from_config(config).run(promote=False)  # never repoints
    assert experiment.release is None and production.is_dir()


def test_a_run_whose_data_changed_under_it_is_not_promoted(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run read one table; by the time it would promote, the file is another
    (an adopt, or rows appended): its model is not released."""
    pipeline = Pipeline.from_config(config)
    train = pipeline.trainer.train

    def appending(*args: Any) -> Any:
        trained = train(*args)
        with config.data.train.open("a", encoding="utf-8") as data:
            data.write(config.data.train.read_text(encoding="utf-8").splitlines()[1])
            data.write("\n")
        return trained

    monkeypatch.setattr(pipeline.trainer, "train", appending)
    result = pipeline.run()
    assert result.verdict.gate.validation_ok and result.release is None
    assert result.withheld == f"{config.data.train} changed during the run"
    assert not (config.output.models / "production").exists()
    record = read_json(result.run_dir / "record.json")
    assert record["promotion"] == "withheld" and record["promoted"] is False


def test_a_run_whose_config_changed_under_it_is_not_promoted(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_config(config_path)
    pipeline = Pipeline.from_config(loaded).watch(config_path, loaded)
    train = pipeline.trainer.train

    def editing(*args: Any) -> Any:
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(text.replace("seed = 3", "seed = 4"), encoding="utf-8")
        return train(*args)

    monkeypatch.setattr(pipeline.trainer, "train", editing)
    result = pipeline.run()
    assert result.release is None
    assert result.withheld == f"{config_path} changed during the run"
    assert not (loaded.output.models / "production").exists()
    unchanged = Pipeline.from_config(loaded).watch(
        config_path, load_config(config_path)
    )
    assert unchanged.run().release is not None  # the config as it is now: promoted


def test_runs_names_a_damaged_record_and_lists_the_rest(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_config(config_path)
    first = Pipeline.from_config(config).run()
    second = Pipeline.from_config(config).run(promote=False)
    (second.run_dir / "record.json").write_text('{"run_id": "cut', encoding="utf-8")
    assert main(["runs", "--config", str(config_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"left out {second.run_dir / 'record.json'}: unreadable run record "
        "(Unterminated string starting at: line 1 column 12 (char 11))"
    ]
    assert first.run_id in captured.out and second.run_id not in captured.out
