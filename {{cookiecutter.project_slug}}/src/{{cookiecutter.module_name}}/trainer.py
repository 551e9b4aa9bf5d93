"""Fitting, seeded so that the same config and data give the same model."""

from typing import Any

import numpy as np
import pandas as pd
from research_guards.datatypes import Dataset
from research_guards.datatypes import Estimator
from research_guards.datatypes import ModelArtifact
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from sklearn.pipeline import Pipeline as ScikitPipeline


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
        if self.task == "classification":
            refuse_one_class(train.labels)
        refuse_infinities(train.features[list(names)])
        try:
            model.fit(train.features[list(names)], train.labels.to_numpy())
        except (TypeError, ValueError) as error:
            first_line = str(error).splitlines()[0]
            raise ConfigError(f"[model] the estimator cannot be fitted: {first_line}")
        refuse_unfinite_features(model, train.features[list(names)])
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


def refuse_unfinite_features(model: ScikitPipeline, rows: pd.DataFrame) -> None:
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
        f"that are not finite ({', '.join(shown[:5])}"
        f"{' and more' if len(shown) > 5 else ''}): a value too large to scale; "
        "the model is not saved. Fix or drop those values (validate-data names them)"
    )
