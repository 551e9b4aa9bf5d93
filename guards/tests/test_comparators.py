"""Jensen-Shannon divergence as TFDV computes it, on the histograms of TFDV's own
tests (tensorflow_data_validation/anomalies/metrics_test.cc,
TEST(JensenShannonDivergence, ...)), to 1e-6; and the L-infinity distance."""

import json
import math
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.datasets import load_diabetes
from sklearn.datasets import load_iris
from sklearn.datasets import load_wine

from research_guards.data_validation.comparators import EMPTY_SIDE
from research_guards.data_validation.comparators import NOT_NEEDED
from research_guards.data_validation.comparators import Comparison
from research_guards.data_validation.comparators import Histogram
from research_guards.data_validation.comparators import compare
from research_guards.data_validation.comparators import js_divergence
from research_guards.data_validation.comparators import linf_distance
from research_guards.data_validation.comparators import without_control
from research_guards.data_validation.statistics import FeatureStatistics
from research_guards.data_validation.statistics import statistics_of

INF = math.inf
THIRDS = Histogram(
    ((1.0, 2.3333333, 2.9866667), (2.3333333, 3.6666667, 1.0066667)),
)

# name in metrics_test.cc: (histogram 1, histogram 2, expected divergence)
TFDV_CASES = {
    "SameStatistics": (THIRDS, THIRDS, 0.0),
    "DifferentBucketBoundaries": (
        Histogram(((1.0, 2.0, 2.0), (2.0, 3.0, 2.0))),
        Histogram(((2.0, 4.0, 2.0), (4.0, 6.0, 2.0))),
        0.65563906222,
    ),
    "NoOverlap": (
        Histogram(((0.0, 1.0, 2.0), (1.0, 2.0, 2.0))),
        Histogram(((3.0, 4.0, 2.0), (4.0, 6.0, 2.0))),
        1.0,
    ),
    "OneHasAllValuesInOneBucket": (
        Histogram(((1.0, 1.0, 4.0),)),
        Histogram(((2.0, 4.0, 2.0), (4.0, 6.0, 2.0))),
        1.0,
    ),
    "BothHaveAllValuesInOneBucket": (
        Histogram(((1.0, 1.0, 4.0),)),
        Histogram(((2.33, 2.33, 4.0),)),
        1.0,
    ),
    "OneHasOneBucketTheOtherHasMany": (
        Histogram(((10.0, 10.0, 21.0),)),
        Histogram(((0.0, 4.0, 150.0), (4.0, 12.0, 200.0), (12.0, 20.0, 20.0))),
        1.0,
    ),
    "NaNNotEqualToSelf": (Histogram((), nan=1.0), Histogram((), nan=1.0), 1.0),
    "WithNaNs": (
        Histogram(((1.0, 2.0, 3.0),), nan=1.0),
        Histogram(((1.0, 2.0, 4.0),)),
        0.13792538096,
    ),
    "MultiplePointBinsPartialOverlap": (
        Histogram(((0.0, 0.0, 1.0), (1.0, 1.0, 1.0))),
        Histogram(((0.0, 0.0, 1.0), (2.0, 2.0, 1.0))),
        0.5,
    ),
    "MixOfPointAndNonPointBoundaries": (
        Histogram(((0.0, 0.0, 1.0), (1.0, 2.0, 1.0))),
        Histogram(((1.0, 1.0, 1.0), (2.0, 2.0, 1.0))),
        1.0,
    ),
    "InfiniteBinBoundaries": (
        Histogram(((-INF, 0.0, 1.0), (INF, INF, 1.0))),
        Histogram(((-INF, 0.0, 1.0), (INF, INF, 1.0))),
        1.0,
    ),
}


@pytest.mark.parametrize("case", TFDV_CASES)
def test_js_divergence_matches_tfdvs_own_tests(case: str) -> None:
    first, second, expected = TFDV_CASES[case]
    assert js_divergence(first, second) == pytest.approx(expected, abs=1e-6)


def test_each_side_keeps_its_own_range_so_a_shift_reads_as_tfdv_reads_it() -> None:
    """Both sides bucketed over their own [min, max] (utils/quantiles_util.py,
    generate_equi_width_histogram: linspace(finite_min, finite_max, 11)), then
    re-bucketed onto the union of the edges (anomalies/metrics.cc, AlignHistograms):
    a sample shifted by 15% of its range diverges by what TFDV's re-bucketing gives
    (0.15), not by what common bins would (0.12, issue 12)."""
    values = np.random.default_rng(0).uniform(0.0, 1.0, 20_000)
    shifted = values + 0.15
    divergence = js_divergence(Histogram.of(values), Histogram.of(shifted))
    # Uniform on [0, 1] vs [0.15, 1.15]: 15% of each side's mass is unshared.
    assert divergence == pytest.approx(0.15, abs=0.01)


def test_infinities_and_nan_are_buckets_of_their_own() -> None:
    finite = np.array([1.0, 2.0, 3.0, 4.0])
    plain = Histogram.of(finite)
    assert js_divergence(plain, plain) == 0.0
    assert js_divergence(plain, Histogram.of(finite, infinities=1)) > 0.1
    assert js_divergence(plain, Histogram.of(finite, nan=1)) > 0.1


def test_an_empty_side_is_fully_different_and_two_empty_sides_are_the_same() -> None:
    empty, some = Histogram.of(np.empty(0)), Histogram.of(np.array([1.0, 2.0]))
    assert js_divergence(empty, some) == 1.0
    assert js_divergence(empty, empty) == 0.0


def test_linf_distance_is_the_largest_share_difference() -> None:
    assert linf_distance({"a": 2, "b": 2}, {"a": 1, "b": 3}) == pytest.approx(0.25)
    assert linf_distance({"a": 1}, {"b": 1}) == 1.0


# Issue 22: a comparison fires when its distance is above the threshold AND above the
# noise, what two samples of one distribution read at these sizes.


def column(values: object, numeric: bool = True) -> FeatureStatistics:
    frame = pd.DataFrame({"x": values})
    return statistics_of(frame, {"x"} if numeric else set()).features["x"]


def counted(counts: dict[str, int], times: int = 1) -> FeatureStatistics:
    values = [value for value, n in counts.items() for _ in range(n * times)]
    return column(values, numeric=False)


def judged(
    left: FeatureStatistics, right: FeatureStatistics, threshold: float = 0.1
) -> Comparison:
    return compare(left, right, threshold)


@pytest.mark.parametrize(
    "load", [load_iris, load_wine, load_breast_cancer, load_diabetes]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_random_half_against_the_other_half_never_fires(
    load: Callable[..., Any], seed: int
) -> None:
    """150 to 569 rows: a half reads above the 0.1 threshold on several features
    (noise, which the old `2 x mean` could not tell from drift), never above the
    noise. benchmarks/bench_drift_noise.py runs more seeds and tables."""
    frame = load(as_frame=True).frame
    order = np.random.default_rng(seed).permutation(len(frame))
    halves = frame.iloc[order[: len(frame) // 2]], frame.iloc[order[len(frame) // 2 :]]
    numeric = set(frame.columns)
    first, second = (statistics_of(half, numeric) for half in halves)
    found = [compare(first.features[n], second.features[n], 0.1) for n in frame]
    assert [c.feature for c in found if c.fired] == []


def test_half_the_rows_clipped_to_one_value_fires_on_344_rows() -> None:
    """Issue 22's case: JSD 0.43 against a noise of 0.15 was 'too few rows to
    judge'. Nothing else differs, so nothing else may fire."""
    mass = np.random.default_rng(0).normal(4200.0, 800.0, 344).round(-1)
    clipped = np.minimum(mass, np.median(mass))
    comparison = judged(column(mass), column(clipped))
    assert comparison.distance is not None and comparison.distance > 0.3
    assert comparison.noise is not None and comparison.noise < comparison.distance
    assert comparison.fired and not comparison.too_small
    assert str(comparison).endswith(
        f"ANOMALY (above same-distribution noise {comparison.noise:.4f})"
    )
    assert not judged(column(mass), column(mass.copy())).fired


def test_tfdv_skew_on_string_counts_fires_once_the_counts_can_tell() -> None:
    """SA::FindSkewStringFeature (schema_anomalies_test.cc): a 1/2/7 against a 3/1/6,
    L-infinity 0.2 over 0.1. TFDV fires on 10 rows; here 10 rows are within the noise
    (a share differs by 0.2 between two random tens), 500 are not."""
    training, serving = {"a": 1, "b": 2, "c": 7}, {"a": 3, "b": 1, "c": 6}
    small = judged(counted(training), counted(serving))
    assert small.distance == pytest.approx(0.2) and small.too_small
    large = judged(counted(training, 50), counted(serving, 50))
    assert large.distance == pytest.approx(0.2) and large.fired


def test_tfdv_drift_of_previous_stats_fires_once_the_counts_can_tell() -> None:
    """test_validate_stats_with_previous_stats (validation_api_test.py): a 3/1 before,
    a 1/1 now, L-infinity 0.25, here over a threshold of 0.1: within the noise on
    TFDV's 4 and 2 rows, an anomaly on 400 and 200."""
    small = judged(counted({"a": 3, "b": 1}), counted({"a": 1, "b": 1}))
    assert small.distance == pytest.approx(0.25) and small.too_small
    assert small.noise is not None and small.noise <= 1.0
    large = judged(counted({"a": 3, "b": 1}, 100), counted({"a": 1, "b": 1}, 100))
    assert large.distance == pytest.approx(0.25) and large.fired


def test_tfdv_skew_on_disjoint_numbers_fires_once_the_samples_can_tell() -> None:
    """SA::FindSkewNumericFeature: values in [1, 3] against values in [5, 7], JSD 1.
    Two values a side are within the noise (capped at 1, the divergence's maximum);
    twenty are not."""
    generator = np.random.default_rng(0)
    for size, fires in ((2, False), (20, True)):
        low, high = generator.uniform(1, 3, size), generator.uniform(5, 7, size)
        comparison = judged(column(low), column(high))
        assert comparison.distance == 1.0 and comparison.fired is fires
        assert comparison.noise is not None and 0.0 <= comparison.noise <= 1.0


@pytest.mark.parametrize(
    ("left", "right", "numeric"),
    [
        ([1.0], [5.0], True),
        ([1.0, math.inf], [math.nan, 7.0], True),
        (["a"], ["b"], False),
        (["a", "b"], ["c"], False),
    ],
)
def test_the_noise_is_never_above_one_nor_infinite(
    left: list[Any], right: list[Any], numeric: bool
) -> None:
    """Issue 22, item 5: a noise of 1.09 was shown for a distance bounded by 1, and
    sqrt(1/1 + 1/1) = 1.41 for one row a side."""
    comparison = judged(column(left, numeric), column(right, numeric))
    assert comparison.noise is not None and 0.0 <= comparison.noise <= 1.0
    assert comparison.too_small and not comparison.fired


def test_an_empty_side_says_so_and_writes_no_infinity() -> None:
    """The noise was infinite for a column empty on one side, and the run record
    (asdict of the comparison) could not be written (issue 22, item 2)."""
    empty = column(pd.Series([None, None], dtype=float))
    comparison = judged(column([1.0, 2.0, 3.0]), empty)
    assert comparison.noise is None and comparison.noise_note == EMPTY_SIDE
    assert not comparison.fired and "one side has no values" in str(comparison)
    record = json.dumps(asdict(comparison), allow_nan=False)
    assert '"noise": null' in record
    missing = without_control("x", 0.1)
    assert missing.fired and missing.distance is None
    json.dumps(asdict(missing), allow_nan=False)


def test_the_noise_is_measured_only_above_the_threshold_and_the_same_each_time() -> (
    None
):
    """Below the threshold it would decide nothing; above it, it is seeded."""
    generator = np.random.default_rng(1)
    values = generator.normal(0.0, 1.0, 400)
    quiet = judged(column(values[:200]), column(values[200:]), threshold=0.5)
    assert quiet.noise is None and quiet.noise_note == NOT_NEEDED and not quiet.fired
    shifted = column(values[200:] + 1.0)
    assert judged(column(values[:200]), shifted) == judged(
        column(values[:200]), shifted
    )


def test_a_column_nearly_all_one_value_does_not_fire_when_a_half_gets_none_else() -> (
    None
):
    """As digits' sparse pixels: 10 values of 1,797 are not 0. A half that gets none
    of them is one point, and TFDV's divergence between a point and a spread is 1;
    that happens to a random half once in 525 splits, a jump the readings' spread
    misses (0.75 here): the exact chance of it is counted."""
    rare = np.arange(10) % 4 + 1.0
    comparison = judged(column(np.zeros(898)), column(np.r_[np.zeros(889), rare]))
    assert comparison.distance == 1.0 and comparison.noise == 1.0
    assert comparison.too_small and not comparison.fired
