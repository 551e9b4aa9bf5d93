"""Feature encoding learned from training rows only, then applied unchanged."""

from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import StandardScaler


class Preprocess:
    """Imputes and scales numeric columns, imputes and one-hot encodes categorical ones.

    Unknown categories at serving time encode as all zeros instead of failing.
    """

    def __init__(self, numeric: tuple[str, ...], categorical: tuple[str, ...]) -> None:
        self.numeric = numeric
        self.categorical = categorical

    def fit(self, features: pd.DataFrame) -> Self:
        self.encoder_ = ColumnTransformer(
            [
                (
                    "numeric",
                    make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                    list(self.numeric),
                ),
                (
                    "categorical",
                    make_pipeline(
                        SimpleImputer(strategy="most_frequent"),
                        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    ),
                    list(self.categorical),
                ),
            ]
        )
        self.encoder_.fit(features)
        return self

    def transform(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        if not hasattr(self, "encoder_"):
            raise RuntimeError("Preprocess.transform called before fit")
        return np.asarray(self.encoder_.transform(features), dtype=np.float64)
