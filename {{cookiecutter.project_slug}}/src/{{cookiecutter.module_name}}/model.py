"""The model's definition from config: which scikit-learn classifier, which params."""

import importlib
from typing import Any

from sklearn.base import is_classifier

from {{ cookiecutter.module_name }}.config import ModelConfig
from {{ cookiecutter.module_name }}.datatypes import Classifier
from {{ cookiecutter.module_name }}.errors import ConfigError


class Model:
    """Builds an unfitted classifier from a dotted import path and keyword arguments."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config

    def build(self) -> Classifier:
        path = self.config.estimator
        try:
            estimator = self._estimator_class()(**self.config.params)
        except TypeError as error:
            raise ConfigError(f"[model.params] do not fit {path}: {error}") from None
        if not is_classifier(estimator):
            raise ConfigError(f"[model] estimator = {path!r} is not a classifier")
        classifier: Classifier = estimator
        return classifier

    def _estimator_class(self) -> Any:
        path = self.config.estimator
        module_name, _, class_name = path.rpartition(".")
        try:
            estimator_class = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError, ValueError):
            raise ConfigError(
                f"[model] estimator = {path!r} is not importable: use the dotted "
                "path of a scikit-learn classifier, "
                "e.g. sklearn.ensemble.RandomForestClassifier"
            ) from None
        if not isinstance(estimator_class, type):
            raise ConfigError(f"[model] estimator = {path!r} is not a class")
        return estimator_class
