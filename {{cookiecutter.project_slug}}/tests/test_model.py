"""The stage's own wiring: the estimator logic and its refusals are the standard's,
tested in research_guards' suite (test_estimators.py)."""

import pytest
from research_guards.config import ModelConfig
from research_guards.errors import ConfigError
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.module_name }}.model import Model


def test_builds_the_configured_classifier_with_its_params() -> None:
    config = ModelConfig("sklearn.linear_model.LogisticRegression", {"C": 0.5})
    estimator = Model(config).build()
    assert isinstance(estimator, LogisticRegression)
    assert estimator.C == 0.5


def test_builds_an_estimator_of_its_task() -> None:
    config = ModelConfig("sklearn.ensemble.RandomForestRegressor", {"n_estimators": 3})
    assert isinstance(Model(config, "regression").build(), RandomForestRegressor)
    with pytest.raises(ConfigError, match="is not a classifier"):
        Model(config).build()


def test_a_trial_replaces_some_params_and_keeps_the_rest() -> None:
    config = ModelConfig("sklearn.linear_model.LogisticRegression", {"C": 0.5})
    tuned = Model(config).with_params({"max_iter": 50})
    estimator = tuned.build()
    assert isinstance(estimator, LogisticRegression)
    assert (estimator.C, estimator.max_iter) == (0.5, 50)
    assert config.params == {"C": 0.5}  # the config itself is not changed


def test_the_params_of_both_tables_are_judged_for_its_estimator() -> None:
    model = Model(ModelConfig("sklearn.linear_model.LogisticRegression"))
    assert model.misfits(["C", "max_depth"]) == ["max_depth"]
    model.refuse_unknown({"[tuning.space]": ["C", "max_iter"]})
    with pytest.raises(ConfigError, match=r"^\[tuning.space\] 'gamma' is not a "):
        model.refuse_unknown({"[tuning.space]": ["C", "gamma"]}, "; or delete it")
