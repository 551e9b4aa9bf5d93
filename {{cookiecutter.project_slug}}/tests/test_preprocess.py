import numpy as np
import pandas as pd
import pytest
from research_guards.datatypes import Dataset
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError

from {{ cookiecutter.module_name }}.preprocess import Preprocess


def make_preprocess() -> Preprocess:
    return Preprocess(numeric=("width",), categorical=("site",))


def test_build_gives_an_unfitted_transformer_of_the_features() -> None:
    transformer = make_preprocess().build()
    assert isinstance(transformer, ColumnTransformer)
    assert [columns for _, _, columns in transformer.transformers] == [
        ["width"],
        ["site"],
    ]
    assert make_preprocess().build() is not transformer  # a fresh one each time
    with pytest.raises(NotFittedError):
        transformer.transform(pd.DataFrame({"width": [1.0], "site": ["north"]}))


def test_scaling_is_learned_from_training_rows_only(
    split: tuple[Dataset, Dataset],
) -> None:
    train, test = split
    transformer = make_preprocess().build().fit(train.features)
    encoded_train = transformer.transform(train.features)
    encoded_test = transformer.transform(test.features)
    assert encoded_train[:, 0].mean() == pytest.approx(0.0, abs=1e-9)
    assert encoded_test[:, 0].mean() != pytest.approx(0.0, abs=1e-3)


def test_missing_and_unknown_values_still_encode_and_other_columns_drop() -> None:
    train = pd.DataFrame({"width": [10.0, 30.0], "site": ["north", "south"]})
    serving = pd.DataFrame({"width": [None], "site": ["west"], "note": ["ignored"]})
    encoded = make_preprocess().build().fit(train).transform(serving)
    assert encoded.tolist() == [[0.0, 0.0, 0.0]]
    assert encoded.dtype == np.float64
