"""Where rows come from (DataSource) is kept apart from what they mean (DataLoader)."""

import hashlib
from pathlib import Path
from typing import Protocol

import pandas as pd
from sklearn.model_selection import train_test_split

from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.errors import DataError


class DataSource(Protocol):
    """Anything that yields a raw table: a CSV file here, a warehouse elsewhere."""

    @property
    def location(self) -> str: ...

    def read(self) -> pd.DataFrame: ...

    def fingerprint(self) -> str: ...


class CsvSource:
    """A CSV file on disk; every way it can be unreadable becomes one DataError line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> pd.DataFrame:
        try:
            frame = pd.read_csv(self.path)
        except FileNotFoundError:
            raise DataError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise DataError(f"{self.path}: is a directory, not a CSV file") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: file is empty") from None
        except UnicodeDecodeError:
            raise DataError(f"{self.path}: not UTF-8 text") from None
        except pd.errors.ParserError as error:
            raise DataError(f"{self.path}: not a well-formed CSV ({error})") from None
        if frame.empty:
            raise DataError(f"{self.path}: header only, no rows")
        return frame

    def fingerprint(self) -> str:
        """SHA-256 of the file's bytes, so a run record pins exactly what it read."""
        digest = hashlib.sha256()
        with self.path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


class DataLoader:
    """Turns a raw table into features and labels, and splits it reproducibly."""

    def __init__(
        self,
        label: str,
        feature_names: tuple[str, ...],
        test_fraction: float,
        seed: int,
    ) -> None:
        self.label = label
        self.feature_names = feature_names
        self.test_fraction = test_fraction
        self.seed = seed

    def to_dataset(self, frame: pd.DataFrame) -> Dataset:
        labelled = frame.dropna(subset=[self.label])
        return Dataset(
            features=labelled[list(self.feature_names)], labels=labelled[self.label]
        )

    def split(self, dataset: Dataset) -> tuple[Dataset, Dataset]:
        """Stratified by label, so every class is in both parts."""
        train_x, test_x, train_y, test_y = train_test_split(
            dataset.features,
            dataset.labels,
            test_size=self.test_fraction,
            random_state=self.seed,
            stratify=dataset.labels,
        )
        return Dataset(train_x, train_y), Dataset(test_x, test_y)
