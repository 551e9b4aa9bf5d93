from typing import Any

import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from research_guards.config import ModelConfig
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from research_guards.estimators import build
from research_guards.estimators import misfits
from research_guards.estimators import parameter_names
from research_guards.estimators import refuse_unknown

LOGISTIC = "sklearn.linear_model.LogisticRegression"


def test_builds_the_configured_classifier_with_its_params() -> None:
    estimator = build(ModelConfig(LOGISTIC, {"C": 0.5}), "classification")
    assert isinstance(estimator, LogisticRegression)
    assert estimator.C == 0.5


def test_default_params() -> None:
    config = ModelConfig("sklearn.ensemble.RandomForestClassifier")
    assert isinstance(build(config, "classification"), RandomForestClassifier)


def test_builds_a_regressor_for_regression() -> None:
    config = ModelConfig("sklearn.ensemble.RandomForestRegressor", {"n_estimators": 3})
    estimator = build(config, "regression")
    assert isinstance(estimator, RandomForestRegressor)
    assert estimator.n_estimators == 3


@pytest.mark.parametrize(
    ("estimator", "task", "message"),
    [
        (
            "sklearn.linear_model.LinearRegression",
            "classification",
            "'sklearn.linear_model.LinearRegression' is not a classifier, and the "
            "task is classification: use e.g. sklearn.ensemble.RandomForestClassifier",
        ),
        (
            "sklearn.ensemble.RandomForestClassifier",
            "regression",
            "'sklearn.ensemble.RandomForestClassifier' is not a regressor, and the "
            "task is regression: use e.g. sklearn.ensemble.RandomForestRegressor",
        ),
        (
            "sklearn.preprocessing.StandardScaler",
            "regression",
            "is not a regressor, and the task is regression",
        ),
    ],
)
def test_an_estimator_of_the_wrong_kind_is_one_line_naming_the_task(
    estimator: str, task: Task, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        build(ModelConfig(estimator), task)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("estimator", "params", "message"),
    [
        ("sklearn.ensemble.NoSuchForest", {}, "is not importable"),
        ("nowhere.Model", {}, "is not importable"),
        ("RandomForestClassifier", {}, "is not importable"),
        ("sklearn.linear_model", {}, "is not a class"),
        (
            "sklearn.ensemble.RandomForestClassifier",
            {"trees": 3},
            r"^\[model.params\] 'trees' is not a parameter of sklearn",
        ),
    ],
)
def test_bad_model_config_is_one_line(
    estimator: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        build(ModelConfig(estimator, params), "classification")
    assert "\n" not in str(raised.value)


def test_the_wrong_kind_is_named_before_params_that_do_not_fit() -> None:
    """A classifier's params on a regression table (a config copied from another
    project): the task is what is wrong, so that is the one line the user sees."""
    config = ModelConfig(LOGISTIC, {"alpha": 1.0})
    with pytest.raises(ConfigError, match="is not a regressor, and the task is"):
        build(config, "regression")


def test_an_estimator_that_needs_arguments_is_judged_once_built() -> None:
    """VotingClassifier cannot be made without its `estimators`, so its kind is not
    asked first; the params are, and say what is missing."""
    config = ModelConfig("sklearn.ensemble.VotingClassifier", {})
    with pytest.raises(ConfigError, match="do not fit .*'estimators'"):
        build(config, "classification")


def test_a_parameter_the_estimator_does_not_take_is_named() -> None:
    assert "C" in (parameter_names(LOGISTIC, "classification") or ())
    refuse_unknown(LOGISTIC, "classification", {"[tuning.space]": ["C", "max_iter"]})
    with pytest.raises(
        ConfigError,
        match=r"^\[tuning.space\] 'gamma' is not a .*: its parameters are C, ",
    ):
        refuse_unknown(LOGISTIC, "classification", {"[tuning.space]": ["C", "gamma"]})


def test_misfits_of_params_and_space_are_named_together() -> None:
    """After a switch both tables may hold the old estimator's names: one line."""
    tables = {"[model.params]": ["max_depth"], "[tuning.space]": ["C", "max_leaf"]}
    with pytest.raises(ConfigError) as raised:
        refuse_unknown(LOGISTIC, "classification", tables, "; or delete [tuning]")
    message = str(raised.value)
    assert message.startswith(
        "[model.params] 'max_depth' and [tuning.space] 'max_leaf' are not parameters"
        " of sklearn.linear_model.LogisticRegression: its parameters are C, "
    )
    assert message.endswith("; or delete [tuning]")


def test_an_estimator_that_needs_arguments_is_judged_when_built() -> None:
    needs = "sklearn.pipeline.Pipeline"
    assert parameter_names(needs, "classification") is None
    refuse_unknown(needs, "classification", {"[tuning.space]": ["anything"]})


FOREST_PARAMS = {"n_estimators": 200, "max_depth": 6, "min_samples_leaf": 2}


def test_params_of_a_forest_on_a_linear_model_are_all_named_in_one_line() -> None:
    """Switching RandomForest -> LogisticRegression used to take three runs, one
    refusal per parameter; every misfit is named at once, and what fits is not."""
    with pytest.raises(ConfigError) as raised:
        build(ModelConfig(LOGISTIC, FOREST_PARAMS), "classification")
    message = str(raised.value)
    assert message.startswith(
        "[model.params] 'n_estimators', 'max_depth', 'min_samples_leaf' are not "
        "parameters of sklearn.linear_model.LogisticRegression: its parameters are C,"
    )
    assert "\n" not in message
    names = ["C", "max_depth", "max_iter", "tol"]
    assert misfits(LOGISTIC, "classification", names) == ["max_depth"]


def test_params_of_a_forest_fit_gradient_boosting() -> None:
    """A switch within the family keeps [model.params]: nothing to refuse."""
    config = ModelConfig("sklearn.ensemble.GradientBoostingClassifier", FOREST_PARAMS)
    estimator = build(config, "classification")
    assert estimator.get_params()["n_estimators"] == 200
    assert misfits(config.estimator, "classification", FOREST_PARAMS) == []


class TakesAnyKeyword:
    """Like xgboost's estimators: keywords it does not list are still taken."""

    def __init__(self, C: float = 1.0, **kwargs: Any) -> None:
        self.C = C
        self.kwargs = kwargs

    def get_params(self) -> dict[str, Any]:
        return {"C": self.C}


def test_an_estimator_taking_any_keyword_is_not_refused_by_name() -> None:
    path = f"{__name__}.TakesAnyKeyword"
    assert parameter_names(path, "classification") is None
    assert misfits(path, "classification", ["booster"]) == []
