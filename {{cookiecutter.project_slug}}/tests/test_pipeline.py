import json
from dataclasses import replace
from pathlib import Path

import pytest

from {{ cookiecutter.module_name }}.config import DataConfig
from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.errors import AnomaliesFound
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.pipeline import Pipeline


def test_a_run_saves_the_model_and_its_record(config: PipelineConfig) -> None:
    result = Pipeline.from_config(config).run()
    assert result.model_path == config.output.models / "model.joblib"
    assert result.model_path.is_file()
    record = json.loads(result.record_path.read_text(encoding="utf-8"))
    assert record["run_id"] == result.run_id
    assert record["metrics"] == result.metrics
    majority = config.data.train.read_text().count("Adelie") / 344
    assert result.metrics["accuracy"] > majority  # beats always guessing Adelie
    assert list(record["data_hashes"]) == [str(config.data.train)]
    skew = record["data_checks"]["skew"]
    assert {check["feature"] for check in skew} == set(config.features.columns)
    assert not any(check["fired"] for check in skew)


def test_two_runs_give_the_same_metrics(config: PipelineConfig) -> None:
    first = Pipeline.from_config(config).run()
    second = Pipeline.from_config(config).run()
    assert first.metrics == second.metrics


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
