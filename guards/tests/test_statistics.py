"""Statistics are mergeable partial summaries, as TFDV's Beam combiners are: a table's
statistics equal the merge of its chunks' for any chunking, so the same checks run on
a file read in pieces, a folder of files or a cluster."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from research_guards.data_validation import statistics
from research_guards.data_validation.comparators import Histogram
from research_guards.data_validation.comparators import js_divergence
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import FeatureStatistics
from research_guards.data_validation.statistics import merged
from research_guards.data_validation.statistics import of_numbers
from research_guards.data_validation.statistics import statistics_of

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


def assert_same(left: FeatureStatistics, right: FeatureStatistics) -> None:
    counted = ("rows", "present", "nan", "infinities", "invalid", "non_integral")
    for name in (*counted, "minimum", "maximum", "count", "value_counts"):
        assert getattr(left, name) == getattr(right, name), name
    for name in ("mean", "std"):
        one, other = getattr(left, name), getattr(right, name)
        assert (one is None and other is None) or one == pytest.approx(other, 1e-12)
    np.testing.assert_array_equal(left.points, right.points)
    np.testing.assert_array_equal(left.weights, right.weights)


NUMBERS = st.one_of(st.floats(-1e6, 1e6), st.integers(-3, 3).map(float))
ODD_CELLS = st.sampled_from([None, "nan", "inf", "-inf", "heavy", math.inf, -math.inf])


@st.composite
def tables_in_chunks(draw: st.DrawFn) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Any table of the awkward kinds, cut anywhere (empty chunks included); each
    chunk's column types are inferred on its own, as each CSV chunk's are."""
    rows = draw(st.integers(0, 40))

    def column(cells: st.SearchStrategy[object]) -> list[object]:
        return draw(st.lists(cells, min_size=rows, max_size=rows))

    frame = pd.DataFrame(
        {
            "weight": pd.Series(column(st.one_of(NUMBERS, ODD_CELLS)), dtype=object),
            "count": pd.Series(column(st.integers(0, 4)), dtype=np.int64),
            "colour": pd.Series(
                column(st.sampled_from(["a", "b", None])), dtype=object
            ),
            "code": pd.Series(column(st.sampled_from([1.0, 2.0, None])), dtype=float),
            "empty_number": pd.Series([None] * rows, dtype=object),
            "empty_text": pd.Series([None] * rows, dtype=object),
        }
    )
    cuts = sorted(draw(st.lists(st.integers(0, rows), max_size=5)))
    bounds = [0, *cuts, rows]
    chunks = [frame.iloc[a:b].infer_objects() for a, b in zip(bounds, bounds[1:])]
    return frame, chunks


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(tables_in_chunks())
def test_any_chunking_merges_to_the_whole_tables_statistics(
    table_and_chunks: tuple[pd.DataFrame, list[pd.DataFrame]],
) -> None:
    frame, chunks = table_and_chunks
    whole = statistics_of(frame, NUMERIC)
    parts = merged(statistics_of(chunk, NUMERIC) for chunk in chunks)
    assert parts.rows == whole.rows
    for name, feature in whole.features.items():
        part = parts.features[name]
        counted = ("rows", "present", "nan", "infinities", "invalid", "non_integral")
        for field_name in (*counted, "minimum", "maximum", "count", "value_counts"):
            assert getattr(part, field_name) == getattr(feature, field_name), name
        np.testing.assert_array_equal(part.points, feature.points)
        np.testing.assert_array_equal(part.weights, feature.weights)
        low, high = feature.finite_range or (0.0, 0.0)
        scale = max(abs(low), abs(high), 1.0)
        for moment in ("mean", "std"):
            one, other = getattr(part, moment), getattr(feature, moment)
            assert (one is None) == (other is None), moment
            if other is not None:
                assert one == pytest.approx(other, rel=1e-9, abs=1e-9 * scale)


def test_merging_is_associative() -> None:
    a, b, c = (statistics_of(awkward_table(50, seed), NUMERIC) for seed in (1, 2, 3))
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    for name, feature in left.features.items():
        assert_same(right.features[name], feature)
    assert left.features["weight"].infinities > 0 < left.features["weight"].nan
    assert set(left.features["code"].value_counts) == {"1", "2"}


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


def test_a_value_is_named_as_text_however_the_column_holds_it() -> None:
    """Counted first and named after: 1 and "1" in one object column are one value,
    and a chunk's whole floats are named as the integers they are."""
    mixed = pd.Series([1, "1", None, "x", 2.0], dtype=object)
    floats = pd.Series([1.0, None, 2.0, 2.0])
    features = statistics_of(pd.DataFrame({"mixed": mixed, "floats": floats}), set())
    assert features.features["mixed"].value_counts == {"1": 2, "x": 1, "2.0": 1}
    assert features.features["floats"].value_counts == {"1": 1, "2": 2}
    assert features.features["floats"].present == 3


def test_an_empty_table_merges_as_nothing() -> None:
    empty = statistics_of(awkward_table(0, 0), NUMERIC)
    table = statistics_of(awkward_table(20, 0), NUMERIC)
    assert isinstance(empty, DatasetStatistics)
    for name, feature in table.features.items():
        assert_same(empty.merge(table).features[name], feature)
