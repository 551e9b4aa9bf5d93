"""The What-If tool's interactive views over a repository's own models: predict an
edited row with every model, the row's nearest counterfactual, partial dependence
(for one row, ICE, and over the rows), and performance and fairness per slice.
What the page asks for arrives as JSON; a row or a request the views cannot take is
refused with a RequestError naming what is wrong and what is allowed, which the
server answers with a 400."""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

from research_guards.data_validation import DataValidator
from research_guards.data_validation.schema import Schema
from research_guards.datatypes import ModelArtifact
from research_guards.errors import ProjectError
from research_guards.fairness import DEFAULT_TOLERANCE
from research_guards.fairness import GRID
from research_guards.fairness import STRATEGIES
from research_guards.fairness import NoFairThresholds
from research_guards.fairness import SliceCounts
from research_guards.fairness import choose
from research_guards.fairness import grid_index

DEPENDENCE_POINTS = 20
DEPENDENCE_ROWS = 500  # the global curve averages this many rows, sampled with a seed
MAX_CATEGORIES = 50
MAX_SLICES = 20
NUMERIC_BINS = 4  # a numeric slice feature of many values is cut at its quartiles
MISSING = "(missing)"
DISTANCES = ("L1", "L2")


class RequestError(ProjectError):
    """A request the views cannot answer: the server's 400."""


@dataclass(frozen=True)
class Feature:
    """One editable column: a number input, or a select of `domain`."""

    name: str
    numeric: bool
    domain: tuple[str, ...] = ()
    spread: float = 1.0  # the standard deviation distances are scaled by

    def parse(self, value: Any) -> Any:
        """A JSON value as the models take it: a number, a category, or missing."""
        if value is None:
            return math.nan if self.numeric else None
        if self.numeric:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise RequestError(
                    f"feature {self.name!r} takes a number or null, not {value!r}"
                )
            return float(value)
        if not isinstance(value, str):
            raise RequestError(
                f"feature {self.name!r} takes one of its categories as text or null, "
                f"not {value!r}"
            )
        return value


def _jsonable(value: Any) -> Any:
    """NaN and pandas' missing markers as null; numpy scalars as Python's."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


class WhatIf:
    """The views over `rows` (features, and the label when `labels` is given) for
    each named model. `validator` is the Predictor's, so an edited row is warned
    about exactly as serving it would be refused; its schema gives each feature's
    kind and categories."""

    def __init__(
        self,
        rows: pd.DataFrame,
        labels: "pd.Series[Any] | None",
        models: dict[str, ModelArtifact],
        validator: DataValidator,
        counterfactual_delta: float | None = None,
        cost_ratio: float | None = None,
    ) -> None:
        self.rows = rows.reset_index(drop=True)
        self.labels = None if labels is None else labels.reset_index(drop=True)
        self.models = models
        self.validator = validator
        first = next(iter(models.values()))
        self.task = first.task
        self.label = first.label
        self.classes = first.classes
        self.features = _features(self.rows, models, validator.schema)
        self.predicted = {
            name: self._predict(m, self.rows) for name, m in models.items()
        }
        self.counterfactual_delta = counterfactual_delta
        self.cost_ratio = cost_ratio or 1.0  # the page's default, as the config's
        if len(self.rows):
            # The validator's first call builds its checks (0.6 s): before the page
            # asks, so its first answer is as quick as the rest.
            self.validator.validate(self.rows[list(self.features)].head(1), "serving")

    @property
    def binary(self) -> bool:
        return self.task == "classification" and len(self.classes) == 2

    def meta(self) -> dict[str, Any]:
        """What the page builds itself from."""
        return {
            "task": self.task,
            "binary": self.binary,
            "label": self.label,
            "classes": [_jsonable(c) for c in self.classes],
            "features": [
                {"name": f.name, "numeric": f.numeric, "domain": list(f.domain)}
                for f in self.features.values()
            ],
            "models": {
                name: {
                    "version": model.version,
                    "threshold": model.threshold,
                    "features": list(model.feature_names),
                }
                for name, model in self.models.items()
            },
            "labelled": self.labels is not None,
            "strategies": STRATEGIES,
            "tolerance": DEFAULT_TOLERANCE,
            "cost_ratio": self.cost_ratio,
        }

    def table(self) -> dict[str, Any]:
        """Every row, its label and each model's prediction, for browsing."""
        columns = list(self.features)
        values = self.rows[columns].astype(object).to_numpy().tolist()
        return {
            "columns": columns,
            "rows": [[_jsonable(v) for v in row] for row in values],
            "labels": (
                None
                if self.labels is None
                else [_jsonable(v) for v in self.labels.tolist()]
            ),
            "predicted": {
                name: [_jsonable(v) for v in predicted["shown"]]
                for name, predicted in self.predicted.items()
            },
        }

    def row(self, values: Any) -> pd.DataFrame:
        """The page's row (feature name to value) as a one-row frame; a feature left
        out is missing."""
        if not isinstance(values, dict):
            raise RequestError("'row' must be an object of feature names to values")
        unknown = sorted(set(values) - set(self.features))
        if unknown:
            raise RequestError(
                f"unknown feature(s) {unknown}: the features are "
                f"{', '.join(self.features)}"
            )
        parsed = {
            name: [feature.parse(values.get(name))]
            for name, feature in self.features.items()
        }
        frame = pd.DataFrame(parsed)
        for name, feature in self.features.items():
            if not feature.numeric:
                frame[name] = frame[name].astype(self.rows[name].dtype)
        return frame

    def predict(self, values: Any) -> dict[str, Any]:
        """Each model's answer to the row, and what the Predictor's validation says
        of it: a warning here, a refusal when served."""
        frame = self.row(values)
        # The row holds the models' features only: what the schema says of other
        # columns (absent here) is no answer to "would this row be served?".
        anomalies = self.validator.validate(frame, "serving")
        warnings = [str(a) for a in anomalies if a.feature in self.features]
        answers: dict[str, Any] = {}
        for name, model in self.models.items():
            try:
                answers[name] = self._answer(model, frame)
            except ValueError as error:
                reason = str(error).splitlines()[0]
                answers[name] = {"error": f"the model cannot take this row: {reason}"}
        return {"predictions": answers, "warnings": warnings}

    def _answer(self, model: ModelArtifact, frame: pd.DataFrame) -> dict[str, Any]:
        predicted = self._predict(model, frame)
        answer: dict[str, Any] = {"prediction": _jsonable(predicted["shown"][0])}
        if predicted["probabilities"] is not None:
            answer["probabilities"] = {
                str(c): float(p)
                for c, p in zip(model.classes, predicted["probabilities"][0])
            }
        return answer

    def _predict(self, model: ModelArtifact, frame: pd.DataFrame) -> dict[str, Any]:
        """The model's predictions; for a classifier its probabilities too, and a
        binary one's score is the positive class's probability."""
        with np.errstate(over="ignore", invalid="ignore"):
            shown = model.predict(frame).to_numpy()
            probabilities = model.predict_proba(frame)
        return {"shown": shown, "probabilities": probabilities}

    def counterfactual(
        self, values: Any, model_name: Any, distance: Any
    ) -> dict[str, Any]:
        """The nearest row the model predicts differently (regression: by at least
        the delta, the config's counterfactual_delta or one standard deviation of
        the predictions). The What-If tool's distance: per feature, a number's
        absolute difference over its standard deviation, a category's 0 if equal
        else 1 (missing on one side only: 1); L1 sums them, L2 is the root of the
        sum of their squares. Only the model's own features count and differ."""
        model = self._model(model_name)
        if distance not in DISTANCES:
            raise RequestError(f"distance must be one of {', '.join(DISTANCES)}")
        frame = self.row(values)
        mine = self._predict(model, frame)["shown"][0]
        theirs = self.predicted[str(model_name)]["shown"]
        different, delta = self._different(mine, theirs)
        if not different.any():
            return {"found": False, "delta": delta}
        names = [n for n in self.features if n in model.feature_names]
        parts = np.column_stack(
            [
                self._part(self.features[n], frame[n].iloc[0], self.rows[n])
                for n in names
            ]
        )
        totals = (
            parts.sum(axis=1) if distance == "L1" else np.sqrt((parts**2).sum(axis=1))
        )
        totals = np.where(different, totals, np.inf)
        nearest = int(np.argmin(totals))
        return {
            "found": True,
            "index": nearest,
            "distance": float(totals[nearest]),
            "prediction": _jsonable(theirs[nearest]),
            "differs": [n for n, part in zip(names, parts[nearest]) if part > 0],
            "delta": delta,
        }

    def _different(self, mine: Any, theirs: Any) -> tuple[Any, float | None]:
        if self.task == "classification":
            return np.asarray(theirs != mine), None
        delta = self.counterfactual_delta
        if delta is None:
            delta = float(np.nanstd(theirs.astype(float))) or 1.0
        return np.abs(theirs.astype(float) - float(mine)) >= delta, delta

    @staticmethod
    def _part(feature: Feature, value: Any, column: "pd.Series[Any]") -> Any:
        missing = column.isna().to_numpy()
        if pd.isna(value):
            return (~missing).astype(float)
        if feature.numeric:
            gap = np.abs(column.to_numpy(dtype=float) - float(value)) / feature.spread
            return np.where(missing, 1.0, gap)
        return np.where(missing, 1.0, (column.to_numpy() != value).astype(float))

    def dependence(self, values: Any, feature_name: Any) -> dict[str, Any]:
        """Each model's prediction as one feature sweeps its range (numbers: 20
        points from its least to its greatest value; categories: each one), for the
        row given (ICE) or, with no row, averaged over up to DEPENDENCE_ROWS rows
        (partial dependence). Classifiers: each class's probability."""
        if feature_name not in self.features:
            raise RequestError(
                f"unknown feature {feature_name!r}: the features are "
                f"{', '.join(self.features)}"
            )
        feature = self.features[str(feature_name)]
        grid = self._grid(feature)
        base = self.row(values) if values is not None else self._sample()
        curves = {
            name: self._curve(model, base, feature, grid)
            for name, model in self.models.items()
            if feature.name in model.feature_names
        }
        return {
            "feature": feature.name,
            "grid": [_jsonable(g) for g in grid],
            "curves": curves,
        }

    def _sample(self) -> pd.DataFrame:
        if len(self.rows) <= DEPENDENCE_ROWS:
            return self.rows
        return self.rows.sample(DEPENDENCE_ROWS, random_state=0)

    def _grid(self, feature: Feature) -> list[Any]:
        if not feature.numeric:
            return list(feature.domain)
        column = self.rows[feature.name].dropna().astype(float)
        if column.empty:
            return []
        low, high = float(column.min()), float(column.max())
        points = np.linspace(low, high, DEPENDENCE_POINTS)
        if (column % 1 == 0).all():
            points = np.unique(np.round(points))
        return [float(p) for p in points]

    def _curve(
        self,
        model: ModelArtifact,
        base: pd.DataFrame,
        feature: Feature,
        grid: list[Any],
    ) -> dict[str, list[float | None]]:
        swept = pd.concat(
            [base.assign(**{feature.name: g}) for g in grid], ignore_index=True
        )
        if not feature.numeric:
            swept[feature.name] = swept[feature.name].astype(
                self.rows[feature.name].dtype
            )
        predicted = self._predict(model, swept)
        per_point = len(base)
        if predicted["probabilities"] is not None:
            shape = (len(grid), per_point, len(model.classes))
            means = predicted["probabilities"].reshape(shape).mean(axis=1)
            return {
                str(c): [float(v) for v in means[:, i]]
                for i, c in enumerate(model.classes)
            }
        values = predicted["shown"].astype(float).reshape(len(grid), per_point)
        return {self.label: [_jsonable(v) for v in np.nanmean(values, axis=1)]}

    def _model(self, name: Any) -> ModelArtifact:
        if name not in self.models:
            raise RequestError(f"unknown model {name!r}: use {', '.join(self.models)}")
        return self.models[str(name)]

    def performance(self, request: dict[str, Any]) -> dict[str, Any]:
        """Per slice of the feature `slice` (none: all rows): binary, each strategy's
        thresholds and their confusion counts and curves; multiclass, a confusion
        matrix; regression, the mean error, mean absolute and squared errors."""
        if self.labels is None:
            raise RequestError(
                f"these rows have no {self.label!r} column: performance needs "
                "labelled rows"
            )
        groups = self._slices(request.get("slice"))
        return {
            "slices": list(groups),
            "models": {
                name: self._model_performance(name, groups, request)
                for name in self.models
            },
        }

    def _slices(self, feature_name: Any) -> dict[str, Any]:
        """Row positions per slice, in the slices' order."""
        everything = {"all rows": np.arange(len(self.rows))}
        if feature_name in (None, ""):
            return everything
        if feature_name not in self.rows.columns:
            raise RequestError(
                f"unknown slice feature {feature_name!r}: use one of "
                f"{', '.join(self.rows.columns)}"
            )
        keys = _slice_keys(self.rows[str(feature_name)])
        groups = {
            str(key): np.flatnonzero((keys == key).to_numpy())
            for key in sorted(keys.unique(), key=str)
        }
        if len(groups) > MAX_SLICES:
            raise RequestError(
                f"{feature_name!r} makes {len(groups)} slices: pick a feature of at "
                f"most {MAX_SLICES} values"
            )
        return groups

    def _model_performance(
        self, name: str, groups: dict[str, Any], request: dict[str, Any]
    ) -> dict[str, Any]:
        assert self.labels is not None
        labels = self.labels.to_numpy()
        predicted = self.predicted[name]
        if self.task == "regression":
            return {
                "slices": [
                    _errors(labels[p], predicted["shown"][p]) for p in groups.values()
                ]
            }
        if not self.binary or predicted["probabilities"] is None:
            classes = self.classes
            return {
                "slices": [
                    _confusion(labels[p], predicted["shown"][p], classes)
                    for p in groups.values()
                ]
            }
        return _fairness(
            self.classes[1], labels, predicted["probabilities"][:, 1], groups, request
        )


def _features(
    rows: pd.DataFrame, models: dict[str, ModelArtifact], schema: Schema
) -> dict[str, Feature]:
    """Every model's features, in the rows' column order."""
    used = {name for model in models.values() for name in model.feature_names}
    features = {}
    for name in [c for c in rows.columns if c in used]:
        spec = schema.features.get(name)
        numeric = (
            spec.numeric
            if spec is not None
            else pd.api.types.is_numeric_dtype(rows[name])
        )
        if numeric:
            spread = float(rows[name].astype(float).std())
            features[name] = Feature(name, True, spread=spread if spread > 0 else 1.0)
            continue
        seen = rows[name].dropna().astype(str).unique().tolist()
        domain = sorted({*(spec.domain or () if spec else ()), *seen})
        features[name] = Feature(name, False, tuple(domain[:MAX_CATEGORIES]))
    return features


def _slice_keys(column: "pd.Series[Any]") -> "pd.Series[Any]":
    """Each row's slice: its value, a numeric column of many values its quartile,
    a missing value its own slice."""
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > 10:
        binned = pd.qcut(column, NUMERIC_BINS, duplicates="drop")
        keys = binned.astype(str)
    else:
        keys = column.astype(object).map(lambda v: v if pd.isna(v) else str(v))
    return keys.where(column.notna(), MISSING)


def _errors(actual: Any, predicted: Any) -> dict[str, Any]:
    error = predicted.astype(float) - actual.astype(float)
    return {
        "rows": int(error.size),
        "mean_error": float(error.mean()) if error.size else None,
        "mean_absolute_error": float(np.abs(error).mean()) if error.size else None,
        "mean_squared_error": float((error**2).mean()) if error.size else None,
    }


def _confusion(actual: Any, predicted: Any, classes: list[Any]) -> dict[str, Any]:
    matrix = confusion_matrix(actual, predicted, labels=classes)
    return {
        "rows": int(len(actual)),
        "accuracy": float((actual == predicted).mean()) if len(actual) else None,
        "confusion": matrix.tolist(),
    }


def _fairness(
    positive: Any,
    labels: Any,
    score: Any,
    groups: dict[str, Any],
    request: dict[str, Any],
) -> dict[str, Any]:
    strategy = request.get("strategy", "single")
    if strategy not in STRATEGIES:
        raise RequestError(
            f"unknown strategy {strategy!r}: use {', '.join(STRATEGIES)}"
        )
    ratio = _positive(request.get("cost_ratio", 1.0), "cost_ratio")
    tolerance = _positive(request.get("tolerance", DEFAULT_TOLERANCE), "tolerance")
    custom = request.get("thresholds")
    if strategy == "custom" and not (
        isinstance(custom, list)
        and len(custom) == len(groups)
        and all(isinstance(t, (int, float)) and 0 <= t <= 1 for t in custom)
    ):
        raise RequestError(
            f"custom needs 'thresholds': {len(groups)} number(s) from 0 to 1, one "
            "per slice"
        )
    actual = labels == positive
    counts = [SliceCounts.of(name, actual[p], score[p]) for name, p in groups.items()]
    try:
        thresholds = choose(counts, strategy, ratio, tolerance, custom)
    except NoFairThresholds as error:
        return {"error": str(error), "slices": []}
    return {
        "positive": _jsonable(positive),
        "slices": [_operating(c, t, ratio) for c, t in zip(counts, thresholds)],
    }


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise RequestError(f"{name} must be a number above 0, not {value!r}")
    return float(value)


def _operating(counts: SliceCounts, threshold: float, ratio: float) -> dict[str, Any]:
    """A slice at its threshold, and its ROC and precision-recall curves over the
    grid (the page marks the threshold on both)."""
    at = grid_index(threshold)
    rates = {
        name: counts.rate(name)
        for name in (
            "true_positive_rate",
            "false_positive_rate",
            "precision",
            "positive_rate",
            "accuracy",
        )
    }

    def listed(values: Any) -> list[float | None]:
        return [None if not np.isfinite(v) else float(v) for v in values]

    return {
        "rows": counts.rows,
        "threshold": threshold,
        "tp": int(counts.tp[at]),
        "fp": int(counts.fp[at]),
        "fn": int(counts.fn[at]),
        "tn": int(counts.tn[at]),
        "cost": float(counts.cost(ratio)[at]),
        **{name: listed([rate[at]])[0] for name, rate in rates.items()},
        "roc": {
            "fpr": listed(rates["false_positive_rate"]),
            "tpr": listed(rates["true_positive_rate"]),
        },
        "pr": {
            "recall": listed(rates["true_positive_rate"]),
            "precision": listed(rates["precision"]),
        },
        "grid": [float(g) for g in GRID],
    }
