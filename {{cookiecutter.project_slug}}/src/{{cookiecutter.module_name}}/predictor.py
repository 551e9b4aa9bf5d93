"""Serving: the saved artifact answers new rows, after they pass the schema."""

from pathlib import Path

import pandas as pd

from {{ cookiecutter.module_name }}.datatypes import FrameValidator
from {{ cookiecutter.module_name }}.errors import AnomaliesFound
from {{ cookiecutter.module_name }}.storage import load_artifact


class Predictor:
    """Loads a model artifact and predicts; invalid rows are refused, not guessed."""

    def __init__(self, model_path: Path, validator: FrameValidator) -> None:
        self.model_path = model_path
        self.validator = validator

    def predict(self, rows: pd.DataFrame) -> pd.DataFrame:
        anomalies = self.validator.validate(rows, "serving")
        if anomalies:
            problems = [str(anomaly) for anomaly in anomalies]
            raise AnomaliesFound.listing("rows", problems, "nothing predicted")
        artifact = load_artifact(self.model_path)
        return rows.assign(
            **{f"predicted_{artifact.label}": artifact.predict(rows)},
            model_version=artifact.version,
        )
