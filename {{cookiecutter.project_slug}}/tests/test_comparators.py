"""Jensen-Shannon divergence as TFDV computes it, on the histograms of TFDV's own
tests (tensorflow_data_validation/anomalies/metrics_test.cc,
TEST(JensenShannonDivergence, ...)), to 1e-6; and the L-infinity distance."""

import math

import numpy as np
import pytest

from {{ cookiecutter.module_name }}.data_validation.comparators import Histogram
from {{ cookiecutter.module_name }}.data_validation.comparators import js_divergence
from {{ cookiecutter.module_name }}.data_validation.comparators import linf_distance

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
