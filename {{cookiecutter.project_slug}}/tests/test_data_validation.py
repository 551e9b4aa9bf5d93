from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.data_validation import Schema
from {{ cookiecutter.module_name }}.datatypes import Anomaly
from {{ cookiecutter.module_name }}.errors import DataError


def kinds(anomalies: list[Anomaly]) -> set[tuple[str, str]]:
    return {(anomaly.feature, anomaly.kind) for anomaly in anomalies}


def test_the_sample_is_clean(validator: DataValidator, sample: pd.DataFrame) -> None:
    assert validator.validate(sample, "training") == []


def test_every_anomaly_is_reported_at_once(
    validator: DataValidator, sample: pd.DataFrame
) -> None:
    broken = sample.drop(columns=["year"]).assign(colour="blue")
    broken["body_mass_g"] = broken["body_mass_g"].astype(object)
    broken.loc[3, "body_mass_g"] = "heavy"
    broken.loc[5, "flipper_length_mm"] = 999.0
    broken.loc[7, "island"] = "Atlantis"
    broken.loc[9, "species"] = None
    assert kinds(validator.validate(broken, "training")) == {
        ("year", "missing column"),
        ("colour", "unexpected column"),
        ("body_mass_g", "wrong type"),
        ("flipper_length_mm", "out of range"),
        ("island", "outside domain"),
        ("species", "missing values"),
    }


def test_anomaly_lines_say_what_was_seen_and_allowed(
    validator: DataValidator, sample: pd.DataFrame
) -> None:
    sample.loc[5, "flipper_length_mm"] = 999.0
    (anomaly,) = validator.validate(sample, "training")
    assert str(anomaly) == (
        "flipper_length_mm: out of range: observed 1 value(s) such as 999.0; "
        "allowed [172.0, 231.0]"
    )


def test_label_is_required_in_training_only(
    validator: DataValidator, sample: pd.DataFrame
) -> None:
    serving = sample.drop(columns=["species"])
    assert validator.validate(serving, "serving") == []
    assert kinds(validator.validate(serving, "training")) == {
        ("species", "missing column")
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{}", "not a valid schema"),
        ('{"label": "y", "features": {"x": {"type": "complex"}}}', "type must be"),
        ("not json", "not a valid schema"),
    ],
)
def test_bad_schema_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "schema.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        Schema.load(path)


def test_missing_schema_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such schema file"):
        Schema.load(tmp_path / "schema.json")
