"""Per-column statistics in one vectorised pass, as TFDV computes them: anomalies,
comparisons and reports all read these, never the rows again."""

import math
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FeatureStatistics:
    """What one column holds. `nan` counts literal NaN values, which TFDV tells apart
    from missing cells; `invalid` counts text in a numeric column."""

    name: str
    numeric: bool
    rows: int
    present: int
    nan: int = 0
    infinities: int = 0
    invalid: int = 0
    non_integral: int = 0
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None
    std: float | None = None
    value_counts: dict[str, int] = field(default_factory=dict)
    numbers: FloatArray = field(default_factory=lambda: np.empty(0))

    @property
    def fraction_present(self) -> float:
        return self.present / self.rows if self.rows else 0.0

    @property
    def missing_fraction(self) -> float:
        return 1.0 - self.fraction_present


@dataclass(frozen=True)
class DatasetStatistics:
    rows: int
    features: dict[str, FeatureStatistics]


def statistics_of(frame: pd.DataFrame, numeric: set[str]) -> DatasetStatistics:
    """`numeric` names the columns the schema declares numeric; the rest are text."""
    features = {
        str(name): (
            _numeric(str(name), column)
            if name in numeric
            else _categorical(str(name), column)
        )
        for name, column in frame.items()
    }
    return DatasetStatistics(rows=len(frame), features=features)


def _numeric(name: str, column: "pd.Series[Any]") -> FeatureStatistics:
    if pd.api.types.is_numeric_dtype(column):
        # Already numbers: missing cells are NaN, and no copy is made to drop them.
        numbers = column.to_numpy(dtype=np.float64, na_value=np.nan)
        present_count = int(np.count_nonzero(~np.isnan(numbers)))
        nan = invalid = 0
    else:
        present = column.dropna()
        present_count = len(present)
        text = present.astype(str).str.strip()
        is_nan = text.str.lower() == "nan"
        parsed = pd.to_numeric(text[~is_nan], errors="coerce")
        nan, invalid = int(is_nan.sum()), int(parsed.isna().sum())
        numbers = parsed.dropna().to_numpy(dtype=np.float64)
    finite = numbers[np.isfinite(numbers)]
    infinite = numbers[np.isinf(numbers)]
    minimum, maximum, mean, std = _describe(finite)
    if infinite.size:  # TFDV's min and max include infinities; mean and std do not
        minimum = min(float(infinite.min()), math.inf if minimum is None else minimum)
        maximum = max(float(infinite.max()), -math.inf if maximum is None else maximum)
    return FeatureStatistics(
        name=name,
        numeric=True,
        rows=len(column),
        present=present_count,
        nan=nan,
        infinities=int(infinite.size),
        invalid=invalid,
        non_integral=int(np.count_nonzero(finite != np.floor(finite))),
        numbers=finite,
        minimum=minimum,
        maximum=maximum,
        mean=mean,
        std=std,
    )


Description = tuple[float | None, float | None, float | None, float | None]


def _describe(numbers: FloatArray) -> Description:
    """Minimum, maximum, mean and standard deviation; all None for no numbers."""
    if numbers.size == 0:
        return None, None, None, None
    return (
        float(numbers.min()),
        float(numbers.max()),
        float(numbers.mean()),
        float(numbers.std()),
    )


def _categorical(name: str, column: "pd.Series[Any]") -> FeatureStatistics:
    counts = column.value_counts(dropna=True)
    return FeatureStatistics(
        name=name,
        numeric=False,
        rows=len(column),
        present=int(counts.sum()),
        value_counts={str(value): int(count) for value, count in counts.items()},
    )
