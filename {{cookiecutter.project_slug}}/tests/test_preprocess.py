import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.preprocess import Preprocess


def make_preprocess() -> Preprocess:
    return Preprocess(numeric=("body_mass_g",), categorical=("island",))


def test_scaling_is_learned_from_training_rows_only(
    split: tuple[Dataset, Dataset],
) -> None:
    train, test = split
    preprocess = make_preprocess().fit(train.features)
    encoded_train = preprocess.transform(train.features)
    encoded_test = preprocess.transform(test.features)
    assert encoded_train[:, 0].mean() == pytest.approx(0.0, abs=1e-9)
    assert encoded_test[:, 0].mean() != pytest.approx(0.0, abs=1e-3)


def test_missing_and_unknown_values_still_encode() -> None:
    train = pd.DataFrame(
        {"body_mass_g": [3000.0, 5000.0], "island": ["Dream", "Biscoe"]}
    )
    serving = pd.DataFrame({"body_mass_g": [None], "island": ["Atlantis"]})
    encoded = make_preprocess().fit(train).transform(serving)
    assert encoded.tolist() == [[0.0, 0.0, 0.0]]
    assert encoded.dtype == np.float64


def test_transform_before_fit_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="before fit"):
        make_preprocess().transform(pd.DataFrame({"body_mass_g": [1.0]}))
