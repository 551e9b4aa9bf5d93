"""The DataLoader's own decisions (which columns are features, numeric ones as floats,
the label, the task and key handed to the split) and its wiring to
research_guards.split; the split's behaviour is the library's to test."""

import numpy as np
import pandas as pd
import pytest
from conftest import LABEL
from conftest import ROWS
from conftest import table
from research_guards.errors import DataError

from {{ cookiecutter.module_name }}.data_loader import DataLoader


def with_settings(
    loader: DataLoader, task: str = "", key: str | None = None, fraction: float = 0.0
) -> DataLoader:
    return DataLoader(
        loader.label,
        loader.numeric,
        loader.categorical,
        fraction or loader.test_fraction,
        "regression" if task == "regression" else loader.task,
        key=key,
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
    assert features["site"].tolist() == ["north", "south"]  # categories stay


def test_other_columns_are_kept_and_unlabelled_rows_counted(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    """A model trained on other features (production's) is scored on the same rows."""
    sample.loc[[0, 5, 9], LABEL] = None
    dataset = loader.to_dataset(sample.assign(extra=1.0))
    assert list(dataset.features.columns) == [
        name for name in sample.columns if name != LABEL
    ] + ["extra"]
    assert len(dataset) == ROWS - 3 and dataset.unlabelled == 3
    with pytest.raises(DataError, match=r"features \['site'\] are not columns"):
        loader.to_dataset(sample.drop(columns=["site"]))


def test_the_split_holds_out_rows_by_each_rows_identity(
    loader: DataLoader,
) -> None:
    dataset = loader.to_dataset(table("multiclass"))
    train, test = loader.split(dataset)
    assert len(train) + len(test) == len(dataset) and len(train) > len(test) > 0
    assert train.rows is not None and test.rows is not None
    assert train.rows.columns == loader.identities(dataset).columns
    named = loader.identities_by(test, test.rows.columns)
    assert named is not None and (named.hashes == test.rows.hashes).all()
    assert loader.identities_by(test, ("gone",)) is None


def test_the_split_key_is_the_configs(loader: DataLoader, sample: pd.DataFrame) -> None:
    by_group = with_settings(loader, key="group")
    grouped = by_group.to_dataset(sample.assign(group=sample.index // 3))
    train, test = by_group.split(grouped)
    assert set(train.features["group"]).isdisjoint(test.features["group"])
    assert by_group.identities(grouped).columns == ("group",)
    with pytest.raises(DataError, match=r"\[split\] key 'batch' is not a column"):
        with_settings(loader, key="batch").split(grouped)


def test_regression_labels_are_floats_and_not_refused_as_classes(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    regression = with_settings(loader, "regression")
    dataset = regression.to_dataset(table("regression").astype({LABEL: str}))
    assert dataset.labels.dtype == "float64"
    train, test = regression.split(dataset)
    assert len(train) + len(test) == ROWS and test.labels.dtype == "float64"
    with pytest.raises(DataError, match="regression needs a numeric label"):
        regression.to_dataset(sample)
    infinite = table("regression").assign(**{LABEL: np.inf})
    with pytest.raises(DataError, match="not finite numbers"):
        regression.to_dataset(infinite)
