"""Serving: the saved artifact answers new rows, after they pass the schema."""

from pathlib import Path

import numpy as np
import pandas as pd
from research_guards.datatypes import FrameValidator
from research_guards.errors import AnomaliesFound
from research_guards.errors import DataError
from research_guards.storage import load_artifact


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
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # the error says it
                predicted = artifact.predict(rows)
        except ValueError as error:
            # Rows the schema lets through can still overflow inside the fitted
            # preprocessing (a value near float32's limit, scaled by a small spread).
            reason = str(error).splitlines()[0]
            raise DataError(
                f"rows: the model cannot take these values ({reason}); "
                "check them against the schema's ranges"
            ) from None
        return rows.assign(
            **{f"predicted_{artifact.label}": predicted},
            model_version=artifact.version,
        )
