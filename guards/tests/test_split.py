import numpy as np
import pandas as pd
import pytest
from conftest import CATEGORICAL
from conftest import LABEL
from conftest import NUMERIC
from conftest import ROWS
from conftest import table

from research_guards.datatypes import Dataset
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.split import hash_split
from research_guards.split import identities_over
from research_guards.split import labelled_rows
from research_guards.split import numeric_labels
from research_guards.split import row_hashes
from research_guards.split import row_identities
from research_guards.split import unit_interval

PINNED = [17457858920350696465, 13482799208143398397, 4517116142034052517]
FRACTION = 0.25


def rows_of(frame: pd.DataFrame) -> Dataset:
    return labelled_rows(frame, LABEL, NUMERIC + CATEGORICAL)


def held_out(frame: pd.DataFrame, key: str | None = None) -> pd.DataFrame:
    """The rows of `frame` the split holds out, as rows of the table."""
    _, test = hash_split(rows_of(frame), FRACTION, key=key)
    return frame.loc[test.features.index]


def test_labelled_rows_keep_every_other_column_and_count_the_unlabelled() -> None:
    frame = table("multiclass").assign(extra=1.0)
    frame.loc[[0, 5, 9], LABEL] = None
    rows = rows_of(frame)
    assert LABEL not in rows.features.columns and "extra" in rows.features.columns
    assert len(rows) == ROWS - 3 and rows.unlabelled == 3
    assert not {0, 5, 9} & set(rows.features.index)
    assert rows.labels.name == LABEL
    train, test = hash_split(rows, FRACTION)
    assert train.unlabelled == test.unlabelled == 3


def test_a_feature_or_label_missing_from_the_data_is_one_line() -> None:
    frame = table("multiclass")
    with pytest.raises(DataError, match=r"features \['site'\] are not columns"):
        rows_of(frame.drop(columns=["site"]))
    with pytest.raises(DataError, match=f"label '{LABEL}' is not a column"):
        rows_of(frame.drop(columns=[LABEL]))


def test_numeric_labels_are_floats_or_one_line() -> None:
    labels = table("regression").astype({LABEL: str})[LABEL]
    assert numeric_labels(labels).dtype == "float64"
    words = table("multiclass")[LABEL]
    with pytest.raises(DataError, match="regression needs a numeric label") as raised:
        numeric_labels(words)
    assert f"label '{LABEL}': {ROWS} rows are not finite numbers" in str(raised.value)
    assert f"(e.g. {words.iloc[0]!r})" in str(raised.value)
    with pytest.raises(DataError, match="1 rows are not finite numbers"):
        numeric_labels(pd.Series([1.0, np.inf, 2.0], name=LABEL))


def test_split_is_reproducible_and_holds_out_about_test_fraction() -> None:
    rows = rows_of(table("multiclass", 2000))
    train, test = hash_split(rows, FRACTION)
    again, _ = hash_split(rows, FRACTION)
    assert len(train) + len(test) == len(rows)
    assert set(train.features.index).isdisjoint(test.features.index)
    assert list(train.features.index) == list(again.features.index)
    assert abs(len(test) / len(rows) - FRACTION) < 0.03
    assert set(test.labels) == set(train.labels) == set(rows.labels)
    assert train.rows is not None and test.rows is not None
    assert len(train.rows.hashes) == len(train) and len(test.rows.hashes) == len(test)
    assert train.rows.columns == tuple(sorted([*NUMERIC, *CATEGORICAL, LABEL]))


def test_the_same_rows_stay_held_out_when_rows_are_added_or_reordered() -> None:
    """A row's side is fixed by the row alone: not by a seed (the split has none),
    the file's order, or rows appended later."""
    sample = table("multiclass")
    before = held_out(sample)
    more = table("multiclass", 400, seed=9)
    more.index += len(sample)
    grown = pd.concat([sample, more]).sample(frac=1.0, random_state=4)
    after = held_out(grown)
    assert set(before.index) == set(after.index) & set(sample.index)
    assert len(after) > len(before)  # the new rows are split too


def test_row_identity_ignores_column_order_and_how_numbers_are_spelled() -> None:
    frame = pd.DataFrame(
        {"n": [1, 2, 0, 3], "x": [0.5, -0.0, 2.0, np.nan], "s": ["a", "b", "c", None]}
    )
    respelled = pd.DataFrame(
        {
            "s": pd.Series(["a", "b", "c", np.nan], dtype="category"),
            "x": ["0.50", "0", "2", None],
            "n": [1.0, 2.0, 0.0, 3.0],
        }
    )
    assert (row_hashes(frame) == row_hashes(respelled)).all()
    changed = frame.assign(s=pd.Series(["a", "b", "d", None]))
    same = row_hashes(frame) == row_hashes(changed)
    assert same.tolist() == [True, True, False, True]
    renamed = frame.rename(columns={"x": "y"})
    assert not (row_hashes(frame) == row_hashes(renamed)).any()
    swapped = frame.assign(n=frame["x"], x=frame["n"])
    assert not (row_hashes(frame)[:2] == row_hashes(swapped)[:2]).any()
    big = pd.DataFrame({"id": [2**62 + 1, 2**62 + 2]})  # beyond float precision
    assert row_hashes(big)[0] != row_hashes(big)[1]


def test_values_of_every_kind_hash_by_their_meaning() -> None:
    """Booleans are not numbers, whole numbers beyond 2**53 keep their digits, words
    and "inf" stay text, and objects that are neither hash by their text."""
    mixed = pd.DataFrame({"v": [True, 2**60, 1.5, "inf", "1e400", object, 3]})
    as_text = pd.DataFrame(
        {"v": ["True", str(2**60), "1.50", "inf", "1e400", str(object), "3"]}
    )
    assert (row_hashes(mixed) == row_hashes(as_text)).all()
    flags = pd.DataFrame({"v": [True, False]})
    assert (
        row_hashes(flags).tolist() != row_hashes(pd.DataFrame({"v": [1, 0]})).tolist()
    )
    huge = pd.DataFrame({"v": [2**60, None]}, dtype="Int64")
    assert len(set(row_hashes(huge).tolist())) == 2
    assert len(row_hashes(pd.DataFrame({"v": pd.Series([], dtype=object)}))) == 0


def test_row_hashes_never_change_between_releases() -> None:
    """These numbers decide which rows every project holds out: a change to the hash
    would move rows production trained on into evaluation. Pinned, so a library
    upgrade (pandas' own hash has changed between releases) cannot move them."""
    frame = pd.DataFrame(
        {"x": [1.5, np.nan, -2.0], "name": ["a", "é", None], "n": [1, 2, 3]}
    )
    assert row_hashes(frame).tolist() == PINNED


def test_duplicate_rows_land_on_the_same_side() -> None:
    sample = table("multiclass")
    twice = pd.concat([sample, sample], ignore_index=True)
    held = set(held_out(twice).index)
    assert {index % len(sample) for index in held} == {
        index - len(sample) for index in held if index >= len(sample)
    }
    assert len(held) % 2 == 0


def test_a_key_column_keeps_the_rows_that_share_it_on_one_side() -> None:
    sample = table("multiclass")
    grouped = sample.assign(group=sample.index // 3)
    held = held_out(grouped, "group")
    assert 0 < len(held) < len(sample)
    groups = grouped.groupby("group").size()
    assert (held.groupby("group").size() == groups[held["group"].unique()]).all()
    # The key alone names a row: other values change, the side does not.
    edited = grouped.assign(width=grouped["width"] + 1.0)
    assert set(held_out(edited, "group").index) == set(held.index)
    assert row_identities(rows_of(grouped), "group").columns == ("group",)
    with pytest.raises(DataError, match=r"\[split\] key 'batch' is not a column"):
        held_out(grouped, "batch")
    grouped.loc[[3, 7], "group"] = None
    with pytest.raises(DataError, match="'group': 2 labelled rows have no value"):
        held_out(grouped, "group")


def test_rows_are_named_again_over_a_models_columns_while_the_data_has_them() -> None:
    rows = rows_of(table("multiclass"))
    train, _ = hash_split(rows, FRACTION)
    assert train.rows is not None
    again = identities_over(train, train.rows.columns)
    assert again is not None and (again.hashes == train.rows.hashes).all()
    assert identities_over(train, ("gone", LABEL)) is None


def test_a_split_with_an_empty_side_is_a_config_error() -> None:
    rows = rows_of(table("multiclass"))
    for fraction, side in ((1e-9, "evaluation"), (1 - 1e-9, "training")):
        with pytest.raises(ConfigError, match=f"leaves no {side} rows of {ROWS}"):
            hash_split(rows, fraction, key="width")


def test_a_class_whose_every_row_is_held_out_is_refused_in_one_line() -> None:
    """The split is not stratified (a row's side would then depend on the others),
    so a small class can land wholly in evaluation: no model could learn it."""
    frame = table("multiclass").assign(id=range(ROWS))
    ids = frame[["id"]].astype(float)
    out = np.flatnonzero(unit_interval(row_hashes(ids)) < FRACTION)
    frame.loc[out[:2], LABEL] = "rare"
    with pytest.raises(DataError) as raised:
        hash_split(rows_of(frame), FRACTION, key="id")
    message = str(raised.value)
    assert f"label '{LABEL}': every row of class 'rare' is held out" in message
    assert "\n" not in message and len(message) < 200
    frame.loc[frame.index.difference(list(out))[0], LABEL] = "rare"  # one trains
    train, test = hash_split(rows_of(frame), FRACTION, key="id")
    assert "rare" in set(train.labels) and "rare" in set(test.labels)


def test_rare_classes_are_named_in_one_short_line() -> None:
    frame = table("multiclass")
    rare = [f"rare{number}" for number in range(8)]
    frame.loc[: len(rare) - 1, LABEL] = rare
    with pytest.raises(DataError) as raised:
        hash_split(rows_of(frame), FRACTION)
    message = str(raised.value)
    assert "\n" not in message and len(message) < 200
    assert "8 of 11 classes have fewer than 2 rows" in message
    assert sum(name in message for name in rare) == 5
    assert "and 3 more" in message and "regression" not in message


def test_a_numeric_label_with_many_rare_values_suggests_regression() -> None:
    with pytest.raises(
        DataError, match='set \\[model\\] task = "regression"'
    ) as raised:
        hash_split(rows_of(table("regression")), FRACTION)
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 250


def test_regression_is_split_without_class_refusals() -> None:
    rows = rows_of(table("regression"))
    train, test = hash_split(rows, FRACTION, "regression")
    assert len(train) + len(test) == ROWS
