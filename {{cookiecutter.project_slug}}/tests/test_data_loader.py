import numpy as np
import pandas as pd
import pytest
from conftest import LABEL
from conftest import ROWS
from conftest import table
from research_guards.errors import ConfigError
from research_guards.errors import DataError

from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.data_loader import row_hashes
from {{ cookiecutter.module_name }}.data_loader import unit_interval

PINNED = [17457858920350696465, 13482799208143398397, 4517116142034052517]


def regression_loader(loader: DataLoader) -> DataLoader:
    return DataLoader(
        loader.label,
        loader.numeric,
        loader.categorical,
        loader.test_fraction,
        task="regression",
    )


def test_dataset_makes_numeric_features_numbers(loader: DataLoader) -> None:
    frame = pd.DataFrame(
        {
            LABEL: ["a", "b"],
            "site": ["north", "south"],
            "shift": ["day", None],
            "length": ["39.1", "NaN"],
            "width": [18.7, 17.4],
            "count": [3, 4],
        }
    )
    features = loader.to_dataset(frame).features
    assert features["length"].dtype == "float64"
    assert features["length"].isna().tolist() == [False, True]
    assert features["count"].dtype == "float64"  # whole numbers too


def test_every_column_but_the_label_is_kept(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    """A model trained on other features (production's) is scored on the same rows."""
    dataset = loader.to_dataset(sample.assign(extra=1.0))
    assert LABEL not in dataset.features.columns
    assert list(dataset.features.columns) == [
        name for name in sample.columns if name != LABEL
    ] + ["extra"]
    assert dataset.unlabelled == 0 and len(dataset) == ROWS


def test_unlabelled_rows_are_dropped_and_counted(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    sample.loc[[0, 5, 9], LABEL] = None
    dataset = loader.to_dataset(sample)
    assert len(dataset) == ROWS - 3 and dataset.unlabelled == 3
    assert not {0, 5, 9} & set(dataset.features.index)
    train, test = loader.split(dataset)
    assert train.unlabelled == test.unlabelled == 3


def test_split_is_reproducible_and_holds_out_about_test_fraction(
    loader: DataLoader,
) -> None:
    dataset = loader.to_dataset(table("multiclass", 2000))
    train, test = loader.split(dataset)
    again, _ = loader.split(dataset)
    assert len(train) + len(test) == len(dataset)
    assert set(train.features.index).isdisjoint(test.features.index)
    assert list(train.features.index) == list(again.features.index)
    assert abs(len(test) / len(dataset) - loader.test_fraction) < 0.03
    assert set(test.labels) == set(train.labels) == set(dataset.labels)
    assert train.rows is not None and test.rows is not None
    assert len(train.rows.hashes) == len(train) and len(test.rows.hashes) == len(test)


def held_out(loader: DataLoader, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` the split holds out, as rows of the table."""
    _, test = loader.split(loader.to_dataset(frame))
    return frame.loc[test.features.index]


def test_the_same_rows_stay_held_out_when_rows_are_added_or_reordered(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    """A row's side is fixed by the row alone: not by the seed (the loader has none),
    the file's order, or rows appended later."""
    before = held_out(loader, sample)
    more = table("multiclass", 400, seed=9)
    more.index += len(sample)
    grown = pd.concat([sample, more]).sample(frac=1.0, random_state=4)
    after = held_out(loader, grown)
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


def test_row_hashes_never_change_between_releases() -> None:
    """These numbers decide which rows every project holds out: a change to the hash
    would move rows production trained on into evaluation. Pinned, so a library
    upgrade (pandas' own hash has changed between releases) cannot move them."""
    frame = pd.DataFrame(
        {"x": [1.5, np.nan, -2.0], "name": ["a", "é", None], "n": [1, 2, 3]}
    )
    assert row_hashes(frame).tolist() == PINNED


def test_duplicate_rows_land_on_the_same_side(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    twice = pd.concat([sample, sample], ignore_index=True)
    held = set(held_out(loader, twice).index)
    assert {index % len(sample) for index in held} == {
        index - len(sample) for index in held if index >= len(sample)
    }
    assert len(held) % 2 == 0


def keyed(loader: DataLoader, key: str, fraction: float | None = None) -> DataLoader:
    return DataLoader(
        loader.label,
        loader.numeric,
        loader.categorical,
        loader.test_fraction if fraction is None else fraction,
        loader.task,
        key=key,
    )


def test_a_key_column_keeps_the_rows_that_share_it_on_one_side(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    by_group = keyed(loader, "group")
    grouped = sample.assign(group=sample.index // 3)
    held = held_out(by_group, grouped)
    assert 0 < len(held) < len(sample)
    groups = grouped.groupby("group").size()
    assert (held.groupby("group").size() == groups[held["group"].unique()]).all()
    # The key alone names a row: other values change, the side does not.
    edited = grouped.assign(width=grouped["width"] + 1.0)
    assert set(held_out(by_group, edited).index) == set(held.index)
    with pytest.raises(DataError, match=r"\[split\] key 'batch' is not a column"):
        held_out(keyed(loader, "batch"), grouped)
    grouped.loc[[3, 7], "group"] = None
    with pytest.raises(DataError, match="'group': 2 labelled rows have no value"):
        held_out(by_group, grouped)


def test_a_feature_missing_from_the_data_is_one_line(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    with pytest.raises(DataError, match=r"features \['site'\] are not columns"):
        loader.to_dataset(sample.drop(columns=["site"]))
    with pytest.raises(DataError, match=f"label '{LABEL}' is not a column"):
        loader.to_dataset(sample.drop(columns=[LABEL]))


def test_a_split_with_an_empty_side_is_a_config_error(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    for fraction, side in ((1e-9, "evaluation"), (1 - 1e-9, "training")):
        with pytest.raises(ConfigError, match=f"leaves no {side} rows of {ROWS}"):
            keyed(loader, "width", fraction).split(loader.to_dataset(sample))


def test_a_class_whose_every_row_is_held_out_is_refused_in_one_line(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    """The split is not stratified (a row's side would then depend on the others),
    so a small class can land wholly in evaluation: no model could learn it."""
    by_id = keyed(loader, "id")
    frame = sample.assign(id=range(len(sample)))
    ids = frame[["id"]].astype(float)
    out = np.flatnonzero(unit_interval(row_hashes(ids)) < loader.test_fraction)
    frame.loc[out[:2], LABEL] = "rare"
    with pytest.raises(DataError) as raised:
        by_id.split(by_id.to_dataset(frame))
    message = str(raised.value)
    assert "every row of class 'rare' is held out for evaluation" in message
    assert "\n" not in message and len(message) < 200
    frame.loc[frame.index.difference(list(out))[0], LABEL] = "rare"  # one trains
    train, test = by_id.split(by_id.to_dataset(frame))
    assert "rare" in set(train.labels) and "rare" in set(test.labels)


def test_rare_classes_are_named_in_one_short_line(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    rare = [f"rare{number}" for number in range(8)]
    sample.loc[: len(rare) - 1, LABEL] = rare
    with pytest.raises(DataError) as raised:
        loader.split(loader.to_dataset(sample))
    message = str(raised.value)
    assert "\n" not in message and len(message) < 200
    assert "8 of 11 classes have fewer than 2 rows" in message
    assert sum(name in message for name in rare) == 5
    assert "and 3 more" in message and "regression" not in message


def test_a_numeric_label_with_many_rare_values_suggests_regression(
    loader: DataLoader,
) -> None:
    frame = table("regression")
    with pytest.raises(
        DataError, match='set \\[model\\] task = "regression"'
    ) as raised:
        loader.split(loader.to_dataset(frame))
    assert "\n" not in str(raised.value) and len(str(raised.value)) < 250


def test_regression_labels_are_floats_and_the_split_is_not_stratified(
    loader: DataLoader,
) -> None:
    regression = regression_loader(loader)
    frame = table("regression").astype({LABEL: str})
    dataset = regression.to_dataset(frame)
    assert dataset.labels.dtype == "float64"
    train, test = regression.split(dataset)
    assert len(train) + len(test) == ROWS and test.labels.dtype == "float64"


def test_a_regression_label_that_is_not_a_number_is_one_line(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    with pytest.raises(DataError, match="regression needs a numeric label") as raised:
        regression_loader(loader).to_dataset(sample)
    assert f"label '{LABEL}': {ROWS} rows are not finite numbers" in str(raised.value)
    infinite = table("regression").assign(**{LABEL: np.inf})
    with pytest.raises(DataError, match="not finite numbers"):
        regression_loader(loader).to_dataset(infinite)
