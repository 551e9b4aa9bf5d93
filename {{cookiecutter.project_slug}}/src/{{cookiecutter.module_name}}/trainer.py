"""Fitting, seeded so that the same config and data give the same model."""

from typing import Any

from sklearn.pipeline import Pipeline as ScikitPipeline

from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import Estimator
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.datatypes import Task
from {{ cookiecutter.module_name }}.errors import ConfigError


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
        artifact keeps which rows it trained on, so it is never judged on them."""
        self._seed(estimator)
        names = tuple(
            str(column)
            for _, _, columns in transformer.transformers
            for column in columns
        )
        model = ScikitPipeline([("preprocess", transformer), ("estimator", estimator)])
        try:
            model.fit(train.features[list(names)], train.labels.to_numpy())
        except (TypeError, ValueError) as error:
            first_line = str(error).splitlines()[0]
            raise ConfigError(f"[model] the estimator cannot be fitted: {first_line}")
        return ModelArtifact(
            model=model,
            feature_names=names,
            label=str(train.labels.name),
            task=self.task,
            training_rows=None if train.rows is None else train.rows.distinct(),
        )

    def _seed(self, estimator: Estimator) -> None:
        """Estimators with randomness take the run's seed unless the config set one."""
        params = estimator.get_params()
        if "random_state" in params and params["random_state"] is None:
            estimator.set_params(random_state=self.seed)
