"""reports/evaluation.html: what TFMA's and the What-If tool's views show a reviewer,
as one static page. The gate's verdict with every threshold, metrics per slice, the
confusion matrix, ROC curves, partial dependence of the most important features, and
for each misclassified row its nearest counterfactual."""

import html
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.inspection import partial_dependence
from sklearn.inspection import permutation_importance
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.metrics import RocCurveDisplay
from sklearn.metrics import pairwise_distances

from {{ cookiecutter.module_name }}.config import THRESHOLD_SETTINGS
from {{ cookiecutter.module_name }}.config import MetricThreshold
from {{ cookiecutter.module_name }}.datatypes import OVERALL
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import Evaluation
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.datatypes import slice_name
from {{ cookiecutter.module_name }}.gate import ModelGate
from {{ cookiecutter.module_name }}.gate import Verdict
from {{ cookiecutter.module_name }}.html_page import page
from {{ cookiecutter.module_name }}.html_page import svg

TOP_FEATURES = 3
GRID_POINTS = 20  # partial dependence predicts every row once per grid point
NAN = float("nan")
MAX_COUNTERFACTUALS = 50


def evaluation_page(
    verdict: Verdict,
    thresholds: tuple[MetricThreshold, ...],
    artifact: ModelArtifact,
    test: Dataset,
) -> str:
    """`verdict.candidate` must be set: an unservable model has nothing to show."""
    candidate = verdict.candidate
    if candidate is None:
        raise ValueError("an unservable candidate has no evaluation to report")
    sections = [
        _verdict(verdict, thresholds, candidate),
        _slices(candidate, verdict.baseline),
        _figures(candidate, verdict.baseline, test),
        _partial_dependence(artifact, test),
        _counterfactuals(artifact, candidate, test),
    ]
    return page(f"Model evaluation: {artifact.version}", "".join(sections))


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    return frame.to_html(
        float_format="{:.4f}".format, na_rep="-", border=0, index=index
    )


def _verdict(
    verdict: Verdict, thresholds: tuple[MetricThreshold, ...], candidate: Evaluation
) -> str:
    gate = verdict.gate
    heading = (
        "Blessed: promoted when run by the pipeline"
        if gate.validation_ok
        else ("Refused: production stays as it was")
    )
    stamp = (
        "<p>No production model yet: change thresholds skipped (rubber stamp).</p>"
        if gate.rubber_stamp
        else ""
    )
    baseline = verdict.baseline.metrics if verdict.baseline else None
    rows = []
    for threshold in thresholds:
        where = slice_name(dict(threshold.slice))
        checked = ModelGate((threshold,)).validate(candidate.metrics, baseline)
        rows.append(
            {
                "slice": where,
                "metric": threshold.metric,
                "threshold": _settings(threshold),
                "observed": candidate.metrics.get(where, {}).get(threshold.metric, NAN),
                "production": (baseline or {})
                .get(where, {})
                .get(threshold.metric, NAN),
                "result": "; ".join(f.message for f in checked.failures) or "pass",
            }
        )
    css = "problem" if not gate.validation_ok else ""
    table = _table(pd.DataFrame(rows), index=False)
    return f'<h2 class="{css}">{html.escape(heading)}</h2>{stamp}{table}'


def _settings(threshold: MetricThreshold) -> str:
    values = {name: getattr(threshold, name) for name in THRESHOLD_SETTINGS}
    return ", ".join(
        f"{key}={value}" for key, value in values.items() if value is not None
    )


def _slices(candidate: Evaluation, baseline: Evaluation | None) -> str:
    table = pd.DataFrame(candidate.metrics).T.rename_axis("slice")
    section = "<h2>Metrics per slice</h2>" + _table(table)
    if baseline is not None:
        production = pd.DataFrame(baseline.metrics).T.rename_axis("slice")
        section += "<h3>The production model on the same rows</h3>" + _table(production)
    return section


def _figures(candidate: Evaluation, baseline: Evaluation | None, test: Dataset) -> str:
    figures = [_confusion(candidate, test), _slice_bars(candidate, baseline)]
    if candidate.probabilities is not None:
        figures.append(_roc(candidate, test))
    return "<h2>Where it errs</h2><div class='figures'>" + "".join(figures) + "</div>"


def _confusion(candidate: Evaluation, test: Dataset) -> str:
    figure = Figure(figsize=(4.5, 4))  # no pyplot: no global state, no display
    axes = figure.subplots()
    ConfusionMatrixDisplay.from_predictions(
        test.labels, candidate.predicted, labels=candidate.classes, ax=axes,
        colorbar=False,
    )  # fmt: skip
    axes.set_title("confusion matrix (rows: truth)")
    return svg(figure)


def _roc(candidate: Evaluation, test: Dataset) -> str:
    figure = Figure(figsize=(4.5, 4))
    axes = figure.subplots()
    probabilities = np.asarray(candidate.probabilities)
    for column, label in enumerate(candidate.classes):
        RocCurveDisplay.from_predictions(
            test.labels == label, probabilities[:, column], name=str(label), ax=axes
        )
    axes.set_title("ROC, one class against the rest")
    return svg(figure)


def _slice_bars(candidate: Evaluation, baseline: Evaluation | None) -> str:
    names = [name for name in candidate.metrics if name != OVERALL]
    models = {"candidate": candidate} | ({"production": baseline} if baseline else {})
    figure = Figure(figsize=(5, 0.35 * len(names) + 1.2))
    axes = figure.subplots()
    height = 0.8 / len(models)
    for offset, (label, evaluation) in enumerate(models.items()):
        accuracy = [
            evaluation.metrics.get(name, {}).get("accuracy", np.nan) for name in names
        ]
        axes.barh(
            np.arange(len(names)) + offset * height, accuracy, height, label=label
        )
    axes.set_yticks(np.arange(len(names)) + 0.4 - height / 2, names)
    axes.set_xlabel("accuracy")
    axes.legend(fontsize="small")
    return svg(figure)


def _partial_dependence(artifact: ModelArtifact, test: Dataset) -> str:
    """The features whose shuffling costs most accuracy, and how the predicted
    probability of each class moves along each of them."""
    served = artifact.model
    importance = permutation_importance(
        served, test.features, test.labels, n_repeats=5, random_state=0
    )
    ranked = pd.Series(importance.importances_mean, index=test.features.columns)
    top = list(ranked.sort_values(ascending=False).index[:TOP_FEATURES])
    categorical = list(test.features.select_dtypes(exclude="number").columns)
    plots = []
    for feature in top:
        dependence = partial_dependence(
            served,
            test.features,
            [feature],
            categorical_features=categorical,
            grid_resolution=GRID_POINTS,
        )
        plots.append(_dependence_plot(feature, dependence, artifact.classes))
    listing = ", ".join(f"{name} {ranked[name]:.3f}" for name in top)
    return (
        "<h2>Partial dependence of the most important features</h2>"
        "<p>Permutation importance (accuracy lost when shuffled): "
        f"{html.escape(listing)}</p>"
        "<div class='figures'>" + "".join(plots) + "</div>"
    )


def _dependence_plot(feature: str, dependence: Any, classes: list[Any]) -> str:
    figure = Figure(figsize=(4.5, 3))
    axes = figure.subplots()
    grid = [str(value) for value in dependence["grid_values"][0]]
    numeric = np.issubdtype(np.asarray(dependence["grid_values"][0]).dtype, np.number)
    positions = dependence["grid_values"][0] if numeric else np.arange(len(grid))
    averages = dependence["average"]
    labels = classes if len(averages) == len(classes) else [classes[-1]]
    for curve, label in zip(averages, labels):
        axes.plot(positions, curve, marker="" if numeric else "o", label=str(label))
    if not numeric:
        axes.set_xticks(positions, grid, rotation=30)
    axes.set_xlabel(feature)
    axes.set_ylabel("partial dependence")
    axes.legend(fontsize="small")
    return svg(figure)


def _counterfactuals(
    artifact: ModelArtifact, candidate: Evaluation, test: Dataset
) -> str:
    """For each misclassified row, the most similar evaluation row (distance on the
    preprocessed features) that the model classifies differently."""
    predicted = candidate.predicted.to_numpy()
    wrong = np.flatnonzero(predicted != test.labels.to_numpy())[:MAX_COUNTERFACTUALS]
    heading = "<h2>Misclassified rows and their nearest counterfactuals</h2>"
    if not wrong.size:
        return heading + "<p>Every evaluation row is classified correctly.</p>"
    encoded = artifact.encode(test.features)
    distances = pairwise_distances(encoded[wrong], encoded)
    rows = []
    for row, position in enumerate(wrong):
        other = np.flatnonzero(predicted != predicted[position])
        if not other.size:
            continue
        nearest = other[np.argmin(distances[row, other])]
        rows.append(_counterfactual_row(test, predicted, position, nearest))
    return heading + _table(pd.DataFrame(rows), index=False)


def _counterfactual_row(
    test: Dataset, predicted: Any, position: int, nearest: int
) -> dict[str, Any]:
    mine, theirs = test.features.iloc[position], test.features.iloc[nearest]
    differing = [
        f"{name}: {mine[name]} → {theirs[name]}"
        for name in test.features.columns
        if not (pd.isna(mine[name]) and pd.isna(theirs[name]))
        and mine[name] != theirs[name]
    ]
    return {
        "row": test.features.index[position],
        "label": test.labels.iloc[position],
        "predicted": predicted[position],
        "counterfactual row": test.features.index[nearest],
        "its prediction": predicted[nearest],
        "features that differ": "; ".join(differing),
    }
