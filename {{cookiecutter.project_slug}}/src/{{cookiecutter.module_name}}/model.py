"""The model's definition from config: which scikit-learn estimator, which params."""

import importlib
import inspect
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from research_guards.config import ModelConfig
from research_guards.datatypes import Estimator
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from sklearn.base import is_classifier
from sklearn.base import is_regressor

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
        """What the estimator takes; None when it cannot be built without arguments
        or takes any keyword (**kwargs, as xgboost's do), so its params are judged
        only when it is built."""
        estimator_class = self._estimator_class()
        try:
            signature = inspect.signature(estimator_class)
            default = estimator_class()
        except (TypeError, ValueError):
            return None
        if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            return None
        return frozenset(default.get_params())

    def misfits(self, names: Iterable[str]) -> list[str]:
        """The names the estimator does not take, in the order given; none when it
        cannot be built without arguments (its params are judged only when built)."""
        accepted = self.parameter_names()
        return [] if accepted is None else [n for n in names if n not in accepted]

    def refuse_unknown(
        self, tables: Mapping[str, Iterable[str]], otherwise: str = ""
    ) -> None:
        """Every parameter the estimator does not take, in every table given ([model.
        params], [tuning.space]), named at once before anything is read or searched,
        so one edit fixes them all; `otherwise` says what else would do. The kind is
        judged first: a wrong kind is what to fix, not its parameters."""
        self.refuse_wrong_kind()
        found = {where: self.misfits(names) for where, names in tables.items()}
        named = [
            f"{where} {', '.join(map(repr, n))}" for where, n in found.items() if n
        ]
        count = sum(len(unknown) for unknown in found.values())
        if named:
            raise ConfigError(
                f"{' and '.join(named)} "
                f"{'is not a parameter' if count == 1 else 'are not parameters'}"
                f" of {self.config.estimator}: its parameters are "
                f"{', '.join(sorted(self.parameter_names() or ()))}{otherwise}"
            )

    def refuse_wrong_kind(self) -> None:
        """A regressor for classification (or the reverse) is named before its
        params: params written for one estimator rarely fit another, so a wrong kind
        would otherwise read as a params error and send the user to the wrong line.
        An estimator that needs arguments is judged once built."""
        try:
            default = self._estimator_class()()  # scikit-learn's constructors store
        except TypeError:
            return
        self._refuse_wrong_kind(default)

    def build(self) -> Estimator:
        """Kind, then the names of [model.params], then the estimator's own checks."""
        path = self.config.estimator
        self.refuse_unknown({"[model.params]": self.config.params})
        try:
            estimator = self._estimator_class()(**self.config.params)
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
