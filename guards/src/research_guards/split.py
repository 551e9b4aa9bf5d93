"""Which rows a model trains on and which judge it: each row's identity (a hash of its
values, fixed by this file alone) and TFX's hash-bucket split over it, with the
refusals that keep both sides usable. A repository's DataLoader decides the label, the
features and the key; the split's machinery is the same for every repository."""

import hashlib
import math
import re
from dataclasses import replace
from numbers import Integral
from numbers import Real
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from research_guards.datatypes import Dataset
from research_guards.datatypes import RowIds
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from research_guards.errors import DataError

MIN_CLASS_ROWS = 2  # one for training, one for evaluation
SHOWN_CLASSES = 5
# Whole numbers up to 2**53 are floats exactly, so 1 and 1.0 hash alike; larger ones
# (64-bit identifiers) hash by their digits, so neighbours stay apart.
EXACT_INTEGERS = 2**53
INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
NUMBER_TEXT = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")
# The hash of a row is fixed by this file alone, never by a library's version:
# BLAKE2b (hashlib, RFC 7693) for text, splitmix64's finaliser for numbers' IEEE-754
# bits. pandas.util.hash_pandas_object is not used: its output has changed between
# pandas releases (pandas-dev/pandas#58999), which would move every row's side.
PERSON = b"row-identity-v1"
NUMBER_TAG = np.uint64(0x9E3779B97F4A7C15)
MISSING = np.uint64(0x5851F42D4C957F2D)
UNIT = 2.0**-53


def labelled_rows(
    frame: pd.DataFrame, label: str, features: tuple[str, ...]
) -> Dataset:
    """The rows that have a label, every other column kept as features (a model
    trained on other features, production's, is then scored on the same rows); the
    rows without one are counted, reported not hidden."""
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise DataError(f"features {absent} are not columns of the data")
    if label not in frame.columns:
        raise DataError(f"label {label!r} is not a column of the data")
    labelled = frame.dropna(subset=[label])
    return Dataset(
        features=labelled.drop(columns=[label]),
        labels=labelled[label],
        unlabelled=len(frame) - len(labelled),
    )


def numeric_labels(labels: "pd.Series[Any]") -> "pd.Series[Any]":
    """A regression's label as floats, or one line naming how many rows are not
    finite numbers and the first of them."""
    numbers = pd.to_numeric(labels, errors="coerce")
    bad = labels[numbers.isna() | ~np.isfinite(numbers.astype(float))]
    if len(bad):
        raise DataError(
            f"label {str(labels.name)!r}: {len(bad)} rows are not finite numbers "
            f"(e.g. {bad.iloc[0]!r}); regression needs a numeric label"
        )
    return numbers.astype(float)


def row_identities(dataset: Dataset, key: str | None = None) -> RowIds:
    """What names a row: its value in the [split] key column, or else its values in
    every column of the table (the label too), names sorted. Rows that share it
    (duplicates, or one key's rows) are one row to the split."""
    if key is None:
        table = _table(dataset)
        return RowIds(tuple(sorted(map(str, table.columns))), row_hashes(table))
    if key not in dataset.features.columns:
        raise DataError(f"[split] key {key!r} is not a column of the data")
    blank = int(dataset.features[key].isna().sum())
    if blank:
        raise DataError(
            f"[split] key {key!r}: {blank} labelled rows have no value; "
            "every row needs one to be put on one side of the split"
        )
    return RowIds((key,), row_hashes(dataset.features[[key]]))


def identities_over(dataset: Dataset, columns: tuple[str, ...]) -> RowIds | None:
    """The rows named as a model's training rows were (over `columns`), or None when
    the data no longer has all of those columns."""
    table = _table(dataset)
    if not set(columns) <= set(map(str, table.columns)):
        return None
    return RowIds(columns, row_hashes(table[list(columns)]))


def hash_split(
    dataset: Dataset,
    test_fraction: float,
    task: Task = "classification",
    key: str | None = None,
) -> tuple[Dataset, Dataset]:
    """A row is held out for evaluation when its identity's hash, read as a number in
    [0, 1), is below test_fraction: TFX's hash-bucket split. About test_fraction of
    the rows are held out; which ones depends on nothing but the rows themselves.
    Classification is not stratified (that would make a row's side depend on the
    others): a class with no training row is refused."""
    if task == "classification":
        refuse_rare_classes(dataset.labels)
    rows = row_identities(dataset, key)
    held = unit_interval(rows.hashes) < test_fraction
    labelled = replace(dataset, rows=rows)
    train, test = labelled.take(~held), labelled.take(held)
    if not len(train) or not len(test):
        side = "evaluation" if len(train) else "training"
        raise ConfigError(
            f"[split] test_fraction = {test_fraction} leaves no {side} rows "
            f"of {len(dataset)}: choose a fraction that puts rows on both sides"
        )
    if task == "classification":
        refuse_untrained_classes(train.labels, test.labels)
    return train, test


def refuse_untrained_classes(train: "pd.Series[Any]", test: "pd.Series[Any]") -> None:
    """A class whose every row is held out could never be predicted: its rows would
    only lower the score of every model alike."""
    untrained = sorted(set(test) - set(train), key=str)
    if not untrained:
        return
    raise DataError(
        f"label {str(test.name)!r}: every row of class {_some(untrained)} is held "
        "out for evaluation, none left to train on: add rows of it, or merge or drop it"
    )


def refuse_rare_classes(labels: "pd.Series[Any]") -> None:
    """A class needs a row to train on and one to judge by; name the rare ones in one
    short line, never every value."""
    counts = labels.value_counts()
    rare = counts[counts < MIN_CLASS_ROWS]
    if rare.empty:
        return
    hint = (
        '; for a numeric label, set [model] task = "regression"'
        if pd.api.types.is_numeric_dtype(labels) and len(counts) > SHOWN_CLASSES
        else ""
    )
    raise DataError(
        f"label {str(labels.name)!r}: {len(rare)} of {len(counts)} classes have fewer "
        f"than {MIN_CLASS_ROWS} rows ({_some(list(rare.index))}): drop or merge "
        f"them{hint}"
    )


def _some(values: list[Any]) -> str:
    """The first few values, and how many more: a message stays one short line."""
    shown = ", ".join(repr(value) for value in values[:SHOWN_CLASSES])
    more = len(values) - SHOWN_CLASSES
    return f"{shown} and {more} more" if more > 0 else shown


def _table(dataset: Dataset) -> pd.DataFrame:
    """The rows as the file had them: every column, the label included."""
    return dataset.features.assign(**{str(dataset.labels.name): dataset.labels})


def unit_interval(hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.float64]:
    """A hash's top 53 bits as a float in [0, 1), exactly: uniform for a good hash."""
    return (hashes >> np.uint64(11)).astype(np.float64) * UNIT


def row_hashes(frame: pd.DataFrame) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each row's values, vectorised per column. The same whatever
    the columns' order (names are sorted) and their dtypes: 1, 1.0 and "1" are one
    value, -0.0 is 0.0, every kind of missing value is one value."""
    combined = np.zeros(len(frame), dtype=np.uint64)
    for position in sorted(
        range(frame.shape[1]), key=lambda at: str(frame.columns[at])
    ):
        name = np.uint64(_text_hash(str(frame.columns[position])))
        cells = _cell_hashes(frame.iloc[:, position])
        combined = _mix(combined ^ cells ^ name)
    return combined


def _cell_hashes(column: "pd.Series[Any]") -> npt.NDArray[np.uint64]:
    """Floats and small whole numbers by their value's bits, in one pass; any other
    column by its distinct values, each made canonical once."""
    if _plain_numbers(column):
        return _number_hashes(column.to_numpy(dtype=np.float64, na_value=np.nan))
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    canonical = [_canonical(value) for value in np.asarray(uniques, dtype=object)]
    numbers = np.array(
        [value if isinstance(value, float) else 0.0 for value in canonical],
        dtype=np.float64,
    )
    distinct = _number_hashes(numbers)
    for at, value in enumerate(canonical):
        if isinstance(value, str):
            distinct[at] = _text_hash(value)
    cells = distinct[np.maximum(codes, 0)] if len(distinct) else np.zeros(len(codes))
    return np.where(codes < 0, MISSING, cells).astype(np.uint64)


def _plain_numbers(column: "pd.Series[Any]") -> bool:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return False
    if pd.api.types.is_float_dtype(dtype):
        return True
    largest = column.abs().max()
    return bool(pd.isna(largest) or largest <= EXACT_INTEGERS)


def _canonical(value: Any) -> float | str:
    """A number as a float (a whole one beyond 2**53 by its digits), numeric text as
    its number, anything else as its text. Text is tested first: it is most values."""
    if isinstance(value, str):
        return _numeric_text(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Integral):
        number = int(value)
        return float(number) if abs(number) <= EXACT_INTEGERS else str(number)
    if isinstance(value, Real):
        return float(value)
    return str(value)


def _numeric_text(text: str) -> float | str:
    """Text that is a plain decimal number is that number ("1.50" is 1.5); words,
    "nan", "inf" and the like stay text. A regular expression, not float(), decides:
    raising and catching an error per word costs more than hashing it."""
    if INTEGER_TEXT.fullmatch(text):
        return _canonical(int(text))
    if NUMBER_TEXT.fullmatch(text):
        number = float(text)
        return number if math.isfinite(number) else text
    return text


def _number_hashes(numbers: npt.NDArray[np.float64]) -> npt.NDArray[np.uint64]:
    bits = (numbers + 0.0).view(np.uint64)  # -0.0 + 0.0 is 0.0
    hashes = _mix(bits ^ NUMBER_TAG)
    hashes[np.isnan(numbers)] = MISSING
    return hashes


def _text_hash(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=PERSON)
    return int.from_bytes(digest.digest(), "little")


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        mixed = values ^ (values >> np.uint64(30))
        mixed = mixed * np.uint64(0xBF58476D1CE4E5B9)
        mixed = mixed ^ (mixed >> np.uint64(27))
        mixed = mixed * np.uint64(0x94D049BB133111EB)
        mixed = mixed ^ (mixed >> np.uint64(31))
    return np.asarray(mixed, dtype=np.uint64)
