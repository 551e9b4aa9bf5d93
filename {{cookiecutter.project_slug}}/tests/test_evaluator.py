import math

import pandas as pd
import pytest
from sklearn.linear_model import RidgeClassifier

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.evaluator import Evaluator
from {{ cookiecutter.module_name }}.evaluator import demographic_parity
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer

SCORES = {"accuracy", "balanced_accuracy", "f1_macro", "log_loss", "roc_auc_ovr"}


def test_metrics_on_held_out_rows(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    metrics = Evaluator().evaluate(artifact, split[1]).metrics
    assert set(metrics) == {"overall"}
    overall = metrics["overall"]
    assert set(overall) == SCORES | {"example_count"}
    assert overall["example_count"] == len(split[1])
    majority = split[1].labels.value_counts(normalize=True).max()
    assert overall["accuracy"] > majority
    assert 0 < overall["f1_macro"] <= 1 and 0.5 < overall["roc_auc_ovr"] <= 1


def test_slices_partition_the_rows(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    evaluator = Evaluator(
        slices=(("island",), ("island", "sex")), sensitive_feature="sex"
    )
    metrics = evaluator.evaluate(artifact, split[1]).metrics
    islands = {key for key in metrics if key.startswith("island=") and "," not in key}
    assert islands == {"island=Biscoe", "island=Dream", "island=Torgersen"}
    counts = sum(metrics[key]["example_count"] for key in islands)
    assert counts == metrics["overall"]["example_count"]
    assert "island=Dream, sex=female" in metrics
    accuracies = [metrics[key]["accuracy"] for key in metrics if key != "overall"]
    overall = metrics["overall"]
    assert overall["accuracy_gap"] == max(accuracies) - min(accuracies)
    assert 0 <= overall["demographic_parity_difference"] <= 1
    # Torgersen has Adelie only: one-vs-rest AUC is undefined there, not a crash.
    assert math.isnan(metrics["island=Torgersen"]["roc_auc_ovr"])


def test_demographic_parity_on_hand_made_predictions() -> None:
    predicted = pd.Series(["a", "a", "b", "b", "a", "b", "b", "b"])
    groups = pd.Series(["x", "x", "x", "x", "y", "y", "y", "y"])
    # P(a | x) = 0.5, P(a | y) = 0.25; P(b | x) = 0.5, P(b | y) = 0.75
    assert demographic_parity(predicted, groups) == 0.25


def test_scores_drop_when_labels_are_wrong(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    shuffled = test.labels.sample(frac=1.0, random_state=0).set_axis(test.labels.index)
    metrics = Evaluator().evaluate(artifact, Dataset(test.features, shuffled)).metrics
    assert metrics["overall"]["accuracy"] < 0.7


@pytest.mark.filterwarnings("ignore")
def test_a_classifier_without_probabilities_gets_no_log_loss(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    ridge = Trainer(config.seed).train(preprocess, RidgeClassifier(), split[0])
    overall = Evaluator().evaluate(ridge, split[1]).metrics["overall"]
    assert set(overall) == {
        "example_count",
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
    }
