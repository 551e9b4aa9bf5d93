"""What components hand each other, so none of them needs to import another."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Literal
from typing import Protocol
from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd

Environment = Literal["training", "serving"]
Metrics = dict[str, float]
# Metrics per slice of the evaluation data, keyed by slice_name; OVERALL is all rows.
SlicedMetrics = dict[str, Metrics]
OVERALL = "overall"
Probabilities = npt.NDArray[np.float64]


def slice_name(values: Mapping[str, object]) -> str:
    """One spelling of a slice, shared by the Evaluator, the gate and the config;
    keys sorted, since their order in a config table means nothing."""
    pairs = sorted(values.items())
    return ", ".join(f"{key}={value}" for key, value in pairs) or OVERALL


@dataclass(frozen=True)
class Dataset:
    """Features and labels of the same rows, in the same order."""

    features: pd.DataFrame
    labels: "pd.Series[Any]"

    def __len__(self) -> int:
        return len(self.features)


@dataclass(frozen=True)
class Anomaly:
    """One way a data file breaks its schema, worded for the person who must fix it."""

    feature: str
    kind: str
    observed: str
    allowed: str

    def __str__(self) -> str:
        return (
            f"{self.feature}: {self.kind}: observed {self.observed}; "
            f"allowed {self.allowed}"
        )


class FrameValidator(Protocol):
    def validate(
        self, frame: pd.DataFrame, environment: Environment
    ) -> list[Anomaly]: ...


class FeatureTransformer(Protocol):
    def fit(self, features: pd.DataFrame) -> Self: ...

    def transform(self, features: pd.DataFrame) -> npt.NDArray[np.float64]: ...


class Classifier(Protocol):
    """scikit-learn's estimator interface, as far as this project uses it."""

    def fit(self, features: Any, labels: Any) -> Any: ...

    def predict(self, features: Any) -> Any: ...

    def get_params(self) -> dict[str, Any]: ...

    def set_params(self, **params: Any) -> Any: ...


@dataclass(frozen=True)
class ModelArtifact:
    """A fitted transformer and classifier saved as one, so serving preprocesses exactly
    as training did."""

    transformer: FeatureTransformer
    estimator: Classifier
    feature_names: tuple[str, ...]
    label: str
    # The run that trained it; predictions carry it, so each answer names its model.
    version: str = ""

    @property
    def classes(self) -> list[Any]:
        return list(getattr(self.estimator, "classes_", []))

    def encode(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        return self.transformer.transform(features[list(self.feature_names)])

    def predict(self, features: pd.DataFrame) -> "pd.Series[Any]":
        predicted = np.asarray(self.estimator.predict(self.encode(features)))
        return pd.Series(
            predicted, index=features.index, name=f"predicted_{self.label}"
        )

    def predict_proba(self, features: pd.DataFrame) -> Probabilities | None:
        """Class probabilities in the order of `classes`, or None for a classifier
        that gives none (log loss and ROC AUC are then not computed)."""
        predict_proba = getattr(self.estimator, "predict_proba", None)
        if predict_proba is None:
            return None
        return np.asarray(predict_proba(self.encode(features)), dtype=np.float64)


@dataclass(frozen=True)
class Evaluation:
    """What the Evaluator scored: the metrics, and the predictions behind them."""

    metrics: SlicedMetrics
    predicted: "pd.Series[Any]"
    probabilities: Probabilities | None
    classes: list[Any]
