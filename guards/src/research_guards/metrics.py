"""The standard's metrics, overall and per slice as TFMA slices them: a model that is
good on average can still fail one slice of the data, and the gate must see that. Which
task computes which metric is defined here once."""

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import accuracy_score
from sklearn.metrics import average_precision_score
from sklearn.metrics import balanced_accuracy_score
from sklearn.metrics import brier_score_loss
from sklearn.metrics import f1_score
from sklearn.metrics import log_loss
from sklearn.metrics import mean_absolute_error
from sklearn.metrics import mean_squared_error
from sklearn.metrics import precision_score
from sklearn.metrics import r2_score
from sklearn.metrics import recall_score
from sklearn.metrics import roc_auc_score

from research_guards.datatypes import OVERALL
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import Metrics
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import Probabilities
from research_guards.datatypes import SlicedMetrics
from research_guards.datatypes import slice_name


def evaluate(
    artifact: ModelArtifact,
    test: Dataset,
    slices: tuple[tuple[str, ...], ...] = (),
    sensitive_feature: str | None = None,
) -> Evaluation:
    """The task's metrics overall and for each slice. `slices` are TFMA's feature
    keys: ("site",) makes one slice per site, ("site", "shift") one per pair.
    `sensitive_feature` adds the demographic-parity difference of the predictions
    across its values."""
    predicted = artifact.predict(test.features)
    probabilities = artifact.predict_proba(test.features)
    scored = Evaluation({}, predicted, probabilities, artifact.classes)
    scores = _SCORES[artifact.task]
    metrics = scored.metrics  # filled in place: overall, then slice by slice
    metrics[OVERALL] = scores(test.labels, scored, np.arange(len(test)))
    for keys in slices:
        groups = test.features.groupby(list(keys), dropna=True, sort=True).indices
        for values, positions in groups.items():
            key = slice_name(dict(zip(keys, _as_tuple(values))))
            metrics[key] = scores(test.labels, scored, np.asarray(positions))
    metrics[OVERALL] |= _gaps(
        metrics, test, predicted, artifact.task, sensitive_feature
    )
    return scored


def _gaps(
    metrics: SlicedMetrics,
    test: Dataset,
    predicted: "pd.Series[Any]",
    task: str,
    sensitive_feature: str | None,
) -> Metrics:
    """The What-If tool's fairness view: how far apart the slices are (largest
    accuracy gap; for regression, largest gap in mean absolute error)."""
    gaps: Metrics = {}
    name, gap = GAPS[task]
    values = [m[name] for key, m in metrics.items() if key != OVERALL]
    if values:
        gaps[gap] = max(values) - min(values)
    if sensitive_feature is not None and task == "classification":
        groups = test.features[sensitive_feature]
        gaps["demographic_parity_difference"] = demographic_parity(predicted, groups)
    return gaps


def demographic_parity(predicted: "pd.Series[Any]", groups: "pd.Series[Any]") -> float:
    """The largest difference, over predicted classes, between the groups' rates of
    being predicted that class (fairlearn's definition, one class at a time)."""
    rates = pd.crosstab(groups, predicted, normalize="index")
    if rates.empty:
        return float("nan")
    return float((rates.max() - rates.min()).max())


def _as_tuple(values: Any) -> tuple[Any, ...]:
    return values if isinstance(values, tuple) else (values,)


def _classification_scores(
    labels: "pd.Series[Any]", scored: Evaluation, positions: npt.NDArray[np.intp]
) -> Metrics:
    truth = labels.to_numpy()[positions]
    predicted = scored.predicted.to_numpy()[positions]
    with warnings.catch_warnings():
        # A slice may lack some classes; its scores are still the defined ones.
        warnings.simplefilter("ignore")
        metrics = {
            "example_count": float(len(truth)),
            "accuracy": float(accuracy_score(truth, predicted)),
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
            "f1_macro": float(
                f1_score(truth, predicted, average="macro", zero_division=0)
            ),
        }
        if scored.probabilities is not None:
            probabilities = scored.probabilities[positions]
            metrics["log_loss"] = float(
                log_loss(truth, probabilities, labels=scored.classes)
            )
            metrics["roc_auc_ovr"] = _roc_auc(truth, probabilities, scored.classes)
        if len(scored.classes) == 2:
            metrics |= _binary_scores(truth, predicted, scored, positions)
    return metrics


def _binary_scores(
    truth: npt.NDArray[Any],
    predicted: npt.NDArray[Any],
    scored: Evaluation,
    positions: npt.NDArray[np.intp],
) -> Metrics:
    """TFMA's binary metrics; the positive class is the one that sorts last."""
    positive = scored.classes[1]
    actual = truth == positive
    metrics = {
        "precision": float(
            precision_score(actual, predicted == positive, zero_division=0)
        ),
        "recall": float(recall_score(actual, predicted == positive, zero_division=0)),
    }
    if scored.probabilities is not None:
        score = scored.probabilities[positions, 1]
        metrics["brier_score"] = float(brier_score_loss(actual, score))
        metrics["auc_precision_recall"] = (
            float(average_precision_score(actual, score)) if actual.any() else math.nan
        )
    return metrics


def _regression_scores(
    labels: "pd.Series[Any]", scored: Evaluation, positions: npt.NDArray[np.intp]
) -> Metrics:
    truth = labels.to_numpy(dtype=np.float64)[positions]
    predicted = scored.predicted.to_numpy(dtype=np.float64)[positions]
    squared = float(mean_squared_error(truth, predicted))
    mean_label = float(truth.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # r2 of one row is undefined: NaN
        r2 = float(r2_score(truth, predicted)) if len(truth) > 1 else math.nan
    return {
        "example_count": float(len(truth)),
        "mean_squared_error": squared,
        "root_mean_squared_error": math.sqrt(squared),
        "mean_absolute_error": float(mean_absolute_error(truth, predicted)),
        "r2": r2,
        # TFMA's calibration: mean prediction / mean label; 1 is calibrated.
        "calibration": float(predicted.mean()) / mean_label if mean_label else math.nan,
    }


Scores = Callable[["pd.Series[Any]", Evaluation, npt.NDArray[np.intp]], Metrics]
_SCORES: dict[str, Scores] = {
    "classification": _classification_scores,
    "regression": _regression_scores,
}
GAPS = {
    "classification": ("accuracy", "accuracy_gap"),
    "regression": ("mean_absolute_error", "error_gap"),
}


def _roc_auc(
    truth: npt.NDArray[Any], probabilities: Probabilities, classes: list[Any]
) -> float:
    """One-vs-rest ROC AUC; NaN where it is undefined (a slice with one class)."""
    try:
        if len(classes) == 2:
            return float(roc_auc_score(truth == classes[1], probabilities[:, 1]))
        return float(
            roc_auc_score(truth, probabilities, multi_class="ovr", labels=classes)
        )
    except ValueError:
        return float("nan")
