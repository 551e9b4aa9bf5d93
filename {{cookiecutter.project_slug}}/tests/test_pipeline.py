import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.config import DataConfig
from {{ cookiecutter.module_name }}.config import ModelConfig
from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.errors import AnomaliesFound
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.pipeline import Pipeline
from {{ cookiecutter.module_name }}.predictor import Predictor


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
    assert record["metrics"]["overall"] == result.metrics["overall"]
    assert record["validation"] == read_json(result.run_dir / "validation.json")
    majority = config.data.train.read_text().count("Adelie") / 344
    overall = result.metrics["overall"]
    assert overall["accuracy"] > majority  # beats always guessing Adelie
    assert "island=Dream" in result.metrics and "sex=female" in result.metrics
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
    assert (config.output.reports / "validation.json").is_file()
    # The run's own verdict and folder stay as the run left them.
    assert not (first.run_dir / "evaluation.html").exists()
    assert read_json(first.run_dir / "validation.json")["rubber_stamp"] is True
    with pytest.raises(DataError, match="no such folder"):
        pipeline.evaluate(config.output.runs / "absent", promote=False)
    assert not (config.output.runs / "absent").exists()
    with pytest.raises(DataError, match="no model.joblib in it"):
        pipeline.evaluate(config.output.runs, promote=False)


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


def test_a_candidate_that_answers_wrongly_is_refused(
    config: PipelineConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = Pipeline.from_config(config)
    first = pipeline.run()
    before = production_bytes(config)

    def unknown_class(self: ModelArtifact, features: pd.DataFrame) -> "pd.Series[str]":
        return pd.Series("Atlantis penguin", index=features.index)

    monkeypatch.setattr(ModelArtifact, "predict", unknown_class)
    gated = pipeline.evaluate(first.run_dir, promote=True)
    (failure,) = gated.verdict.gate.failures
    assert failure.metric == "infra_validation"
    assert "['Atlantis penguin'] for 86 rows" in failure.message
    assert gated.release is None and production_bytes(config) == before


def test_a_damaged_production_model_stops_the_run_before_fitting(
    config: PipelineConfig,
) -> None:
    first = Pipeline.from_config(config).run()
    (config.output.models / "production" / "model.joblib").write_bytes(b"garbage")
    with pytest.raises(DataError, match="remove the link"):
        Pipeline.from_config(config).run()
    assert [path.name for path in config.output.runs.iterdir()] == [first.run_id]


def test_serving_predicts_what_evaluation_scored(config: PipelineConfig) -> None:
    """Evaluation and inference never diverge: the same artifact, the same answers."""
    pipeline = Pipeline.from_config(config)
    result = pipeline.run()
    frame = CsvSource(config.data.train).read()
    assert result.verdict.candidate is not None
    scored = result.verdict.candidate.predicted
    rows = frame.loc[scored.index].drop(columns=["species"])
    served = Predictor(pipeline.production, pipeline.validator).predict(rows)
    pd.testing.assert_series_equal(served["predicted_species"], scored)
    assert set(served["model_version"]) == {result.run_id}


def test_bad_data_stops_before_anything_is_written(
    config: PipelineConfig, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.csv"
    text = config.data.train.read_text(encoding="utf-8")
    broken.write_text(text.replace("Torgersen", "Atlantis"), encoding="utf-8")
    bad_config = replace(config, data=replace(config.data, train=broken))
    with pytest.raises(AnomaliesFound, match="nothing trained") as raised:
        Pipeline.from_config(bad_config).run()
    assert "island: ENUM_TYPE_UNEXPECTED_STRING_VALUES" in str(raised.value)
    assert not config.output.models.exists()
    assert not config.output.runs.exists()


def test_predict_serves_the_saved_model(config: PipelineConfig) -> None:
    pipeline = Pipeline.from_config(config)
    pipeline.run()
    rows = config.data.train.parent / "new_penguins.csv"
    predictions = pipeline.predict(rows)
    assert len(predictions) == 10
    assert predictions["predicted_species"].notna().all()


def test_schema_must_exist(config: PipelineConfig, tmp_path: Path) -> None:
    data = DataConfig(config.data.train, tmp_path / "absent.json", config.data.label)
    with pytest.raises(DataError, match="no such schema file"):
        Pipeline.from_config(replace(config, data=data))


def test_skew_between_training_and_evaluation_stops_the_run(
    config: PipelineConfig,
) -> None:
    strict = replace(config.validation, skew_threshold=0.0001)
    with pytest.raises(AnomaliesFound, match="training vs evaluation split"):
        Pipeline.from_config(replace(config, validation=strict)).run()
    assert not config.output.models.exists()


def test_infer_schema_refuses_to_overwrite(
    config: PipelineConfig, tmp_path: Path
) -> None:
    target = tmp_path / "schema" / "schema.json"
    fresh = replace(config, data=replace(config.data, schema=target))
    assert Pipeline.infer_schema(fresh, None, force=False) == target
    before = target.read_text(encoding="utf-8")
    with pytest.raises(DataError, match="pass --force"):
        Pipeline.infer_schema(fresh, None, force=False)
    assert Pipeline.infer_schema(fresh, None, force=True) == target
    assert target.read_text(encoding="utf-8") == before


def test_schema_and_config_must_agree_on_the_label(config: PipelineConfig) -> None:
    other = replace(config, data=replace(config.data, label="island"))
    with pytest.raises(ConfigError, match="inferred for 'species'"):
        Pipeline.from_config(other)
