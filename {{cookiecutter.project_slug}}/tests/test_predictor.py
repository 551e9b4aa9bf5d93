from pathlib import Path

import pandas as pd
import pytest
from conftest import LABEL
from research_guards.config import PipelineConfig
from research_guards.data_validation import DataValidator
from research_guards.datatypes import Anomaly
from research_guards.datatypes import Dataset
from research_guards.datatypes import Environment
from research_guards.datatypes import ModelArtifact
from research_guards.errors import DataError
from research_guards.storage import save_artifact
from sklearn.ensemble import RandomForestClassifier

from {{ cookiecutter.module_name }}.predictor import Predictor
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer


@pytest.fixture
def model_path(tmp_path: Path, artifact: ModelArtifact) -> Path:
    path = tmp_path / "model.joblib"
    save_artifact(path, artifact)
    return path


def test_predicts_serving_rows(
    model_path: Path, validator: DataValidator, sample: pd.DataFrame
) -> None:
    rows = sample.drop(columns=[LABEL]).head(20)
    predictions = Predictor(model_path, validator).predict(rows)
    assert list(predictions.columns) == [
        *rows.columns,
        f"predicted_{LABEL}",
        "model_version",
    ]
    assert set(predictions[f"predicted_{LABEL}"]) <= set(sample[LABEL])
    assert predictions.index.equals(rows.index)


def test_invalid_rows_are_refused_with_every_anomaly(
    model_path: Path, validator: DataValidator, sample: pd.DataFrame
) -> None:
    rows = sample.drop(columns=[LABEL]).head(5)
    rows.loc[0, "site"] = "atlantis"
    rows.loc[1, "width"] = -3.0
    with pytest.raises(DataError, match="2 anomalies") as raised:
        Predictor(model_path, validator).predict(rows)
    assert "site: ENUM_TYPE_UNEXPECTED_STRING_VALUES" in str(raised.value)
    assert "width: FLOAT_TYPE_SMALL_FLOAT" in str(raised.value)
    assert "(line 2)" in str(raised.value)


def test_no_model_yet(
    tmp_path: Path, validator: DataValidator, sample: pd.DataFrame
) -> None:
    predictor = Predictor(tmp_path / "model.joblib", validator)
    with pytest.raises(DataError, match="run `make pipeline` first"):
        predictor.predict(sample.drop(columns=[LABEL]).head(1))


class AcceptsEverything:
    """A validator whose schema lets any value through, as a wide range may."""

    def validate(self, frame: pd.DataFrame, environment: Environment) -> list[Anomaly]:
        return []


def test_a_value_the_fitted_preprocessing_overflows_on_is_one_line(
    tmp_path: Path, config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    """What passes the schema can still overflow where a forest reads float32:
    scikit-learn's "Input X contains infinity" becomes one line, not a traceback."""
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    forest = Trainer(config.seed, "classification").train(
        preprocess.build(), RandomForestClassifier(n_estimators=5), split[0]
    )
    path = tmp_path / "forest.joblib"
    save_artifact(path, forest)
    rows = split[1].features.head(3).copy()
    rows.loc[rows.index[1], "width"] = 1e300
    with pytest.raises(DataError, match="the model cannot take these values"):
        Predictor(path, AcceptsEverything()).predict(rows)
