from pathlib import Path

import pandas as pd
import pytest
from conftest import LABEL

from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.predictor import Predictor
from {{ cookiecutter.module_name }}.storage import save_artifact


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


def test_an_infinity_in_serving_rows_is_an_anomaly_not_a_traceback(
    model_path: Path, validator: DataValidator, sample: pd.DataFrame
) -> None:
    """TFDV flags infinities in a float feature unless the schema allows them
    (anomalies/schema_anomalies_test.cc, FindInfsInFloatDisallowInfs); scikit-learn
    would raise on them instead, so predict must refuse them first, naming the line."""
    rows = sample.drop(columns=[LABEL]).head(5)
    rows.loc[rows.index[2], "width"] = float("inf")
    with pytest.raises(DataError, match="width: FLOAT_TYPE_HAS_INF") as raised:
        Predictor(model_path, validator).predict(rows)
    assert "(line 4)" in str(raised.value)


def test_a_value_too_large_for_the_model_is_refused_before_predicting(
    model_path: Path, validator: DataValidator, sample: pd.DataFrame
) -> None:
    """A finite 1e300 passes as a number, but scaled by the fitted scaler it is past
    float32's range and scikit-learn raises on it: predict names it first."""
    rows = sample.drop(columns=[LABEL]).head(5)
    rows.loc[rows.index[1], "width"] = 1e300
    with pytest.raises(
        DataError, match="width: FLOAT_TYPE_TOO_LARGE_FOR_MODEL"
    ) as raised:
        Predictor(model_path, validator).predict(rows)
    assert "(line 3)" in str(raised.value)
