"""The standard's metrics: on hand-made predictions, and on a small model's
held-out rows of each task (multiclass, binary, regression), overall and per
slice, with the cases a metric is undefined in (nan, never a crash)."""

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import LABEL
from conftest import ProjectFactory
from conftest import settled
from conftest import train
from sklearn.base import clone
from sklearn.linear_model import RidgeClassifier

from research_guards.config import PipelineConfig
from research_guards.datatypes import Dataset
from research_guards.datatypes import ModelArtifact
from research_guards.metrics import demographic_parity
from research_guards.metrics import evaluate
from research_guards.sources import CsvSource

SCORES = {"accuracy", "balanced_accuracy", "f1_macro", "log_loss", "roc_auc_ovr"}
BINARY = {"precision", "recall", "auc_precision_recall", "brier_score"}
REGRESSION = {
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "r2",
    "calibration",
}


def test_demographic_parity_on_hand_made_predictions() -> None:
    predicted = pd.Series(["a", "a", "b", "b", "a", "b", "b", "b"])
    groups = pd.Series(["x", "x", "x", "x", "y", "y", "y", "y"])
    # P(a | x) = 0.5, P(a | y) = 0.25; P(b | x) = 0.5, P(b | y) = 0.75
    assert demographic_parity(predicted, groups) == 0.25
    assert math.isnan(demographic_parity(pd.Series([], dtype=str), pd.Series([])))


def trained(config: PipelineConfig) -> tuple[ModelArtifact, Dataset]:
    """conftest's model of the config, fitted on the first three quarters of the
    labelled rows, and the rest to score it on."""
    config = settled(config)
    frame = CsvSource(config.data.train).read().dropna(subset=[LABEL])
    rows = Dataset(frame[list(config.features.columns)], frame[LABEL])
    if config.task == "regression":
        rows = Dataset(rows.features, rows.labels.astype(float))
    training = np.arange(len(rows)) < len(rows) * 3 // 4
    return train(config, rows.take(training)), rows.take(~training)


def test_metrics_on_held_out_rows(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    metrics = evaluate(artifact, split[1]).metrics
    assert set(metrics) == {"overall"}
    overall = metrics["overall"]
    assert set(overall) == SCORES | {"example_count"}  # three classes: no binary ones
    assert overall["example_count"] == len(split[1])
    majority = split[1].labels.value_counts(normalize=True).max()
    assert overall["accuracy"] > majority
    assert 0 < overall["f1_macro"] <= 1 and 0.5 < overall["roc_auc_ovr"] <= 1


def test_slices_partition_the_rows(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    slices = (("site",), ("site", "shift"))
    metrics = evaluate(artifact, split[1], slices, "shift").metrics
    sites = {key for key in metrics if key.startswith("site=") and "," not in key}
    assert sites == {"site=east", "site=north", "site=south"}
    counts = sum(metrics[key]["example_count"] for key in sites)
    assert counts == metrics["overall"]["example_count"]
    assert "shift=day, site=north" in metrics
    accuracies = [metrics[key]["accuracy"] for key in metrics if key != "overall"]
    overall = metrics["overall"]
    assert overall["accuracy_gap"] == max(accuracies) - min(accuracies)
    assert 0 <= overall["demographic_parity_difference"] <= 1


def test_a_slice_of_one_class_has_no_auc_rather_than_a_crash(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    east = test.features["site"] == "east"
    labels = test.labels.where(~east, "a")
    metrics = evaluate(artifact, Dataset(test.features, labels), (("site",),)).metrics
    assert math.isnan(metrics["site=east"]["roc_auc_ovr"])
    every_class = [
        site
        for site, rows in labels.groupby(test.features["site"])
        if rows.nunique() == len(artifact.classes)
    ]
    assert every_class  # a slice with every class has an AUC
    for site in every_class:
        assert not math.isnan(metrics[f"site={site}"]["roc_auc_ovr"])


def test_scores_drop_when_labels_are_wrong(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    right = evaluate(artifact, test).metrics["overall"]["accuracy"]
    shuffled = test.labels.sample(frac=1.0, random_state=0).set_axis(test.labels.index)
    metrics = evaluate(artifact, Dataset(test.features, shuffled)).metrics
    assert metrics["overall"]["accuracy"] < right - 0.2


@pytest.mark.filterwarnings("ignore")
def test_a_classifier_without_probabilities_gets_no_log_loss(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    model: Any = clone(artifact.model)
    model.steps[-1] = ("ridge", RidgeClassifier())
    model.fit(split[0].features, split[0].labels)
    ridge = ModelArtifact(model, artifact.feature_names, LABEL, "classification")
    assert ridge.predict_proba(split[1].features) is None
    overall = evaluate(ridge, split[1]).metrics["overall"]
    assert set(overall) == {
        "example_count",
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
    }


def test_a_binary_label_gets_tfmas_binary_metrics(project: ProjectFactory) -> None:
    artifact, test = trained(project("binary"))
    assert artifact.classes == ["large", "small"]
    overall = evaluate(artifact, test).metrics["overall"]
    assert set(overall) == SCORES | BINARY | {"example_count"}
    positive = test.labels == "small"  # the class that sorts last
    predicted = artifact.predict(test.features) == "small"
    expected_recall = (predicted & positive).sum() / positive.sum()
    assert overall["recall"] == pytest.approx(expected_recall)
    assert 0 <= overall["brier_score"] < 0.25  # better than always saying 0.5
    assert overall["auc_precision_recall"] > positive.mean()


def test_a_slice_without_the_positive_class_has_no_precision_recall_auc(
    project: ProjectFactory,
) -> None:
    artifact, test = trained(project("binary"))
    labels = test.labels.where(test.features["site"] != "east", "large")
    metrics = evaluate(artifact, Dataset(test.features, labels), (("site",),))
    assert math.isnan(metrics.metrics["site=east"]["auc_precision_recall"])


def test_regression_metrics_and_the_error_gap(project: ProjectFactory) -> None:
    artifact, test = trained(project("regression"))
    assert artifact.predict_proba(test.features) is None and artifact.classes == []
    metrics = evaluate(artifact, test, (("site",),)).metrics
    overall = metrics["overall"]
    assert set(overall) == REGRESSION | {"example_count", "error_gap"}
    errors = artifact.predict(test.features) - test.labels
    assert overall["mean_absolute_error"] == pytest.approx(errors.abs().mean())
    assert overall["root_mean_squared_error"] == pytest.approx(
        math.sqrt((errors**2).mean())
    )
    assert overall["root_mean_squared_error"] ** 2 == pytest.approx(
        overall["mean_squared_error"]
    )
    calibration = artifact.predict(test.features).mean() / test.labels.mean()
    assert overall["calibration"] == pytest.approx(calibration)
    slice_errors = [
        m["mean_absolute_error"] for k, m in metrics.items() if k != "overall"
    ]
    assert overall["error_gap"] == max(slice_errors) - min(slice_errors)
    assert "demographic_parity_difference" not in overall


def test_one_row_has_no_r2_and_a_zero_mean_label_no_calibration(
    project: ProjectFactory,
) -> None:
    artifact, test = trained(project("regression"))
    one = Dataset(test.features.head(1), test.labels.head(1))
    assert math.isnan(evaluate(artifact, one).metrics["overall"]["r2"])
    centred = Dataset(test.features, test.labels - test.labels.mean())
    overall = evaluate(artifact, centred).metrics["overall"]
    assert math.isnan(overall["calibration"]) or np.isfinite(overall["calibration"])
    assert LABEL not in test.features.columns
