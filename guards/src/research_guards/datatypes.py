"""What components hand each other, so none of them needs to import another."""

from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from typing import Any
from typing import Literal
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

# TFDV's environments: training needs every column, and enough rows; evaluation
# (held-out labelled rows a served model is scored on) needs the label and the
# model's features, however few the rows; serving needs the features alone.
Environment = Literal["training", "evaluation", "serving"]
Task = Literal["classification", "regression"]
TASKS: tuple[Task, ...] = ("classification", "regression")
Metrics = dict[str, float]
# Metrics per slice of the evaluation data, keyed by slice_name; OVERALL is all rows.
SlicedMetrics = dict[str, Metrics]
OVERALL = "overall"
Probabilities = npt.NDArray[np.float64]


def slice_name(values: Mapping[str, object]) -> str:
    """One spelling of a slice, shared by the Evaluator, the gate and the config;
    keys sorted, since their order in a config table means nothing."""
    pairs = sorted(values.items())
    return ", ".join(f"{key}={spelled(value)}" for key, value in pairs) or OVERALL


def spelled(value: object) -> str:
    """A whole number as a reader and the config write it: the loader reads every
    numeric column as floats, so a count of cylinders is 3.0 there, and the
    threshold `slice = { cylinders = 3 }` names "cylinders=3"."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


# Metrics that count rows: whole numbers, shown without decimals.
COUNTS = ("example_count",)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of metrics as every page and command shows it: a number that is
    undefined (NaN: a single-class slice's ROC AUC) or not finite is missing (shown
    "n/a", never "nan" or "inf"), and a count of rows (a float among the metrics)
    the whole number it is: 92, not 92.0000."""
    finite = frame.replace([np.inf, -np.inf], np.nan)
    for column in COUNTS:
        if column in finite.columns:
            finite[column] = finite[column].round().astype("Int64")
    return finite


@dataclass(frozen=True)
class RowIds:
    """Rows known by a stable hash of their values in `columns` (the split's key
    column, or every column of the table), so that the rows a model trained on can be
    told apart from the rows it is judged on, whatever the seed or the file's order.
    In a Dataset, one hash per row in its order; in a ModelArtifact, the distinct
    hashes of its training rows, sorted."""

    columns: tuple[str, ...]
    hashes: npt.NDArray[np.uint64]

    def distinct(self) -> "RowIds":
        return RowIds(self.columns, np.unique(self.hashes))

    def among(self, trained: "RowIds") -> npt.NDArray[np.bool_]:
        """Which of these rows are among `trained`'s (hashed over the same columns)."""
        return np.isin(self.hashes, trained.hashes)


@dataclass(frozen=True)
class Dataset:
    """Features and labels of the same rows, in the same order."""

    features: pd.DataFrame
    labels: "pd.Series[Any]"
    # Rows of the source dropped because their label was missing, reported not hidden.
    unlabelled: int = 0
    # Which rows these are (the split's identity); None for rows no split has named.
    rows: RowIds | None = None

    def take(self, where: npt.NDArray[np.bool_]) -> "Dataset":
        """The rows where `where` is true, with their identities."""
        return Dataset(
            self.features[where],
            self.labels[where],
            self.unlabelled,
            (
                None
                if self.rows is None
                else RowIds(self.rows.columns, self.rows.hashes[where])
            ),
        )

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


class Estimator(Protocol):
    """scikit-learn's estimator interface, as far as this project uses it: a
    classifier, a regressor, or the fitted Pipeline that ends in one."""

    def fit(self, features: Any, labels: Any) -> Any: ...

    def predict(self, features: Any) -> Any: ...

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def set_params(self, **params: Any) -> Any: ...


@dataclass(frozen=True)
class ModelArtifact:
    """One fitted scikit-learn Pipeline (a ColumnTransformer, then the estimator), so
    serving can never preprocess differently and inspection tools take it as it is."""

    model: Any  # sklearn.pipeline.Pipeline, fitted
    feature_names: tuple[str, ...]
    label: str
    task: Task
    # The run that trained it; predictions carry it, so each answer names its model.
    version: str = ""
    # The rows it trained on, so the gate never judges it on them. None for a model
    # saved before this was recorded: its training rows are unknown.
    training_rows: RowIds | None = None
    # Binary: the positive class (classes[1]) is predicted when its probability is
    # at least this, the config's [evaluation] decision_threshold when it trained;
    # None: the estimator's own predict. Serving and the gate both go through predict,
    # so the gate judges the decisions that will be served.
    threshold: float | None = None

    @property
    def classes(self) -> list[Any]:
        return list(getattr(self.model, "classes_", []))

    def encode(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        """The preprocessed features the estimator sees (the Pipeline minus its last
        step), for distances between rows."""
        encoded = self.model[:-1].transform(features[list(self.feature_names)])
        return np.asarray(encoded, dtype=np.float64)

    def predict(self, features: pd.DataFrame) -> "pd.Series[Any]":
        rows = features[list(self.feature_names)]
        classes = self.classes
        if self.threshold is not None and len(classes) == 2:
            positive = self.model.predict_proba(rows)[:, 1] >= self.threshold
            predicted = np.where(positive, classes[1], classes[0])
        else:
            predicted = np.asarray(self.model.predict(rows))
        return pd.Series(
            predicted, index=features.index, name=f"predicted_{self.label}"
        )

    def predict_proba(self, features: pd.DataFrame) -> Probabilities | None:
        """Class probabilities in the order of `classes`, or None for a regressor or a
        classifier that gives none (log loss and AUCs are then not computed)."""
        if self.task != "classification" or not hasattr(self.model, "predict_proba"):
            return None
        rows = features[list(self.feature_names)]
        return np.asarray(self.model.predict_proba(rows), dtype=np.float64)


@dataclass(frozen=True)
class Evaluation:
    """What the Evaluator scored: the metrics, and the predictions behind them."""

    metrics: SlicedMetrics
    predicted: "pd.Series[Any]"
    probabilities: Probabilities | None
    classes: list[Any]


@dataclass(frozen=True)
class Scored:
    """The served model's metrics on a file of labelled rows, with the rows it could
    not score (no label) counted, so `score` says what it left out as `run` does."""

    version: str
    evaluation: Evaluation
    unlabelled: int


@dataclass(frozen=True)
class Trial:
    """One tried set of parameters: its cross-validated score, or None if it failed or
    was cut short."""

    number: int
    state: str
    score: float | None
    params: dict[str, Any]


@dataclass(frozen=True)
class SearchSummary:
    """A hyperparameter study as the run record, the CLI and the evaluation page need
    it: where it is kept, how it judged, every trial, the best one and which
    parameters mattered (Optuna's fANOVA importance)."""

    study: str
    storage: str
    metric: str
    direction: str
    folds: int
    trials: tuple[Trial, ...]
    best: Trial
    importances: dict[str, float]

    def as_record(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "storage": self.storage,
            "metric": self.metric,
            "direction": self.direction,
            "folds": self.folds,
            "trial": self.best.number,
            "params": self.best.params,
            "cv_score": self.best.score,
            "importances": self.importances,
            "trials": [asdict(trial) for trial in self.trials],
        }
