import numpy as np
import pandas as pd
import pytest
from conftest import LABEL
from conftest import ROWS
from conftest import table

from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.errors import DataError


def regression_loader(loader: DataLoader) -> DataLoader:
    return DataLoader(
        loader.label,
        loader.numeric,
        loader.categorical,
        loader.test_fraction,
        loader.seed,
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


def test_split_is_stratified_and_reproducible(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    dataset = loader.to_dataset(sample)
    train, test = loader.split(dataset)
    again, _ = loader.split(dataset)
    assert len(train) + len(test) == len(dataset)
    assert set(train.features.index).isdisjoint(test.features.index)
    assert set(test.labels) == set(dataset.labels)
    shares = test.labels.value_counts(normalize=True)
    overall = dataset.labels.value_counts(normalize=True)
    assert (shares - overall).abs().max() < 0.03
    assert list(train.features.index) == list(again.features.index)


def test_a_feature_missing_from_the_data_is_one_line(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    with pytest.raises(DataError, match=r"features \['site'\] are not columns"):
        loader.to_dataset(sample.drop(columns=["site"]))
    with pytest.raises(DataError, match=f"label '{LABEL}' is not a column"):
        loader.to_dataset(sample.drop(columns=[LABEL]))


def test_a_split_too_small_for_every_class_is_a_config_error(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    tiny = DataLoader(loader.label, loader.numeric, loader.categorical, 0.001, 1)
    with pytest.raises(ConfigError, match=r"\[split\] cannot split the data"):
        tiny.split(tiny.to_dataset(sample))


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
