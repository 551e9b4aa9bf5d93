"""Held-out metrics: how well a model does on rows it never saw."""

from sklearn.metrics import accuracy_score
from sklearn.metrics import balanced_accuracy_score
from sklearn.metrics import f1_score

from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import Metrics
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact


class Evaluator:
    """Scores an artifact on a labelled dataset; knows metrics, not models."""

    def evaluate(self, artifact: ModelArtifact, test: Dataset) -> Metrics:
        predicted = artifact.predict(test.features)
        truth = test.labels
        return {
            "accuracy": float(accuracy_score(truth, predicted)),
            "balanced_accuracy": float(balanced_accuracy_score(truth, predicted)),
            "f1_macro": float(f1_score(truth, predicted, average="macro")),
            "example_count": float(len(test)),
        }
