"""The evaluation page per task, on small data made here: no sample file, no config
file, so the page's behaviour is pinned whatever table the project adopts."""

import html
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from figures import kept
from figures import legends_over_data
from figures import overlapping_labels
from matplotlib.figure import Figure
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import StandardScaler

from research_guards import evaluation_report
from research_guards.config import EvaluationConfig
from research_guards.config import MetricThreshold
from research_guards.datatypes import Dataset
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import SearchSummary
from research_guards.datatypes import Task
from research_guards.datatypes import Trial
from research_guards.evaluation_report import evaluation_page
from research_guards.gate import GateResult
from research_guards.gate import ModelGate
from research_guards.gate import Verdict
from research_guards.metrics import evaluate

ROWS = 120
TRAINING_ROWS = 80  # the rest are evaluation rows
NUMERIC = ("length", "depth")
CATEGORICAL = ("site",)
SLICES = (("site",),)
CLASSIFICATION_THRESHOLDS = (
    MetricThreshold("accuracy", lower_bound=0.6),
    MetricThreshold("accuracy", slice=(("site", "south"),), lower_bound=0.3),
)
REGRESSION_THRESHOLDS = (
    MetricThreshold("r2", lower_bound=0.5),
    MetricThreshold(
        "mean_absolute_error", slice=(("site", "south"),), upper_bound=500.0
    ),
)


def table() -> pd.DataFrame:
    """Two numeric features and one categorical, with labels of every task that
    depend on them, so each model learns something."""
    generator = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "length": generator.normal(40.0, 5.0, ROWS),
            "depth": generator.normal(17.0, 2.0, ROWS),
            "site": generator.choice(["north", "south", "east"], ROWS),
        }
    )
    noise = generator.normal(0.0, 1.0, ROWS)
    size = (frame["length"] - 40.0) / 5.0 + (frame["depth"] - 17.0) / 2.0 + noise
    frame["binary"] = np.where(size > 0, "large", "small")
    frame["multiclass"] = pd.cut(size, [-np.inf, -0.8, 0.8, np.inf], labels=False)
    frame["multiclass"] = frame["multiclass"].map({0: "a", 1: "b", 2: "c"})
    site = frame["site"].map({"north": 300.0, "south": 0.0, "east": -200.0})
    frame["regression"] = 4000.0 + 400.0 * size + site
    return frame


def preprocess() -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(NUMERIC)),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
        ]
    )


def fitted(label: str, estimator: Any, task: Task) -> tuple[ModelArtifact, Dataset]:
    """The artifact as the Trainer would save it, and the evaluation rows."""
    return fitted_with(preprocess(), label, estimator, task=task)


def fitted_with(
    preprocessing: ColumnTransformer,
    label: str,
    estimator: Any,
    frame: pd.DataFrame | None = None,
    task: Task = "classification",
) -> tuple[ModelArtifact, Dataset]:
    frame = table() if frame is None else frame
    features = frame[list(NUMERIC + CATEGORICAL)]
    model = Pipeline([("preprocess", preprocessing), ("estimator", estimator)])
    model.fit(features[:TRAINING_ROWS], frame[label][:TRAINING_ROWS])
    artifact = ModelArtifact(
        model, NUMERIC + CATEGORICAL, label, task, version=f"{label}-run"
    )
    return artifact, Dataset(features[TRAINING_ROWS:], frame[label][TRAINING_ROWS:])


def binary() -> tuple[ModelArtifact, Dataset]:
    return fitted("binary", LogisticRegression(), "classification")


def multiclass() -> tuple[ModelArtifact, Dataset]:
    forest = RandomForestClassifier(n_estimators=10, random_state=0)
    return fitted("multiclass", forest, "classification")


def regression() -> tuple[ModelArtifact, Dataset]:
    forest = RandomForestRegressor(n_estimators=10, random_state=0)
    return fitted("regression", forest, "regression")


def report(
    artifact: ModelArtifact,
    test: Dataset,
    settings: EvaluationConfig,
    production: ModelArtifact | None = None,
) -> str:
    """Evaluated, gated and drawn as the Pipeline does it."""
    candidate = evaluate(artifact, test, settings.slices)
    baseline = evaluate(production, test, settings.slices) if production else None
    gate = ModelGate(settings.thresholds or ()).validate(
        candidate.metrics, baseline.metrics if baseline else None
    )
    return evaluation_page(Verdict(candidate, baseline, gate), settings, artifact, test)


def classification_settings(cost_ratio: float | None = None) -> EvaluationConfig:
    return EvaluationConfig(
        slices=SLICES, thresholds=CLASSIFICATION_THRESHOLDS, cost_ratio=cost_ratio
    )


def regression_settings(delta: float | None = None) -> EvaluationConfig:
    return EvaluationConfig(
        slices=SLICES, thresholds=REGRESSION_THRESHOLDS, counterfactual_delta=delta
    )


def assert_static(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)


def assert_every_threshold(page: str, thresholds: tuple[MetricThreshold, ...]) -> None:
    for threshold in thresholds:
        assert f"<td>{html.escape(threshold.condition())}</td>" in page
        for key, value in threshold.slice:
            assert f"{key}={value}" in page


def section(page: str, heading: str) -> str:
    """The page from the heading to the next one of its level."""
    start = page.index(f"<h2>{heading}</h2>")
    end = page.find("<h2", start + 1)
    return page[start : end if end >= 0 else len(page)]


def cells(html: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
        if found and found[0] == first:
            return found
    raise AssertionError(f"no row {first!r}")


def cheapest(actual: npt.NDArray[np.bool_], score: Any, ratio: float) -> float:
    """Every possible cut tried: the threshold the page must find, highest on a tie."""
    cuts = np.append(np.unique(score), np.inf)
    costs = [
        ratio * np.sum((score >= cut) & ~actual) + np.sum((score < cut) & actual)
        for cut in cuts
    ]
    return float(max(cut for cut, cost in zip(cuts, costs) if cost == min(costs)))


@pytest.fixture(scope="module")
def binary_page() -> str:
    return report(*binary(), classification_settings(cost_ratio=3.0))


@pytest.fixture(scope="module")
def regression_page() -> str:
    return report(*regression(), regression_settings())


def test_a_binary_page_is_static_and_shows_every_threshold(binary_page: str) -> None:
    assert_static(binary_page)
    assert_every_threshold(binary_page, CLASSIFICATION_THRESHOLDS)
    assert "Blessed" in binary_page and "rubber stamp" in binary_page


def test_a_binary_page_draws_roc_and_precision_recall(binary_page: str) -> None:
    figures = section(binary_page, "Where it errs")
    for caption in (
        "confusion matrix",
        "accuracy per slice",
        "ROC",
        "precision-recall",
    ):
        assert f"<figcaption>{caption}" in figures
    assert "one class against the rest" not in figures
    assert binary_page.count("<svg") >= 5  # and partial dependence


def test_the_cost_ratio_picks_the_cheapest_threshold_overall_and_per_slice() -> None:
    artifact, test = binary()
    page = report(artifact, test, classification_settings(cost_ratio=3.0))
    view = section(page, "Decision threshold for a cost ratio")
    actual = (test.labels == artifact.classes[1]).to_numpy()
    score = np.asarray(artifact.predict_proba(test.features))[:, 1]
    threshold = cheapest(actual, score, 3.0)
    row = cells(view, "overall")
    assert row[2] == f"{threshold:.4f}"
    assert [int(count) for count in row[4:8]] == [
        np.sum(~actual & (score < threshold)),
        np.sum(~actual & (score >= threshold)),
        np.sum(actual & (score < threshold)),
        np.sum(actual & (score >= threshold)),
    ]
    assert float(row[3]) == 3.0 * int(row[5]) + int(row[6])
    for site in ("north", "south", "east"):
        assert int(cells(view, f"site={site}")[1]) == (
            (test.features["site"] == site).sum()
        )


def test_a_dearer_false_positive_raises_the_threshold() -> None:
    artifact, test = binary()
    thresholds = []
    for ratio in (0.05, 20.0):
        page = report(artifact, test, classification_settings(cost_ratio=ratio))
        view = section(page, "Decision threshold for a cost ratio")
        thresholds.append(cells(view, "overall")[2])
    cheap, dear = (
        float("inf") if text == "none positive" else float(text) for text in thresholds
    )
    assert cheap < dear


def test_without_a_cost_ratio_the_page_says_how_to_set_one() -> None:
    page = report(*binary(), classification_settings())
    view = section(page, "Decision threshold for a cost ratio")
    assert "Set <code>cost_ratio</code>" in view and "<table" not in view


def test_a_categorical_feature_with_missing_values_is_drawn() -> None:
    """Evaluation rows with a blank category (the model imputes it) still give a
    whole page: no slice or chart may stop on the missing value."""
    artifact, test = binary()
    features = test.features.copy()
    features.loc[features.index[:3], "site"] = None
    page = report(artifact, Dataset(features, test.labels), classification_settings())
    assert_static(page)
    assert_every_threshold(page, CLASSIFICATION_THRESHOLDS)


def test_a_multiclass_page_keeps_one_roc_per_class() -> None:
    page = report(*multiclass(), classification_settings(cost_ratio=3.0))
    assert_static(page)
    assert_every_threshold(page, CLASSIFICATION_THRESHOLDS)
    assert "<figcaption>ROC, one class against the rest" in page
    assert "precision-recall" not in page and "cost ratio" not in page
    assert "nearest counterfactuals" in page


def test_wrong_labels_are_refused_and_get_counterfactuals() -> None:
    artifact, test = binary()
    flipped = test.labels.map({"large": "small", "small": "large"})
    page = report(artifact, Dataset(test.features, flipped), classification_settings())
    assert "Refused: production stays as it was" in page
    assert "is below lower_bound 0.6" in page
    rows = section(page, "Misclassified rows and their nearest counterfactuals")
    assert "counterfactual row" in rows and "→" in rows


def test_right_labels_need_no_counterfactual() -> None:
    artifact, test = binary()
    predicted = artifact.predict(test.features)
    page = report(
        artifact, Dataset(test.features, predicted), classification_settings()
    )
    assert "Every evaluation row is classified correctly" in page


class CountingLogistic(LogisticRegression):  # type: ignore[misc]
    """Counts the page's scorings: its work, measured without a clock."""

    scorings = 0

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        CountingLogistic.scorings += 1
        return float(super().score(X, y, sample_weight))


def test_a_wide_table_ranks_and_lists_a_bounded_number_of_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 2,000-column table ran the page for minutes: permutation importance scored
    every column five times. It now shuffles at most MAX_RANKED features, those the
    predictions vary with most, says how many it left out, and finds the signal;
    a counterfactual row names a bounded number of differing features."""
    monkeypatch.setattr(evaluation_report, "MAX_RANKED", 5)
    generator = np.random.default_rng(3)
    columns = [f"noise{number}" for number in range(39)] + ["signal"]
    features = pd.DataFrame(generator.normal(size=(200, 40)), columns=columns)
    labels = pd.Series(np.where(features["signal"] > 0, "yes", "no"), name="wide")
    model = Pipeline(
        [
            ("preprocess", ColumnTransformer([("numeric", StandardScaler(), columns)])),
            ("estimator", CountingLogistic()),
        ]
    )
    model.fit(features[:150], labels[:150])
    artifact = ModelArtifact(model, tuple(columns), "wide", "classification")
    test = Dataset(features[150:], labels[150:])
    CountingLogistic.scorings = 0
    page = report(artifact, test, EvaluationConfig())
    assert CountingLogistic.scorings == 1 + 5 * evaluation_report.REPEATS
    ranked = section(page, "Partial dependence of the most important features")
    assert "35 of the 40 features were not ranked: only the 5" in ranked
    assert "Permutation importance (accuracy lost when shuffled): signal " in ranked
    wrong = Dataset(test.features, test.labels.map({"yes": "no", "no": "yes"}))
    rows = report(artifact, wrong, EvaluationConfig()).split("Misclassified rows")[1]
    differing = evaluation_report.SHOWN_DIFFERENCES
    assert f"and {40 - differing} more" in rows


def test_a_regression_page_is_static_and_shows_every_threshold(
    regression_page: str,
) -> None:
    assert_static(regression_page)
    assert_every_threshold(regression_page, REGRESSION_THRESHOLDS)


def test_a_regression_page_draws_predictions_residuals_and_slice_errors(
    regression_page: str,
) -> None:
    figures = section(regression_page, "Where it errs")
    for caption in ("actual against predicted", "residuals", "mean_absolute_error"):
        assert f"<figcaption>{caption}" in figures
    assert "confusion matrix" not in regression_page
    assert "precision-recall" not in regression_page
    assert "<figcaption>partial dependence on" in regression_page


def test_the_largest_errors_get_counterfactuals_a_label_deviation_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation_report, "MAX_COUNTERFACTUALS", 1)
    artifact, test = regression()
    page = report(artifact, test, regression_settings())
    rows = section(page, "Largest errors and their nearest counterfactuals")
    assert f"differs by more than {test.labels.std():.4g}" in rows
    assert "absolute error" in rows and "→" in rows
    errors = (test.labels - artifact.predict(test.features)).abs().to_numpy()
    worst = int(np.argmax(errors))
    row = cells(rows, f"{errors[worst]:.4f}")
    assert row[1:3] == [str(test.labels.index[worst]), f"{test.labels.iloc[worst]:.4f}"]
    assert rows.count("<tr>") == 1  # the worst row only


def test_no_counterfactual_is_further_than_any_prediction() -> None:
    artifact, test = regression()
    page = report(artifact, test, regression_settings(delta=1e9))
    rows = section(page, "Largest errors and their nearest counterfactuals")
    assert "No row's prediction differs that much" in rows


def test_production_is_drawn_beside_the_candidate() -> None:
    artifact, test = regression()
    production = fitted(
        "regression",
        RandomForestRegressor(n_estimators=2, random_state=1),
        "regression",
    )
    page = report(artifact, test, regression_settings(), production[0])
    assert "The production model on the same rows" in page
    assert "rubber stamp" not in page


def test_an_unservable_candidate_has_no_page() -> None:
    artifact, test = binary()
    verdict = Verdict(None, None, GateResult(False))
    with pytest.raises(ValueError, match="unservable"):
        evaluation_page(verdict, classification_settings(), artifact, test)


def searched() -> tuple[str, str]:
    """A study's page, and the same verdict's page without it."""
    trials = (
        Trial(0, "COMPLETE", 0.20, {"C": 0.1, "solver": "lbfgs"}),
        Trial(1, "FAIL", None, {"C": 50.0, "solver": "saga"}),
        Trial(2, "COMPLETE", 0.12, {"C": 3.0, "solver": "lbfgs"}),
        Trial(3, "COMPLETE", 0.15, {"C": 9.0, "solver": "saga"}),
    )
    search = SearchSummary(
        study="tune-0123456789ab",
        storage="runs/tuning.db",
        metric="log_loss",
        direction="lower_is_better",
        folds=5,
        trials=trials,
        best=trials[2],
        importances={"C": 0.8, "solver": 0.2},
    )
    artifact, test = fitted("multiclass", LogisticRegression(), "classification")
    settings = classification_settings()
    candidate = evaluate(artifact, test, settings.slices)
    gate = ModelGate(settings.thresholds or ()).validate(candidate.metrics, None)
    verdict = Verdict(candidate, None, gate)
    return (
        evaluation_page(verdict, settings, artifact, test, search),
        evaluation_page(verdict, settings, artifact, test),
    )


def test_the_search_behind_a_tuned_candidate_is_drawn() -> None:
    page, untuned = searched()
    assert_static(page)
    drawn = section(page, "Hyperparameter search")
    assert "tune-0123456789ab" in drawn and "runs/tuning.db" in drawn
    assert "4 trials" in drawn and "trial #2" in drawn and "C=3, solver=lbfgs" in drawn
    assert "log_loss 0.1200 on 5-fold cross-validation" in drawn
    assert drawn.count("<svg") == 2
    assert "<figcaption>log_loss per trial" in drawn
    assert "<figcaption>Which parameters mattered" in drawn
    assert "Hyperparameter search" not in untuned


def axes_labelled(figures: list[Figure], xlabel: str) -> Any:
    (axes,) = [a for figure in figures for a in figure.axes if a.get_xlabel() == xlabel]
    return axes


def test_the_trial_axis_counts_whole_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four trials drew ticks at 0.5, 1.5, ...: no trial has such a number."""
    figures = kept(monkeypatch, evaluation_report)
    searched()
    axes = axes_labelled(figures, "trial")
    axes.get_figure().draw_without_rendering()
    low, high = axes.get_xlim()
    ticks = [tick for tick in axes.get_xticks() if low <= tick <= high]
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks)


def test_counts_are_whole_numbers_and_whole_valued_slices_read_as_written() -> None:
    """A new user's car table printed 92.0000 rows and the slice Cylinders=3.0 (the
    loader reads numbers as floats), which a threshold on `cylinders = 4` in the
    config, spelled "cylinders=4", never found."""
    artifact, test = binary()
    cylinders = test.features["length"].round().mod(3).mul(2).add(4).astype(float)
    features = test.features.assign(cylinders=cylinders)
    threshold = MetricThreshold("accuracy", slice=(("cylinders", "4"),))
    settings = EvaluationConfig(slices=(("cylinders",),), thresholds=(threshold,))
    page = report(artifact, Dataset(features, test.labels), settings)
    slices = section(page, "Metrics per slice")
    assert cells(slices, "overall")[1] == str(len(test))
    assert cells(slices, "cylinders=4")[1] == str(int((cylinders == 4).sum()))
    assert ".0000" not in "".join(cells(slices, "cylinders=6")[:2])
    assert "cylinders=4.0" not in page
    checked = cells(page, "cylinders=4")
    assert checked[3] != "n/a" and checked[-1] == "pass"


def test_counterfactuals_differ_in_the_models_features_and_say_missing() -> None:
    """Columns the model never reads (a car's name) differ between any two rows
    and explained nothing; an empty cell, imputed for the model, read "nan → 90"."""
    imputed = ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), NUMERIC),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
        ]
    )
    artifact, test = fitted_with(imputed, "multiclass", LogisticRegression())
    features = test.features.assign(name=[f"car {n}" for n in range(len(test))])
    features.loc[features.index[0], "length"] = np.nan
    wrong = test.labels.map({"a": "b", "b": "c", "c": "a"})
    page = report(artifact, Dataset(features, wrong), classification_settings())
    rows = section(page, "Misclassified rows and their nearest counterfactuals")
    first = cells(rows, str(features.index[0]))
    assert first[-1].startswith("length: missing → ")
    assert "name:" not in rows and "nan" not in rows


def test_a_multiclass_roc_names_no_positive_label(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each curve is its class against the rest: scikit-learn's "(Positive label:
    1)" on the axes named a class the table does not have."""
    figures = kept(monkeypatch, evaluation_report)
    report(*multiclass(), classification_settings())
    axes = axes_labelled(figures, "False positive rate")
    assert axes.get_ylabel() == "True positive rate"
    assert not [
        a for f in figures for a in f.axes if "Positive label" in a.get_xlabel()
    ]


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression", "search"])
def test_every_legend_sits_beside_its_data(
    monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """Legends covered curves of partial dependence and the search's points."""
    figures = kept(monkeypatch, evaluation_report)
    if kind == "search":
        searched()
    elif kind == "regression":
        artifact, test = regression()
        production = fitted("regression", RandomForestRegressor(2), "regression")
        report(artifact, test, regression_settings(), production[0])
    else:
        report(*{"binary": binary, "multiclass": multiclass}[kind](),
               classification_settings(cost_ratio=2.0))  # fmt: skip
    assert any(figure.axes[0].get_legend() is not None for figure in figures)
    assert [label for f in figures for label in legends_over_data(f)] == []


def test_a_single_dependence_curve_is_named_on_its_axis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A regressor's or a binary classifier's one curve needs no legend, whose
    width pushed the next plot to a line of its own."""
    figures = kept(monkeypatch, evaluation_report)
    report(*regression(), regression_settings())
    axes = axes_labelled(figures, "length")
    assert axes.get_legend() is None
    assert axes.get_ylabel() == "partial dependence\n(predicted regression)"


def test_long_category_names_under_a_dependence_plot_never_overlap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table's dates as categories were drawn at 30 degrees over each other."""
    long = {f"{site} observation station, unit {n}" for n in range(4) for site in "ab"}
    frame = table().assign(site=lambda f: np.resize(sorted(long), len(f)))
    onehot = ColumnTransformer(
        [
            ("numeric", StandardScaler(), list(NUMERIC)),
            ("categorical", OneHotEncoder(sparse_output=False), list(CATEGORICAL)),
        ]
    )
    artifact, test = fitted_with(onehot, "binary", LogisticRegression(), frame)
    figures = kept(monkeypatch, evaluation_report)
    report(artifact, test, EvaluationConfig())
    axes = axes_labelled(figures, "site")
    assert len([label for label in axes.get_xticklabels() if label.get_text()]) == 8
    assert overlapping_labels(axes.get_figure()) == []
