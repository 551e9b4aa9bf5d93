"""The estimator a config names: imported from its dotted path, judged against the
task and its parameters, then built. Every refusal is one line naming the config's
line to change, so a switch of estimator takes one edit, not one run per mistake."""

import importlib
import inspect
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from sklearn.base import is_classifier
from sklearn.base import is_regressor

from research_guards.config import ModelConfig
from research_guards.datatypes import Estimator
from research_guards.datatypes import Task
from research_guards.errors import ConfigError

EXAMPLES: dict[Task, str] = {
    "classification": "sklearn.ensemble.RandomForestClassifier",
    "regression": "sklearn.ensemble.RandomForestRegressor",
}


def estimator_class(path: str, task: Task) -> type:
    """The class at a dotted path: scikit-learn's, xgboost's, lightgbm's or the
    project's own; a path that names none says what would do for the task."""
    module_name, _, class_name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError):
        raise ConfigError(
            f"[model] estimator = {path!r} is not importable: use the dotted "
            f"path of a scikit-learn estimator, e.g. {EXAMPLES[task]}"
        ) from None
    if not isinstance(found, type):
        raise ConfigError(f"[model] estimator = {path!r} is not a class")
    return found


def parameter_names(path: str, task: Task) -> frozenset[str] | None:
    """What the estimator takes; None when it cannot be built without arguments or
    takes any keyword (**kwargs, as xgboost's do), so its params are judged only
    when it is built."""
    found = estimator_class(path, task)
    try:
        signature = inspect.signature(found)
        default = found()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return frozenset(default.get_params())


def misfits(path: str, task: Task, names: Iterable[str]) -> list[str]:
    """The names the estimator does not take, in the order given; none when it
    cannot be built without arguments (its params are judged only when built)."""
    accepted = parameter_names(path, task)
    return [] if accepted is None else [n for n in names if n not in accepted]


def refuse_unknown(
    path: str, task: Task, tables: Mapping[str, Iterable[str]], otherwise: str = ""
) -> None:
    """Every parameter the estimator does not take, in every table given ([model.
    params], [tuning.space]), named at once before anything is read or searched, so
    one edit fixes them all; `otherwise` says what else would do. The kind is judged
    first: a wrong kind is what to fix, not its parameters."""
    refuse_wrong_kind(path, task)
    found = {where: misfits(path, task, names) for where, names in tables.items()}
    named = [f"{where} {', '.join(map(repr, n))}" for where, n in found.items() if n]
    count = sum(len(unknown) for unknown in found.values())
    if named:
        raise ConfigError(
            f"{' and '.join(named)} "
            f"{'is not a parameter' if count == 1 else 'are not parameters'}"
            f" of {path}: its parameters are "
            f"{', '.join(sorted(parameter_names(path, task) or ()))}{otherwise}"
        )


def refuse_wrong_kind(path: str, task: Task) -> None:
    """A regressor for classification (or the reverse) is named before its params:
    params written for one estimator rarely fit another, so a wrong kind would
    otherwise read as a params error and send the user to the wrong line. An
    estimator that needs arguments is judged once built."""
    try:
        default = estimator_class(path, task)()  # scikit-learn's constructors store
    except TypeError:
        return
    _refuse_kind_of(default, path, task)


def build(config: ModelConfig, task: Task) -> Estimator:
    """Kind, then the names of [model.params], then the estimator's own checks."""
    path = config.estimator
    refuse_unknown(path, task, {"[model.params]": config.params})
    try:
        estimator = estimator_class(path, task)(**config.params)
    except TypeError as error:
        raise ConfigError(f"[model.params] do not fit {path}: {error}") from None
    _refuse_kind_of(estimator, path, task)
    built: Estimator = estimator
    return built


def _refuse_kind_of(estimator: Any, path: str, task: Task) -> None:
    fits = is_classifier if task == "classification" else is_regressor
    if not fits(estimator):
        kind = "classifier" if task == "classification" else "regressor"
        raise ConfigError(
            f"[model] estimator = {path!r} is not a {kind}, and "
            f"the task is {task}: use e.g. {EXAMPLES[task]}"
        )
