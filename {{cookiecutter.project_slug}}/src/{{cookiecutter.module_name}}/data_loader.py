"""What rows mean: features and labels, split reproducibly. Where they come from is
sources.py's concern."""

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import Task
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError

MIN_CLASS_ROWS = 2  # one for training, one for evaluation
SHOWN_CLASSES = 5


class DataLoader:
    """Turns a raw table into features and labels, and splits it reproducibly."""

    def __init__(
        self,
        label: str,
        numeric: tuple[str, ...],
        categorical: tuple[str, ...],
        test_fraction: float,
        seed: int,
        task: Task = "classification",
    ) -> None:
        self.label = label
        self.numeric = numeric
        self.categorical = categorical
        self.test_fraction = test_fraction
        self.seed = seed
        self.task = task

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    def to_dataset(self, frame: pd.DataFrame) -> Dataset:
        """Labelled rows; numeric features as floats (literal NaN text becomes NaN).
        Every other column stays, so a model trained on other features (production's)
        can be scored on the same rows."""
        absent = [name for name in self.feature_names if name not in frame.columns]
        if absent:
            raise DataError(f"features {absent} are not columns of the data")
        if self.label not in frame.columns:
            raise DataError(f"label {self.label!r} is not a column of the data")
        labelled = frame.dropna(subset=[self.label])
        features = labelled.drop(columns=[self.label]).assign(
            **{
                name: pd.to_numeric(labelled[name], errors="coerce").astype(float)
                for name in self.numeric
            }
        )
        labels = labelled[self.label]
        if self.task == "regression":
            labels = self._numeric_labels(labels)
        return Dataset(
            features=features,
            labels=labels,
            unlabelled=len(frame) - len(labelled),
        )

    def _numeric_labels(self, labels: "pd.Series[Any]") -> "pd.Series[Any]":
        numbers = pd.to_numeric(labels, errors="coerce")
        bad = labels[numbers.isna() | ~np.isfinite(numbers.astype(float))]
        if len(bad):
            raise DataError(
                f"label {self.label!r}: {len(bad)} rows are not finite numbers "
                f"(e.g. {bad.iloc[0]!r}); regression needs a numeric label"
            )
        return numbers.astype(float)

    def split(self, dataset: Dataset) -> tuple[Dataset, Dataset]:
        """Classification is stratified by label, so every class is in both parts."""
        stratify = None
        if self.task == "classification":
            self._refuse_rare_classes(dataset.labels)
            stratify = dataset.labels
        try:
            train_x, test_x, train_y, test_y = train_test_split(
                dataset.features,
                dataset.labels,
                test_size=self.test_fraction,
                random_state=self.seed,
                stratify=stratify,
            )
        except ValueError as error:
            first_line = str(error).splitlines()[0][:200]
            raise ConfigError(f"[split] cannot split the data: {first_line}") from None
        dropped = dataset.unlabelled
        return Dataset(train_x, train_y, dropped), Dataset(test_x, test_y, dropped)

    def _refuse_rare_classes(self, labels: "pd.Series[Any]") -> None:
        """A stratified split needs two rows of every class; name the rare ones in one
        short line, never every value."""
        counts = labels.value_counts()
        rare = counts[counts < MIN_CLASS_ROWS]
        if rare.empty:
            return
        shown = ", ".join(repr(value) for value in rare.index[:SHOWN_CLASSES])
        more = (
            f" and {len(rare) - SHOWN_CLASSES} more"
            if len(rare) > SHOWN_CLASSES
            else ""
        )
        hint = (
            '; for a numeric label, set [model] task = "regression"'
            if pd.api.types.is_numeric_dtype(labels) and len(counts) > SHOWN_CLASSES
            else ""
        )
        raise DataError(
            f"label {self.label!r}: {len(rare)} of {len(counts)} classes have fewer "
            f"than {MIN_CLASS_ROWS} rows ({shown}{more}): drop or merge them{hint}"
        )
