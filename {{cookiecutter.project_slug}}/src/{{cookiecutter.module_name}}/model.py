"""The model's definition from config: which scikit-learn estimator, which params."""

import importlib
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from sklearn.base import is_classifier
from sklearn.base import is_regressor

from {{ cookiecutter.module_name }}.config import ModelConfig
from {{ cookiecutter.module_name }}.datatypes import Estimator
from {{ cookiecutter.module_name }}.datatypes import Task
from {{ cookiecutter.module_name }}.errors import ConfigError

EXAMPLES = {
    "classification": "sklearn.ensemble.RandomForestClassifier",
    "regression": "sklearn.ensemble.RandomForestRegressor",
}


class Model:
    """Builds an unfitted estimator of the task from a dotted import path and keyword
    arguments: scikit-learn's, xgboost's, lightgbm's or the project's own."""

    def __init__(self, config: ModelConfig, task: Task = "classification") -> None:
        self.config = config
        self.task = task

    def with_params(self, params: dict[str, Any]) -> "Model":
        """The same estimator with some parameters replaced: a tuned trial's."""
        merged = self.config.params | params
        return Model(replace(self.config, params=merged), self.task)

    def parameter_names(self) -> frozenset[str] | None:
        """What the estimator takes; None when it cannot be built without
        arguments, so its params are judged only when it is built."""
        try:
            return frozenset(self._estimator_class()().get_params())
        except TypeError:
            return None

    def refuse_unknown(
        self, names: Iterable[str], where: str, otherwise: str = ""
    ) -> None:
        """A parameter the estimator does not take, named before any search starts
        rather than failing every trial; `otherwise` says what else would do."""
        accepted = self.parameter_names()
        unknown = [name for name in names if accepted and name not in accepted]
        if accepted and unknown:
            raise ConfigError(
                f"{where} {unknown[0]!r} is not a parameter of "
                f"{self.config.estimator}: use one of {', '.join(sorted(accepted))}"
                f"{otherwise}"
            )

    def build(self) -> Estimator:
        """The kind is checked before the params: params written for one estimator
        rarely fit another, so a wrong kind would otherwise read as a params error
        and send the user to fix the wrong line."""
        path = self.config.estimator
        estimator_class = self._estimator_class()
        try:
            default = estimator_class()  # scikit-learn's constructors only store
        except TypeError:
            default = None  # it needs arguments: judged once built
        if default is not None:
            self._refuse_wrong_kind(default)
        try:
            estimator = estimator_class(**self.config.params)
        except TypeError as error:
            raise ConfigError(f"[model.params] do not fit {path}: {error}") from None
        self._refuse_wrong_kind(estimator)
        built: Estimator = estimator
        return built

    def _refuse_wrong_kind(self, estimator: Any) -> None:
        fits = is_classifier if self.task == "classification" else is_regressor
        if not fits(estimator):
            kind = "classifier" if self.task == "classification" else "regressor"
            raise ConfigError(
                f"[model] estimator = {self.config.estimator!r} is not a {kind}, and "
                f"the task is {self.task}: use e.g. {EXAMPLES[self.task]}"
            )

    def _estimator_class(self) -> Any:
        path = self.config.estimator
        module_name, _, class_name = path.rpartition(".")
        try:
            estimator_class = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError):
            raise ConfigError(
                f"[model] estimator = {path!r} is not importable: use the dotted "
                f"path of a scikit-learn estimator, e.g. {EXAMPLES[self.task]}"
            ) from None
        if not isinstance(estimator_class, type):
            raise ConfigError(f"[model] estimator = {path!r} is not a class")
        return estimator_class
