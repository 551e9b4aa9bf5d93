from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import CATEGORICAL
from conftest import LABEL
from conftest import NUMERIC
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import StandardScaler

from research_guards.datatypes import Dataset
from research_guards.datatypes import Estimator
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.training import fit_refusing
from research_guards.training import seed_estimator
from research_guards.training import transformer_columns

FEATURES = [*NUMERIC, *CATEGORICAL]


def columns() -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("numeric", make_numeric(), list(NUMERIC)),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
        ]
    )


def make_numeric() -> Pipeline:
    return Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())])


def fitted(
    estimator: Estimator,
    rows: pd.DataFrame,
    labels: "pd.Series[Any]",
    task: Task = "classification",
    transformer: object = None,
) -> Pipeline:
    model = Pipeline(
        [("preprocess", transformer or columns()), ("estimator", estimator)]
    )
    fit_refusing(model, rows[FEATURES], labels, task)
    return model


def test_the_run_seed_goes_where_the_config_set_none() -> None:
    forest = RandomForestClassifier()
    seed_estimator(forest, 7)
    assert forest.random_state == 7
    kept = RandomForestClassifier(random_state=3)
    seed_estimator(kept, 7)
    assert kept.random_state == 3
    plain = LinearRegression()
    seed_estimator(plain, 7)  # no randomness: nothing to seed
    assert "random_state" not in plain.get_params()


def test_the_transformers_columns_are_the_models_features() -> None:
    assert transformer_columns(columns()) == (*NUMERIC, *CATEGORICAL)


def test_a_model_is_fitted_on_the_rows(split: tuple[Dataset, Dataset]) -> None:
    train, test = split
    estimator = LogisticRegression()
    model = fitted(estimator, train.features, train.labels)
    assert list(estimator.classes_) == ["a", "b", "c"]
    assert len(model.predict(test.features[FEATURES])) == len(test)


def test_one_class_is_refused_before_fitting(split: tuple[Dataset, Dataset]) -> None:
    """A classifier of one class once fitted, then its log loss raised ValueError."""
    rows = split[0]
    estimator = LogisticRegression()
    one_class = pd.Series("a", rows.labels.index, name=LABEL)
    with pytest.raises(DataError, match=f"one class \\('a'\\) of '{LABEL}'") as raised:
        fitted(estimator, rows.features, one_class)
    assert "\n" not in str(raised.value) and not hasattr(estimator, "classes_")
    unlabelled = pd.Series(None, rows.labels.index, object, LABEL)
    with pytest.raises(DataError, match="hold no class"):
        fitted(LogisticRegression(), rows.features, unlabelled)
    numbers = pd.Series(1.0, rows.labels.index, name=LABEL)
    fitted(LinearRegression(), rows.features, numbers, "regression")  # a regressor may


def test_a_bad_parameter_value_is_one_line(split: tuple[Dataset, Dataset]) -> None:
    rows = split[0]
    with pytest.raises(ConfigError, match="cannot be fitted") as raised:
        fitted(RandomForestClassifier(n_estimators=-1), rows.features, rows.labels)
    assert "\n" not in str(raised.value)


def test_an_infinity_a_schema_allowed_is_named_not_blamed_on_the_estimator(
    split: tuple[Dataset, Dataset],
) -> None:
    rows = split[0]
    infinite = rows.features.copy()
    infinite.loc[infinite.index[3], "width"] = -np.inf
    infinite.loc[infinite.index[5], "width"] = np.inf
    first = infinite.index[3]
    with pytest.raises(
        DataError, match=rf"'width': 2 infinite value\(s\) \(the first in row {first}\)"
    ):
        fitted(LogisticRegression(), infinite, rows.labels)


def test_a_training_feature_the_scaler_turns_to_nan_is_refused_not_fitted(
    split: tuple[Dataset, Dataset],
) -> None:
    """1e300 overflows the scaler's variance, so the whole column becomes NaN and the
    forest still fits (and would be blessed) without it: refused, naming the
    feature, whatever the schema let through."""
    rows = split[0]
    huge = rows.features.copy()
    huge.loc[huge.index[3], "width"] = 1e300
    with np.errstate(all="ignore"):
        with pytest.raises(DataError, match=r"1 training feature.*numeric__width"):
            fitted(RandomForestClassifier(n_estimators=5), huge, rows.labels)


def test_more_than_five_lost_features_are_cut_short_and_unnamed_ones_numbered(
    split: tuple[Dataset, Dataset],
) -> None:
    """A transformer without feature names still gets its columns named, by number."""
    rows = split[0]
    lost = FunctionTransformer(lambda values: np.full((len(values), 7), np.nan))
    transformer = ColumnTransformer([("lost", lost, list(NUMERIC))])
    with pytest.raises(DataError) as raised:
        fitted(
            RandomForestClassifier(n_estimators=5),
            rows.features,
            rows.labels,
            transformer=transformer,
        )
    message = str(raised.value)
    assert "turns 7 training feature(s)" in message and "and more" in message
    assert "column 0, column 1, column 2, column 3, column 4 and more" in message
    assert "\n" not in message
