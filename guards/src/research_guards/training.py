"""Fitting that refuses what would fit yet mislead: one class, infinities, features the
preprocessing turned to NaN, an estimator that cannot take its parameters. A
repository's Trainer decides what is fitted; these refusals are the same for every
repository, each one line that names the data, never the estimator."""

from typing import Any

import numpy as np
import pandas as pd

from research_guards.datatypes import Estimator
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from research_guards.errors import DataError

SHOWN_FEATURES = 5


def seed_estimator(estimator: Estimator, seed: int) -> None:
    """Estimators with randomness take the run's seed unless the config set one."""
    params = estimator.get_params()
    if "random_state" in params and params["random_state"] is None:
        estimator.set_params(random_state=seed)


def transformer_columns(transformer: Any) -> tuple[str, ...]:
    """The columns an unfitted ColumnTransformer takes: the model's features."""
    return tuple(
        str(column) for _, _, columns in transformer.transformers for column in columns
    )


def fit_refusing(
    model: Any, rows: pd.DataFrame, labels: "pd.Series[Any]", task: Task
) -> None:
    """Fits `model` (a scikit-learn Pipeline whose last step is the estimator) on
    `rows`, refusing before fitting what the estimator would blame on itself, and
    after fitting a model that lost features."""
    if task == "classification":
        refuse_one_class(labels)
    refuse_infinities(rows)
    try:
        model.fit(rows, labels.to_numpy())
    except (TypeError, ValueError) as error:
        first_line = str(error).splitlines()[0]
        raise ConfigError(f"[model] the estimator cannot be fitted: {first_line}")
    refuse_unfinite_features(model, rows)


def refuse_one_class(labels: "pd.Series[Any]") -> None:
    """A classifier fitted on one class predicts it with certainty, and log loss,
    AUC and the gate's comparisons are undefined for it: refused before fitting."""
    classes = labels.dropna().unique()
    if len(classes) < 2:
        held = f"one class ({str(classes[0])!r})" if len(classes) else "no class"
        raise DataError(
            f"the training rows hold {held} of {labels.name!r}: classification needs "
            "at least two; add rows of another class"
        )


def refuse_infinities(rows: pd.DataFrame) -> None:
    """An infinity reaches here only through a schema that allows it (disallow_inf
    false); the imputer would refuse it with a message that blames the estimator,
    so the data is named instead: which feature, how many, the first row."""
    numbers = rows.select_dtypes("number")
    infinite = np.isinf(numbers.to_numpy(dtype=np.float64))
    if not infinite.any():
        return
    column = int(np.flatnonzero(infinite.any(axis=0))[0])
    first = rows.index[int(np.flatnonzero(infinite[:, column])[0])]
    raise DataError(
        f"training feature {numbers.columns[column]!r}: "
        f"{int(infinite[:, column].sum())} infinite value(s) (the first in row "
        f"{first}); the model takes finite numbers only, whatever the schema allows"
    )


def refuse_unfinite_features(model: Any, rows: pd.DataFrame) -> None:
    """A fitted pipeline whose transformed training features are not all finite has
    lost those features (a scaler whose variance overflowed turns its column to NaN)
    and would still score, so it is refused here, never gated and blessed. The
    schema's FLOAT_TYPE_TOO_LARGE_FOR_MODEL stops such data first; this holds for
    rows that did not pass it (a schema that allows infinities, a tuning fold)."""
    with np.errstate(all="ignore"):
        encoded = np.asarray(model[:-1].transform(rows), dtype=np.float64)
    broken = np.flatnonzero(~np.isfinite(encoded).all(axis=0))
    if not broken.size:
        return
    try:
        names = [str(name) for name in model[:-1].get_feature_names_out()]
    except (AttributeError, ValueError):
        names = [f"column {number}" for number in range(encoded.shape[1])]
    shown = [names[column] for column in broken]
    raise DataError(
        f"the fitted preprocessing turns {len(shown)} training feature(s) into values "
        f"that are not finite ({', '.join(shown[:SHOWN_FEATURES])}"
        f"{' and more' if len(shown) > SHOWN_FEATURES else ''}): a value too large "
        "to scale; the model is not saved. Fix or drop those values (validate-data "
        "names them)"
    )
