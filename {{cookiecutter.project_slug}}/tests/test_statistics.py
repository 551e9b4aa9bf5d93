"""Statistics are mergeable partial summaries, as TFDV's Beam combiners are: a table's
statistics equal the merge of its chunks' for any chunking, so the same checks run on
a file read in pieces, a folder of files or a cluster."""

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.data_validation import statistics
from {{ cookiecutter.module_name }}.data_validation.comparators import Histogram
from {{ cookiecutter.module_name }}.data_validation.comparators import js_divergence
from {{ cookiecutter.module_name }}.data_validation.statistics import DatasetStatistics
from {{ cookiecutter.module_name }}.data_validation.statistics import FeatureStatistics
from {{ cookiecutter.module_name }}.data_validation.statistics import merged
from {{ cookiecutter.module_name }}.data_validation.statistics import of_numbers
from {{ cookiecutter.module_name }}.data_validation.statistics import statistics_of

NUMERIC = {"weight", "count", "empty_number"}


def awkward_table(rows: int, seed: int) -> pd.DataFrame:
    """Every kind of cell a column can hold: missing, NaN text, infinities, text in a
    number, whole numbers read as floats, and a column missing in every row."""
    generator = np.random.default_rng(seed)
    weight = generator.normal(50, 10, rows).astype(object)
    weight[generator.random(rows) < 0.1] = None
    weight[generator.random(rows) < 0.05] = "nan"
    weight[generator.random(rows) < 0.03] = "inf"
    weight[generator.random(rows) < 0.03] = "-inf"
    weight[generator.random(rows) < 0.02] = "heavy"
    colours = np.array(["red", "blue", "green", None], dtype=object)
    colour = generator.choice(colours, rows)
    code = generator.choice([1.0, 2.0, np.nan], rows)
    return pd.DataFrame(
        {
            "weight": weight,
            "count": generator.integers(0, 5, rows),
            "colour": colour,
            "code": code,
            "empty_number": [None] * rows,
            "empty_text": [None] * rows,
        }
    )


def chunked(frame: pd.DataFrame, seed: int) -> list[pd.DataFrame]:
    """Random cut points, repeated ones giving empty chunks."""
    generator = np.random.default_rng(seed)
    cuts = sorted(generator.integers(0, len(frame) + 1, size=6))
    bounds = [0, *cuts, len(frame)]
    return [frame.iloc[low:high] for low, high in zip(bounds[:-1], bounds[1:])]


def assert_same(left: FeatureStatistics, right: FeatureStatistics) -> None:
    counted = ("rows", "present", "nan", "infinities", "invalid", "non_integral")
    for name in (*counted, "minimum", "maximum", "count", "value_counts"):
        assert getattr(left, name) == getattr(right, name), name
    for name in ("mean", "std"):
        one, other = getattr(left, name), getattr(right, name)
        assert (one is None and other is None) or one == pytest.approx(other, 1e-12)
    np.testing.assert_array_equal(left.numbers, right.numbers)


@pytest.mark.parametrize("seed", range(8))
def test_a_table_is_the_merge_of_its_chunks_for_any_chunking(seed: int) -> None:
    frame = awkward_table(400, seed)
    whole = statistics_of(frame, NUMERIC)
    parts = merged(statistics_of(chunk, NUMERIC) for chunk in chunked(frame, seed))
    assert parts.rows == whole.rows
    assert list(parts.features) == list(whole.features)
    for name, feature in whole.features.items():
        assert_same(parts.features[name], feature)
    assert whole.features["weight"].infinities > 0 < whole.features["weight"].nan
    assert set(whole.features["code"].value_counts) == {"1", "2"}


def test_merging_is_associative() -> None:
    a, b, c = (statistics_of(awkward_table(50, seed), NUMERIC) for seed in (1, 2, 3))
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    for name, feature in left.features.items():
        assert_same(right.features[name], feature)


def test_a_column_one_file_lacks_is_missing_in_its_rows() -> None:
    first = statistics_of(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), {"a"})
    second = statistics_of(pd.DataFrame({"a": [3.0]}), {"a"})
    both = first.merge(second)
    assert both.rows == 3
    assert (both.features["b"].rows, both.features["b"].present) == (3, 2)


def test_past_the_exact_limit_quantiles_come_from_the_sketch_within_its_bound() -> None:
    """The merged t-digest's rank error stays under the stated bound, and TFDV's
    divergence read from it within 0.001 of the exact one."""
    generator = np.random.default_rng(0)
    values = generator.lognormal(0, 1, 60_000)
    parts = [of_numbers(part) for part in np.array_split(values, 7)]
    feature = parts[0]
    for part in parts[1:]:
        feature = feature.merge(part)
    assert not feature.exact and feature.count == values.size
    points = np.quantile(values, np.linspace(0.05, 0.95, 19))
    assert feature.sketch is not None
    read = np.asarray(feature.sketch.cdf_vec(points.tolist()), dtype=np.float64)
    true = np.searchsorted(np.sort(values), points, side="right") / values.size
    assert np.abs(read - true).max() <= statistics.SKETCH_RANK_ERROR
    shifted = values * 1.15
    exact = js_divergence(Histogram.of(values), Histogram.of(shifted))
    sketched = js_divergence(
        Histogram.of_feature(feature), Histogram.of_feature(of_numbers(shifted))
    )
    assert sketched == pytest.approx(exact, abs=0.001)
    assert feature.mean == pytest.approx(values.mean(), rel=1e-12)
    assert feature.std == pytest.approx(values.std(), rel=1e-9)


def test_a_categorical_column_past_the_distinct_bound_counts_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(statistics, "MAX_DISTINCT", 2)
    frame = pd.DataFrame({"kind": ["a", "a", "a", "b", "b", "c", "d"]})
    feature = statistics_of(frame, set()).features["kind"]
    assert feature.value_counts == {"a": 3, "b": 2}
    assert feature.other_values == 2
    halves = [
        statistics_of(frame.iloc[:3], set()),
        statistics_of(frame.iloc[3:], set()),
    ]
    assert merged(halves).features["kind"].other_values == 2


def test_an_empty_table_merges_as_nothing() -> None:
    empty = statistics_of(awkward_table(0, 0), NUMERIC)
    table = statistics_of(awkward_table(20, 0), NUMERIC)
    assert isinstance(empty, DatasetStatistics)
    for name, feature in table.features.items():
        assert_same(empty.merge(table).features[name], feature)
