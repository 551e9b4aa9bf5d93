"""Feature encoding, defined once: the Trainer fits it on training rows only, inside
the same scikit-learn Pipeline that serving loads, so the two cannot differ."""

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.preprocessing import StandardScaler


class Preprocess:
    """Imputes and scales numeric columns, imputes and one-hot encodes categorical ones.

    Unknown categories at serving time encode as all zeros instead of failing; columns
    that are not features are dropped, so rows may carry any other columns.
    """

    def __init__(self, numeric: tuple[str, ...], categorical: tuple[str, ...]) -> None:
        self.numeric = numeric
        self.categorical = categorical

    def build(self) -> ColumnTransformer:
        """An unfitted transformer; fitting is the Trainer's job."""
        return ColumnTransformer(
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
            ],
            remainder="drop",
        )
