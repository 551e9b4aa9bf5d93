"""Fitting, seeded so that the same config and data give the same model."""

from typing import Any

from research_guards.datatypes import Dataset
from research_guards.datatypes import Estimator
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import Task
from research_guards.training import fit_refusing
from research_guards.training import seed_estimator
from research_guards.training import transformer_columns
from sklearn.pipeline import Pipeline as ScikitPipeline


class Trainer:
    """Fits preprocessing and estimator as one scikit-learn Pipeline, on training rows
    only."""

    def __init__(self, seed: int, task: Task = "classification") -> None:
        self.seed = seed
        self.task = task

    def train(
        self, transformer: Any, estimator: Estimator, train: Dataset
    ) -> ModelArtifact:
        """`transformer` is an unfitted ColumnTransformer: its columns are the model's
        features; the rows may hold others (a previous model's), which it drops. The
        artifact keeps which rows it trained on, so it is never judged on them. The
        fit refuses one class, infinities and features turned to NaN, in one line."""
        seed_estimator(estimator, self.seed)
        names = transformer_columns(transformer)
        model = ScikitPipeline([("preprocess", transformer), ("estimator", estimator)])
        fit_refusing(model, train.features[list(names)], train.labels, self.task)
        return ModelArtifact(
            model=model,
            feature_names=names,
            label=str(train.labels.name),
            task=self.task,
            training_rows=None if train.rows is None else train.rows.distinct(),
        )
