"""Whether the drift rule tells noise from a shift, on tables nobody here chose.

For each of scikit-learn's bundled tables (150 to 1,797 rows; the class column as
text, so that categories are compared too): a random half against the other half,
for several seeds (nothing may fire), and the table against a copy of it whose most
varied numeric column is clipped at its median, half its rows one value, as issue 22
did to the sample's body mass (that column, and only it, must fire). Printed per
comparison above the threshold: the distance, the noise and the verdict, and the
seconds each table's comparisons took. A figure to report, never a
test; it exits 1 when a half fires or a shift is missed.

Run: uv run python benchmarks/bench_drift_noise.py [--threshold=T] [--seeds=N]
(default: the config's drift threshold, 5 seeds)
"""

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from research_guards.config import DEFAULT_CONFIG
from research_guards.config import load_config
from research_guards.data_validation.comparators import Comparison
from research_guards.data_validation.comparators import compare
from research_guards.data_validation.statistics import statistics_of
from sklearn.datasets import load_breast_cancer
from sklearn.datasets import load_diabetes
from sklearn.datasets import load_digits
from sklearn.datasets import load_iris
from sklearn.datasets import load_wine

TABLES: dict[str, Callable[..., object]] = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "diabetes": load_diabetes,
    "digits": load_digits,
}


def table(name: str) -> pd.DataFrame:
    """The features, and the target as text when it is a class."""
    bunch = TABLES[name](as_frame=True)
    frame: pd.DataFrame = getattr(bunch, "frame").copy()
    if name != "diabetes":
        frame["target"] = frame["target"].map(lambda label: f"class {label}")
    return frame


def comparisons(
    left: pd.DataFrame, right: pd.DataFrame, threshold: float
) -> list[Comparison]:
    numeric = set(left.select_dtypes("number").columns)
    first, second = statistics_of(left, numeric), statistics_of(right, numeric)
    return [
        compare(first.features[name], second.features[name], threshold)
        for name in left.columns
    ]


def halves(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    middle = len(frame) // 2
    return frame.iloc[order[:middle]], frame.iloc[order[middle:]]


def shifted_column(frame: pd.DataFrame) -> str:
    """The numeric column with the most distinct values: clipping it at its median
    makes half its rows one value."""
    numbers = frame.select_dtypes("number")
    return str(numbers.nunique().idxmax())


def line(label: str, found: list[Comparison], seconds: float) -> str:
    fired = [c.feature for c in found if c.fired]
    above = [c for c in found if c.beyond_threshold]
    shown = "; ".join(
        f"{c.feature} {c.distance:.3f} vs noise {c.noise:.3f} {_word(c)}"
        for c in above
        if c.distance is not None and c.noise is not None
    )
    return (
        f"  {label:<28} fired: {', '.join(fired) or 'none':<14} "
        f"above threshold: {len(above):>2} of {len(found):<3} {seconds * 1000:6.0f} ms"
        + (f"\n      {shown}" if shown else "")
    )


def _word(comparison: Comparison) -> str:
    return "FIRED" if comparison.fired else "within noise"


def main(arguments: list[str]) -> int:
    options = dict(
        argument.removeprefix("--").split("=", 1)
        for argument in arguments
        if argument.startswith("--") and "=" in argument
    )
    threshold = float(
        options.get("threshold", load_config(DEFAULT_CONFIG).validation.drift_threshold)
    )
    seeds = range(int(options.get("seeds", "5")))
    failures = 0
    print(f"threshold {threshold:g}, seeds {list(seeds)}")
    for name in TABLES:
        frame = table(name)
        column = shifted_column(frame)
        print(f"{name}: {len(frame)} rows, {frame.shape[1]} columns, shift: {column}")
        for seed in seeds:
            started = time.perf_counter()
            found = comparisons(*halves(frame, seed), threshold)
            seconds = time.perf_counter() - started
            print(line(f"seed {seed}, half vs half", found, seconds))
            failures += any(c.fired for c in found)
        clipped = frame.assign(
            **{column: frame[column].clip(upper=frame[column].median())}
        )
        started = time.perf_counter()
        found = comparisons(frame, clipped, threshold)
        print(line("table vs clipped copy", found, time.perf_counter() - started))
        failures += [c.feature for c in found if c.fired] != [column]
    print(
        "every half quiet, every shift found" if not failures else f"{failures} wrong"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
