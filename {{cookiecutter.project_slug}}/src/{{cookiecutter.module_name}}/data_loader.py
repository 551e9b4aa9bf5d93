"""What rows mean: features and labels, split by each row's identity. Where they come
from is sources.py's concern; how a row is named and split is research_guards.split's,
the same in every repository."""

from typing import Any

import pandas as pd
from research_guards.datatypes import Dataset
from research_guards.datatypes import RowIds
from research_guards.datatypes import Task
from research_guards.split import hash_split
from research_guards.split import identities_over
from research_guards.split import labelled_rows
from research_guards.split import numeric_labels
from research_guards.split import row_identities


class DataLoader:
    """Turns a raw table into features and labels, and splits it by a hash of each
    row, so a row's side never depends on the seed, the file's order or the rows
    added later."""

    def __init__(
        self,
        label: str,
        numeric: tuple[str, ...],
        categorical: tuple[str, ...],
        test_fraction: float,
        task: Task = "classification",
        key: str | None = None,
    ) -> None:
        self.label = label
        self.numeric = numeric
        self.categorical = categorical
        self.test_fraction = test_fraction
        self.task = task
        self.key = key

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    def to_dataset(self, frame: pd.DataFrame) -> Dataset:
        """Labelled rows; numeric features as floats (literal NaN text becomes NaN).
        Every other column stays, so a model trained on other features (production's)
        can be scored on the same rows."""
        rows = labelled_rows(frame, self.label, self.feature_names)
        features = rows.features.assign(
            **{name: self._numbers(rows.features[name]) for name in self.numeric}
        )
        labels = rows.labels
        if self.task == "regression":
            labels = numeric_labels(labels)
        return Dataset(features, labels, rows.unlabelled)

    @staticmethod
    def _numbers(column: "pd.Series[Any]") -> "pd.Series[float]":
        return pd.to_numeric(column, errors="coerce").astype(float)

    def identities(self, dataset: Dataset) -> RowIds:
        """What names a row: its [split] key, or else every column's value."""
        return row_identities(dataset, self.key)

    def identities_by(
        self, dataset: Dataset, columns: tuple[str, ...]
    ) -> RowIds | None:
        """The rows named as a model's training rows were (over `columns`), or None
        when the data no longer has all of those columns."""
        return identities_over(dataset, columns)

    def split(self, dataset: Dataset) -> tuple[Dataset, Dataset]:
        """TFX's hash-bucket split: about test_fraction of the rows held out, each by
        its identity alone. Classification is not stratified: a class too rare to be
        on both sides is refused."""
        return hash_split(dataset, self.test_fraction, self.task, self.key)
