"""The model's definition from config: which estimator of the task, which params.
Importing it, judging it against the task and its params, and the one-line refusals
are the standard's (research_guards.estimators), so every repository refuses a
misconfigured model the same way."""

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from research_guards import estimators
from research_guards.config import ModelConfig
from research_guards.datatypes import Estimator
from research_guards.datatypes import Task


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

    def misfits(self, names: Iterable[str]) -> list[str]:
        """The names the estimator does not take, in the order given."""
        return estimators.misfits(self.config.estimator, self.task, names)

    def refuse_unknown(
        self, tables: Mapping[str, Iterable[str]], otherwise: str = ""
    ) -> None:
        """Every table's parameters the estimator does not take, named at once."""
        estimators.refuse_unknown(self.config.estimator, self.task, tables, otherwise)

    def build(self) -> Estimator:
        return estimators.build(self.config, self.task)
