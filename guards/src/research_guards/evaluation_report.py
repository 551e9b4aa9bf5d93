"""reports/evaluation.html: what TFMA's and the What-If tool's views show a reviewer,
as one static page. The gate's verdict with every threshold and metrics per slice for
every task; then the task's own views: for classification the confusion matrix and ROC
curves (binary: precision-recall and the cost-ratio threshold too), for regression
predicted against actual and the residuals; for both, partial dependence of the most
important features and the nearest counterfactual of each badly predicted row."""

import html
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.feature_selection import f_classif
from sklearn.feature_selection import f_regression
from sklearn.inspection import partial_dependence
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.metrics import PrecisionRecallDisplay
from sklearn.metrics import PredictionErrorDisplay
from sklearn.metrics import RocCurveDisplay
from sklearn.metrics import confusion_matrix
from sklearn.metrics import pairwise_distances
from sklearn.metrics import roc_curve

from research_guards.config import EvaluationConfig
from research_guards.config import MetricThreshold
from research_guards.datatypes import OVERALL
from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import readable
from research_guards.datatypes import slice_name
from research_guards.gate import Verdict
from research_guards.gate import check_threshold
from research_guards.html_page import category_ticks
from research_guards.html_page import legend_outside
from research_guards.html_page import page
from research_guards.html_page import svg

TOP_FEATURES = 3
# Permutation importance predicts every row REPEATS times per feature ranked: past
# this many features, the page ranks only those the model's predictions vary with
# most, so its work is bounded by what it draws, not by the table's width (a
# 2,000-column table took more than 7 minutes).
MAX_RANKED = 30
REPEATS = 5
SHOWN_DIFFERENCES = 10  # per counterfactual row; a wide table differs everywhere
GRID_POINTS = 20  # partial dependence predicts every row once per grid point
NAN = float("nan")
MAX_COUNTERFACTUALS = 50
SCATTER_POINTS = 1000  # more points add bytes to the page, not information
MISSING = "missing"  # a counterfactual's empty cell, as a reader would say it
Positions = npt.NDArray[np.intp]
FloatMatrix = npt.NDArray[np.float64]


def evaluation_page(
    verdict: Verdict,
    settings: EvaluationConfig,
    artifact: ModelArtifact,
    test: Dataset,
    search: SearchSummary | None = None,
    status: str = "",
) -> str:
    """`verdict.candidate` must be set: an unservable model has nothing to show.
    `settings` gives the thresholds, the slice keys the verdict was sliced by, and
    the cost ratio and counterfactual delta of the task's views. `search` is the
    study whose best parameters trained the candidate, if any; `status` what became
    of the candidate and what it was compared with, said first."""
    candidate = verdict.candidate
    if candidate is None:
        raise ValueError("an unservable candidate has no evaluation to report")
    sections = [
        f"<p class='status'><strong>{html.escape(status)}</strong></p>",
        _verdict(verdict, settings.thresholds or (), candidate),
        _slices(candidate, verdict.baseline),
        *_task_sections(candidate, verdict.baseline, settings, artifact, test),
        _search_section(search) if search else "",
    ]
    return page(f"Model evaluation: {artifact.version}", "".join(sections))


def _task_sections(
    candidate: Evaluation,
    baseline: Evaluation | None,
    settings: EvaluationConfig,
    artifact: ModelArtifact,
    test: Dataset,
) -> list[str]:
    if artifact.task == "regression":
        return [
            _regression_figures(candidate, baseline, test),
            _partial_dependence(artifact, test, candidate.predicted),
            _largest_errors(artifact, candidate, test, settings.counterfactual_delta),
        ]
    sections = [_classification_figures(candidate, baseline, test)]
    if len(candidate.classes) == 2:
        sections.append(_cost_view(candidate, test, settings))
    return sections + [
        _partial_dependence(artifact, test, candidate.predicted),
        _misclassified(artifact, candidate, test),
    ]


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    """See datatypes.readable: "n/a" for undefined numbers, whole counts."""
    return readable(frame).to_html(
        float_format="{:.4f}".format, na_rep="n/a", border=0, index=index
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
        failures = check_threshold(threshold, candidate.metrics, baseline)
        rows.append(
            {
                "slice": where,
                "metric": threshold.metric,
                "threshold": threshold.condition(),
                "observed": candidate.metrics.get(where, {}).get(threshold.metric, NAN),
                "production": (baseline or {})
                .get(where, {})
                .get(threshold.metric, NAN),
                "result": "; ".join(f.message for f in failures) or "pass",
            }
        )
    css = "problem" if not gate.validation_ok else ""
    table = _table(pd.DataFrame(rows), index=False)
    return f'<h2 class="{css}">{html.escape(heading)}</h2>{stamp}{table}'


def _slices(candidate: Evaluation, baseline: Evaluation | None) -> str:
    table = pd.DataFrame(candidate.metrics).T.rename_axis("slice")
    section = "<h2>Metrics per slice</h2>" + _table(table)
    if baseline is not None:
        production = pd.DataFrame(baseline.metrics).T.rename_axis("slice")
        section += "<h3>The production model on the same rows</h3>" + _table(production)
    return section


def _figure_section(figures: list[str]) -> str:
    return "<h2>Where it errs</h2><div class='figures'>" + "".join(figures) + "</div>"


def _classification_figures(
    candidate: Evaluation, baseline: Evaluation | None, test: Dataset
) -> str:
    figures = [
        _confusion(candidate, test),
        _slice_bars(candidate, baseline, "accuracy"),
    ]
    if candidate.probabilities is not None and len(candidate.classes) == 2:
        figures += [_binary_roc(candidate, test), _precision_recall(candidate, test)]
    elif candidate.probabilities is not None:
        figures.append(_roc(candidate, test))
    return _figure_section(figures)


def _regression_figures(
    candidate: Evaluation, baseline: Evaluation | None, test: Dataset
) -> str:
    figures = [
        _prediction_error(candidate, test, "actual_vs_predicted"),
        _prediction_error(candidate, test, "residual_vs_predicted"),
        _slice_bars(candidate, baseline, "mean_absolute_error"),
    ]
    return _figure_section(figures)


def _captioned(figure: Figure, caption: str) -> str:
    """The title as HTML, not drawn: readers and screen readers find it, and the
    drawing keeps its room for the data."""
    return (
        f"<figure>{svg(figure)}"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _confusion(candidate: Evaluation, test: Dataset) -> str:
    figure = Figure(figsize=(4.5, 4))  # no pyplot: no global state, no display
    axes = figure.subplots()
    ConfusionMatrixDisplay.from_predictions(
        test.labels, candidate.predicted, labels=candidate.classes, ax=axes,
        colorbar=False,
    )  # fmt: skip
    return _captioned(figure, "confusion matrix (rows: truth)")


def _roc(candidate: Evaluation, test: Dataset) -> str:
    figure = Figure(figsize=(4.5, 4))
    axes = figure.subplots()
    probabilities = np.asarray(candidate.probabilities)
    for column, label in enumerate(candidate.classes):
        RocCurveDisplay.from_predictions(
            test.labels == label, probabilities[:, column], name=str(label), ax=axes
        )
    # Each curve's positive label is its own class, not the True that scikit-learn
    # names on the axes ("Positive label: 1") when handed one class against the rest.
    axes.set_xlabel("False positive rate")
    axes.set_ylabel("True positive rate")
    legend_outside(axes)
    return _captioned(figure, "ROC, one class against the rest")


def _positive_score(candidate: Evaluation) -> npt.NDArray[np.float64]:
    """Binary: the probability of classes[1], the class the Evaluator's precision,
    recall and AUCs count as positive."""
    return np.asarray(candidate.probabilities)[:, 1]


def _binary_roc(candidate: Evaluation, test: Dataset) -> str:
    return _binary_curve(RocCurveDisplay, "ROC", candidate, test)


def _precision_recall(candidate: Evaluation, test: Dataset) -> str:
    return _binary_curve(PrecisionRecallDisplay, "precision-recall", candidate, test)


def _binary_curve(
    display: Any, caption: str, candidate: Evaluation, test: Dataset
) -> str:
    """One of scikit-learn's curve displays, for the positive class's scores."""
    figure = Figure(figsize=(4.5, 4))
    axes = figure.subplots()
    positive = candidate.classes[1]
    display.from_predictions(
        test.labels, _positive_score(candidate), pos_label=positive,
        name=str(positive), ax=axes, plot_chance_level=True,
    )  # fmt: skip
    legend_outside(axes)
    return _captioned(figure, caption)


def _prediction_error(candidate: Evaluation, test: Dataset, kind: str) -> str:
    """scikit-learn's regression views, on a fixed sample of at most
    SCATTER_POINTS rows so the page stays small and the same data draws the same."""
    figure = Figure(figsize=(4.5, 4))
    axes = figure.subplots()
    PredictionErrorDisplay.from_predictions(
        test.labels.to_numpy(dtype=np.float64),
        candidate.predicted.to_numpy(dtype=np.float64),
        kind=kind, subsample=SCATTER_POINTS, random_state=0, ax=axes,
    )  # fmt: skip
    titles = {
        "actual_vs_predicted": "actual against predicted (on the diagonal: exact)",
        "residual_vs_predicted": "residuals (actual - predicted) against predicted",
    }
    return _captioned(figure, titles[kind])


def _slice_bars(candidate: Evaluation, baseline: Evaluation | None, metric: str) -> str:
    names = [name for name in candidate.metrics if name != OVERALL]
    if not names:
        return ""
    models = {"candidate": candidate} | ({"production": baseline} if baseline else {})
    figure = Figure(figsize=(5, 0.35 * len(names) + 1.2))
    axes = figure.subplots()
    height = 0.8 / len(models)
    for offset, (label, evaluation) in enumerate(models.items()):
        values = [
            evaluation.metrics.get(name, {}).get(metric, np.nan) for name in names
        ]
        axes.barh(np.arange(len(names)) + offset * height, values, height, label=label)
    axes.set_yticks(np.arange(len(names)) + 0.4 - height / 2, names)
    axes.set_xlabel(metric)
    legend_outside(axes)
    return _captioned(figure, f"{metric} per slice")


def _cost_view(candidate: Evaluation, test: Dataset, settings: EvaluationConfig) -> str:
    """The What-If tool's cost-ratio view: the threshold on the positive class's
    probability that a false positive costing `cost_ratio` false negatives calls
    for, overall and per slice (a slice may deserve its own threshold)."""
    heading = "<h2>Decision threshold for a cost ratio</h2>"
    ratio = settings.cost_ratio
    if ratio is None:
        return heading + (
            "<p>Set <code>cost_ratio</code> (the cost of a false positive over that "
            "of a false negative) under <code>[evaluation]</code> in the config to "
            "see the threshold that minimises cost, overall and per slice.</p>"
        )
    if candidate.probabilities is None:
        return heading + "<p>The model gives no probabilities to threshold.</p>"
    positive = candidate.classes[1]
    actual = test.labels.to_numpy() == positive
    served = candidate.predicted.to_numpy() == positive
    score = _positive_score(candidate)
    rows = [
        _cost_row(name, actual[where], score[where], served[where], ratio)
        for name, where in _slice_rows(test, settings.slices, candidate).items()
    ]
    meaning = (
        f"<p>Cost = {ratio:g} × false positives + false negatives; a row is "
        f"predicted {html.escape(str(positive))} when its probability is at least "
        "the threshold. Counts are at that threshold.</p>"
    )
    return heading + meaning + _table(pd.DataFrame(rows), index=False)


def _slice_rows(
    test: Dataset, slices: tuple[tuple[str, ...], ...], candidate: Evaluation
) -> dict[str, Positions]:
    """The rows of each slice the Evaluator scored, grouped as it groups them."""
    rows = {OVERALL: np.arange(len(test), dtype=np.intp)}
    for keys in slices:
        groups = test.features.groupby(list(keys), dropna=True, sort=True).indices
        for values, positions in groups.items():
            name = slice_name(dict(zip(keys, _as_tuple(values))))
            if name in candidate.metrics:
                rows[name] = np.asarray(positions, dtype=np.intp)
    return rows


def _as_tuple(values: Any) -> tuple[Any, ...]:
    """pandas keys a group by one column with a bare value, by several with a
    tuple."""
    return values if isinstance(values, tuple) else (values,)


def _cost_row(
    name: str,
    actual: npt.NDArray[np.bool_],
    score: npt.NDArray[np.float64],
    served: npt.NDArray[np.bool_],
    ratio: float,
) -> dict[str, Any]:
    threshold = _cheapest_threshold(actual, score, ratio)
    tn, fp, fn, tp = _counts(actual, score >= threshold)
    _, served_fp, served_fn, _ = _counts(actual, served)
    return {
        "slice": name,
        "rows": len(actual),
        "threshold": f"{threshold:.4f}" if np.isfinite(threshold) else "none positive",
        "cost": ratio * fp + fn,
        "tn": tn,
        "fp": fp,
        "fn": fn,
        "tp": tp,
        "cost as served": ratio * served_fp + served_fn,
    }


def _cheapest_threshold(
    actual: npt.NDArray[np.bool_], score: npt.NDArray[np.float64], ratio: float
) -> float:
    """The ROC curve's thresholds are every distinct decision; the cheapest one wins,
    the highest on a tie. A slice of one class has an undefined rate (NaN), which
    counts zero rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        fpr, tpr, thresholds = roc_curve(actual, score, drop_intermediate=False)
    false_positives = np.nan_to_num(fpr) * np.count_nonzero(~actual)
    false_negatives = (1 - np.nan_to_num(tpr)) * np.count_nonzero(actual)
    return float(thresholds[np.argmin(ratio * false_positives + false_negatives)])


def _counts(
    actual: npt.NDArray[np.bool_], predicted: npt.NDArray[np.bool_]
) -> tuple[int, int, int, int]:
    """tn, fp, fn, tp; both labels named, so a slice of one class still has four."""
    tn, fp, fn, tp = confusion_matrix(actual, predicted, labels=[False, True]).ravel()
    return int(tn), int(fp), int(fn), int(tp)


def _partial_dependence(
    artifact: ModelArtifact, test: Dataset, predicted: "pd.Series[Any]"
) -> str:
    """The features whose shuffling costs most score (accuracy, or R² for
    regression), and how the prediction moves along each of them: per class for
    classification, one curve for a binary classifier's positive class or a
    regressor."""
    served = artifact.model
    features = test.features[list(artifact.feature_names)]
    encoded = artifact.encode(features)
    blocks = _encoded_blocks(artifact, list(features.columns))
    candidates = _screened(artifact.task, encoded, blocks, predicted)
    ranked = _permutation_importance(
        served[-1], encoded, test.labels, blocks, candidates
    )
    top = list(ranked.sort_values(ascending=False, kind="stable").index[:TOP_FEATURES])
    categorical = list(features.select_dtypes(exclude="number").columns)
    plots = []
    for feature in top:
        dependence = partial_dependence(
            served,
            _without_gaps(features, feature),
            [feature],
            categorical_features=categorical or None,
            grid_resolution=GRID_POINTS,
        )
        plots.append(_dependence_plot(feature, dependence, _curve_names(artifact)))
    listing = ", ".join(f"{name} {ranked[name]:.3f}" for name in top)
    score = "R²" if artifact.task == "regression" else "accuracy"
    left_out = len(features.columns) - len(candidates)
    screening = (
        f" {left_out} of the {len(features.columns)} features were not ranked: only "
        f"the {len(candidates)} the predictions vary with most (univariate F-test "
        "on the encoded features) were shuffled."
        if left_out
        else ""
    )
    return (
        "<h2>Partial dependence of the most important features</h2>"
        f"<p>Permutation importance ({score} lost when shuffled): "
        f"{html.escape(listing)}.{html.escape(screening)}</p>"
        "<div class='figures'>" + "".join(plots) + "</div>"
    )


Blocks = dict[str, list[int]]


def _encoded_blocks(artifact: ModelArtifact, names: list[str]) -> Blocks:
    """Which encoded columns each input feature became: "numeric__mass" is mass,
    "categorical__island_Dream" is island (the longest name that fits). A feature
    the imputer dropped (never present) has none."""
    blocks: Blocks = {name: [] for name in names}
    encoded = artifact.model[:-1].get_feature_names_out()
    for position, column in enumerate(encoded):
        bare = str(column).split("__", 1)[-1]
        fitting = [n for n in names if bare == n or bare.startswith(f"{n}_")]
        if fitting:
            blocks[max(fitting, key=len)].append(position)
    return blocks


def _screened(
    task: str, encoded: FloatMatrix, blocks: Blocks, predicted: "pd.Series[Any]"
) -> list[str]:
    """At most MAX_RANKED features, for permutation importance to shuffle: all of a
    narrow table's; of a wide one's, those the model's own predictions depend on
    most, by a univariate F-test of each encoded column against them (the largest
    of a one-hot feature's columns). One pass, not a prediction per feature."""
    names = list(blocks)
    if len(names) <= MAX_RANKED or predicted.nunique() < 2:
        return names[:MAX_RANKED]
    test = f_regression if task == "regression" else f_classif
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # constant columns: F is NaN
        scores, _ = test(encoded, predicted.to_numpy())
    scores = np.nan_to_num(scores, nan=0.0)
    strength = {
        name: max((float(scores[c]) for c in block), default=0.0)
        for name, block in blocks.items()
    }
    return sorted(names, key=lambda name: -strength[name])[:MAX_RANKED]


def _permutation_importance(
    estimator: Any,
    encoded: FloatMatrix,
    labels: "pd.Series[Any]",
    blocks: Blocks,
    names: list[str],
) -> "pd.Series[float]":
    """scikit-learn's permutation importance (the estimator's score lost when a
    feature is shuffled, averaged over REPEATS), for the named features only, and
    on the encoded rows: preprocessing encodes each row's value on its own, so
    shuffling a feature's encoded columns together is shuffling the feature, and
    the table is encoded once, not once per shuffle."""
    generator = np.random.default_rng(0)
    baseline = estimator.score(encoded, labels)
    losses = {}
    for name in names:
        block = blocks[name]
        drops = []
        for _ in range(REPEATS if block else 0):
            shuffled = encoded.copy()
            shuffled[:, block] = encoded[generator.permutation(len(encoded))][:, block]
            drops.append(baseline - estimator.score(shuffled, labels))
        losses[name] = float(np.mean(drops)) if drops else 0.0
    return pd.Series(losses, dtype=np.float64)


def _without_gaps(features: pd.DataFrame, feature: str) -> pd.DataFrame:
    """Partial dependence overwrites the feature with each grid value, so its missing
    cells never reach the model; they only break the grid (NaN among strings). Fill
    them with the commonest value to build the grid from present values."""
    column = features[feature]
    if not column.isna().any() or column.dropna().empty:
        return features
    return features.assign(**{feature: column.fillna(column.mode().iloc[0])})


def _curve_names(artifact: ModelArtifact) -> list[str]:
    """partial_dependence gives one curve per class, except one for a binary
    classifier (its positive class) and one for a regressor (the prediction)."""
    classes = [str(label) for label in artifact.classes]
    if artifact.task == "regression":
        return [f"predicted {artifact.label}"]
    return classes if len(classes) > 2 else [f"probability of {classes[-1]}"]


def _dependence_plot(feature: str, dependence: Any, names: list[str]) -> str:
    figure = Figure(figsize=(4.5, 3))
    axes = figure.subplots()
    grid = [str(value) for value in dependence["grid_values"][0]]
    numeric = np.issubdtype(np.asarray(dependence["grid_values"][0]).dtype, np.number)
    positions = dependence["grid_values"][0] if numeric else np.arange(len(grid))
    for curve, name in zip(dependence["average"], names):
        axes.plot(positions, curve, marker="" if numeric else "o", label=name)
    axes.set_xlabel(feature)
    if len(names) == 1:  # the axis names the one curve; a legend would widen it
        axes.set_ylabel(f"partial dependence\n({names[0]})")
    else:
        axes.set_ylabel("partial dependence")
        legend_outside(axes)
    if not numeric:
        category_ticks(axes, list(range(len(grid))), grid)
    return _captioned(figure, f"partial dependence on {feature}")


def _misclassified(
    artifact: ModelArtifact, candidate: Evaluation, test: Dataset
) -> str:
    """For each misclassified row, the most similar evaluation row that the model
    classifies differently."""
    predicted = candidate.predicted.to_numpy()
    wrong = np.flatnonzero(predicted != test.labels.to_numpy())[:MAX_COUNTERFACTUALS]
    heading = "<h2>Misclassified rows and their nearest counterfactuals</h2>"
    if not wrong.size:
        return heading + "<p>Every evaluation row is classified correctly.</p>"
    pairs = _nearest(
        artifact.encode(test.features),
        wrong,
        lambda position: np.flatnonzero(predicted != predicted[position]),
    )
    rows = [
        _counterfactual_row(artifact, test, predicted, position, nearest)
        for position, nearest in pairs
    ]
    return heading + _table(pd.DataFrame(rows), index=False)


def _largest_errors(
    artifact: ModelArtifact,
    candidate: Evaluation,
    test: Dataset,
    delta: float | None,
) -> str:
    """For the rows predicted worst, the most similar evaluation row whose
    prediction differs by more than `delta` (default: one standard deviation of
    the labels, a change a reader would call different)."""
    truth = test.labels.to_numpy(dtype=np.float64)
    predicted = candidate.predicted.to_numpy(dtype=np.float64)
    errors = np.abs(truth - predicted)
    worst = np.argsort(-errors, kind="stable")[:MAX_COUNTERFACTUALS]
    change = float(test.labels.std()) if delta is None else delta
    pairs = _nearest(
        artifact.encode(test.features),
        worst,
        lambda position: np.flatnonzero(
            np.abs(predicted - predicted[position]) > change
        ),
    )
    rows = [
        {"absolute error": errors[position]}
        | _counterfactual_row(artifact, test, predicted, position, nearest)
        for position, nearest in pairs
    ]
    heading = "<h2>Largest errors and their nearest counterfactuals</h2>"
    note = (
        f"<p>For the {worst.size} rows with the largest absolute error, the nearest "
        f"row whose prediction differs by more than {change:.4g}.</p>"
    )
    if not rows:
        return heading + note + "<p>No row's prediction differs that much.</p>"
    return heading + note + _table(pd.DataFrame(rows), index=False)


def _nearest(
    encoded: npt.NDArray[np.float64],
    sources: Positions,
    candidates: Callable[[int], Positions],
) -> list[tuple[int, int]]:
    """Each source row with its nearest candidate row, distance measured on the
    features as the estimator sees them (the project's preprocessing scales and
    one-hot encodes, so no feature outweighs another by its units); sources without
    any candidate are left out."""
    distances = pairwise_distances(encoded[sources], encoded)
    pairs = []
    for row, position in enumerate(sources):
        other = candidates(int(position))
        if other.size:
            pairs.append((int(position), int(other[np.argmin(distances[row, other])])))
    return pairs


def _counterfactual_row(
    artifact: ModelArtifact, test: Dataset, predicted: Any, position: int, nearest: int
) -> dict[str, Any]:
    """Differences over the model's features only: a column it never reads (a
    name, a date adopt left out) differs between any two rows and explains
    nothing. An empty cell reads "missing", never "nan"."""
    mine, theirs = test.features.iloc[position], test.features.iloc[nearest]
    differing = [
        f"{name}: {_cell(mine[name])} → {_cell(theirs[name])}"
        for name in artifact.feature_names
        if _differs(mine[name], theirs[name])
    ]
    if len(differing) > SHOWN_DIFFERENCES:
        more = len(differing) - SHOWN_DIFFERENCES
        differing = [*differing[:SHOWN_DIFFERENCES], f"and {more} more"]
    return {
        "row": test.features.index[position],
        "label": test.labels.iloc[position],
        "predicted": predicted[position],
        "counterfactual row": test.features.index[nearest],
        "its prediction": predicted[nearest],
        "features that differ": "; ".join(differing),
    }


def _differs(mine: Any, theirs: Any) -> bool:
    """Two empty cells are alike; an empty and a filled one differ."""
    if pd.isna(mine) or pd.isna(theirs):
        return bool(pd.isna(mine) != pd.isna(theirs))
    return bool(mine != theirs)


def _cell(value: Any) -> str:
    return MISSING if pd.isna(value) else _shown(value)


def _shown(value: Any) -> str:
    """Four significant digits: enough to see what changed, short enough to read."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _search_section(search: SearchSummary) -> str:
    """What the search tried, so a reviewer sees how the parameters were chosen: on
    cross-validation of the training rows, never on the rows judged above."""
    best = search.best
    shown = ", ".join(f"{key}={_shown(value)}" for key, value in best.params.items())
    text = (
        f"<p>Study <code>{html.escape(search.study)}</code> in "
        f"<code>{html.escape(search.storage)}</code>: {len(search.trials)} trials; "
        f"the candidate has trial #{best.number}'s parameters ({html.escape(shown)}),"
        f" {search.metric} {best.score:.4f} on {search.folds}-fold "
        "cross-validation of the training rows.</p>"
    )
    figures = [_trial_scores(search)]
    if search.importances:
        figures.append(_importances(search.importances))
    return (
        "<h2>Hyperparameter search</h2>"
        + text
        + "<div class='figures'>"
        + "".join(figures)
        + "</div>"
    )


def _trial_scores(search: SearchSummary) -> str:
    scored = [trial for trial in search.trials if trial.score is not None]
    numbers = [trial.number for trial in scored]
    scores = np.array([trial.score for trial in scored], dtype=float)
    better = np.fmax if search.direction == "higher_is_better" else np.fmin
    figure = Figure(figsize=(5, 3.5))
    axes = figure.subplots()
    axes.plot(numbers, scores, "o", alpha=0.6, label="trial")
    axes.step(numbers, better.accumulate(scores), where="post", label="best so far")
    chosen = np.asarray([search.best.score], dtype=float)
    axes.plot([search.best.number], chosen, "*", ms=12, label="chosen")
    axes.set_xlabel("trial")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # no trial #2.5
    axes.set_ylabel(f"{search.metric} ({search.folds}-fold CV)")
    legend_outside(axes)
    return _captioned(figure, f"{search.metric} per trial")


def _importances(importances: dict[str, float]) -> str:
    names = list(importances)[::-1]  # largest on top
    figure = Figure(figsize=(5, 0.35 * len(names) + 1.2))
    axes = figure.subplots()
    axes.barh(names, [importances[name] for name in names])
    axes.set_xlabel("importance (fANOVA)")
    return _captioned(figure, "Which parameters mattered (Optuna's importance)")
