"""Where rows come from (DataSource) is kept apart from what they mean (DataLoader)."""

import hashlib
from pathlib import Path
from typing import Protocol

import pandas as pd
from sklearn.model_selection import train_test_split

from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError

# Cells that mean "no value". A literal NaN is a value (TFDV tells the two apart), so
# pandas' default list, which includes it, is not used.
MISSING_MARKERS = ["", "NA", "N/A", "NULL", "null", "None"]
SNIFFED_BYTES = 8192
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


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
        self._refuse_binary()
        try:
            frame = pd.read_csv(
                self.path, keep_default_na=False, na_values=MISSING_MARKERS
            )
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: file is empty") from None
        except UnicodeDecodeError:
            raise DataError(f"{self.path}: not UTF-8 text") from None
        except pd.errors.ParserError as error:
            raise DataError(f"{self.path}: not a well-formed CSV ({error})") from None
        if frame.empty:
            raise DataError(f"{self.path}: header only, no rows")
        self._refuse_other_delimiters(frame)
        return frame

    def _refuse_binary(self) -> None:
        try:
            with self.path.open("rb") as stream:
                head = stream.read(SNIFFED_BYTES)
        except FileNotFoundError:
            raise DataError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise DataError(f"{self.path}: is a directory, not a CSV file") from None
        if b"\x00" in head:
            raise DataError(f"{self.path}: binary data, not CSV text")

    def _refuse_other_delimiters(self, frame: pd.DataFrame) -> None:
        header = str(frame.columns[0])
        if frame.shape[1] == 1:
            for delimiter, name in OTHER_DELIMITERS.items():
                if delimiter in header:
                    raise DataError(
                        f"{self.path}: one column named {header!r}; the file looks "
                        f"{name}-delimited: use commas"
                    )

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
        numeric: tuple[str, ...],
        categorical: tuple[str, ...],
        test_fraction: float,
        seed: int,
    ) -> None:
        self.label = label
        self.numeric = numeric
        self.categorical = categorical
        self.test_fraction = test_fraction
        self.seed = seed

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    def to_dataset(self, frame: pd.DataFrame) -> Dataset:
        """Numeric features as floats (literal NaN text becomes NaN); labelled rows."""
        absent = [name for name in self.feature_names if name not in frame.columns]
        if absent:
            raise DataError(f"features {absent} are not columns of the data")
        labelled = frame.dropna(subset=[self.label])
        features = labelled[list(self.feature_names)].assign(
            **{
                name: pd.to_numeric(labelled[name], errors="coerce")
                for name in self.numeric
            }
        )
        return Dataset(features=features, labels=labelled[self.label])

    def split(self, dataset: Dataset) -> tuple[Dataset, Dataset]:
        """Stratified by label, so every class is in both parts."""
        try:
            train_x, test_x, train_y, test_y = train_test_split(
                dataset.features,
                dataset.labels,
                test_size=self.test_fraction,
                random_state=self.seed,
                stratify=dataset.labels,
            )
        except ValueError as error:
            raise ConfigError(f"[split] cannot split the data: {error}") from None
        return Dataset(train_x, train_y), Dataset(test_x, test_y)
