"""Skew and drift between two datasets, per feature, with TFDV's distances.

Categorical features: L-infinity distance, max_i |p_i - q_i| over the union of
values, each side normalised by its own count. Numeric features: TFDV's
Jensen-Shannon divergence (anomalies/metrics.cc), log base 2, in [0, 1]: each side's
own 10-bucket histogram over its own [min, max], re-bucketed onto the union of both
sides' edges. Missing cells are a presence question (the schema's
min_fraction_present), not part of the divergence, as in TFDV's histograms.

A deliberate difference from TFDV: samples too small to judge do not fire. What two
samples of one distribution read at these sizes is measured (numeric: twice the mean
divergence of random splits of the pooled values) or bounded (categorical:
sqrt(1/n1 + 1/n2), two standard deviations of a share near one half); when that
reaches the threshold, the comparison says so instead of firing.
"""

import math
from dataclasses import dataclass

import numpy as np

from {{ cookiecutter.module_name }}.data_validation.statistics import FeatureStatistics
from {{ cookiecutter.module_name }}.data_validation.statistics import FloatArray
from {{ cookiecutter.module_name }}.data_validation.statistics import of_numbers

BINS = 10
PERMUTATIONS = 5
LARGE_SAMPLE = 5000


@dataclass(frozen=True)
class Comparison:
    feature: str
    distance_name: str
    distance: float
    threshold: float
    # TFDV's COMPARATOR_CONTROL_DATA_MISSING: the feature is not in the data compared
    # against, so nothing says it has not changed.
    control_missing: bool = False
    # What two samples of one distribution this size typically read; at or above
    # the threshold the samples are too small to judge, and nothing fires.
    noise: float = 0.0

    @property
    def too_small(self) -> bool:
        return self.noise >= self.threshold

    @property
    def fired(self) -> bool:
        too_far = self.distance > self.threshold and not self.too_small
        return self.control_missing or too_far

    def __str__(self) -> str:
        if self.control_missing:
            return (
                f"{self.feature}: COMPARATOR_CONTROL_DATA_MISSING: not in the data "
                "compared against ANOMALY"
            )
        verdict = "ANOMALY" if self.fired else "ok"
        if self.too_small:
            verdict = (
                f"too few rows to judge (same-distribution noise {self.noise:.2f})"
            )
        return (
            f"{self.feature}: {self.distance_name} {self.distance:.4f} "
            f"(threshold {self.threshold:g}) {verdict}"
        )


def linf_distance(left: dict[str, int], right: dict[str, int]) -> float:
    left_total, right_total = sum(left.values()), sum(right.values())
    if left_total == 0 or right_total == 0:
        return 0.0 if left_total == right_total else 1.0
    return max(
        abs(left.get(value, 0) / left_total - right.get(value, 0) / right_total)
        for value in left.keys() | right.keys()
    )


@dataclass(frozen=True)
class Histogram:
    """TFDV's numeric histogram: buckets of (low, high, count) over present values,
    where low == high is a point mass and an infinite bound holds infinities; NaN
    is counted apart."""

    buckets: tuple[tuple[float, float, float], ...]
    nan: float = 0.0

    @classmethod
    def of(cls, numbers: FloatArray, infinities: int = 0, nan: int = 0) -> "Histogram":
        return cls.of_feature(of_numbers(numbers), infinities, nan)

    @classmethod
    def of_feature(
        cls, feature: FeatureStatistics, infinities: int = 0, nan: int = 0
    ) -> "Histogram":
        """BINS equal-width buckets over the values' own [min, max], as TFDV's
        standard histogram; one point bucket when every value is the same."""
        buckets: list[tuple[float, float, float]] = []
        span = feature.finite_range
        if span is not None and span[0] == span[1]:
            buckets.append((span[0], span[1], float(feature.count)))
        elif span is not None:
            edges = np.linspace(span[0], span[1], BINS + 1)
            buckets += [
                (float(low), float(high), float(count))
                for low, high, count in zip(
                    edges[:-1], edges[1:], feature.histogram(edges)
                )
            ]
        if infinities:
            buckets.append((-math.inf, math.inf, float(infinities)))
        return cls(tuple(buckets), float(nan))


def js_divergence(left: Histogram, right: Histogram) -> float:
    """TFDV's JensenShannonDivergence (anomalies/metrics.cc): ranged buckets are
    re-bucketed onto the union of both sides' boundaries, mass spread evenly within
    a bucket; point masses, infinities and NaN are appended as buckets of their own
    (infinities and NaN on mismatching buckets, as TFDV does, so either always
    counts as a difference); both are normalised; log base 2; capped at 1."""
    left_masses, right_masses = _aligned(left, right)
    if left_masses.sum() == 0 or right_masses.sum() == 0:
        return 0.0 if left_masses.sum() == right_masses.sum() else 1.0
    p, q = left_masses / left_masses.sum(), right_masses / right_masses.sum()
    m = (p + q) / 2
    return min(1.0, (_kullback_leibler(p, m) + _kullback_leibler(q, m)) / 2)


def _kullback_leibler(p: FloatArray, q: FloatArray) -> float:
    both = (p > 0) & (q > 0)
    return float(np.sum(p[both] * np.log2(p[both] / q[both])))


def _aligned(left: Histogram, right: Histogram) -> tuple[FloatArray, FloatArray]:
    ranged = [_ranged(histogram) for histogram in (left, right)]
    edges = sorted({edge for buckets in ranged for b in buckets for edge in b[:2]})
    if {e for b in ranged[0] for e in b[:2]} == {e for b in ranged[1] for e in b[:2]}:
        masses = [[count for _, _, count in buckets] for buckets in ranged]
    else:
        masses = [_rebucketed(buckets, edges) for buckets in ranged]
    points = sorted({b[0] for h in (left, right) for b in h.buckets if _is_point(b)})
    for histogram, mass in zip((left, right), masses):
        mass += [_point_mass(histogram, point) for point in points]
    infinite = [_infinite_mass(left), _infinite_mass(right)]
    if infinite[0]:
        masses[0].append(infinite[0])
        masses[1].append(0.0)
    if infinite[1]:
        masses[0].append(0.0)
        masses[1].append(infinite[1])
    if left.nan or right.nan:
        masses[0] += [0.0, left.nan]
        masses[1] += [right.nan, 0.0]
    return np.asarray(masses[0], dtype=float), np.asarray(masses[1], dtype=float)


def _is_point(bucket: tuple[float, float, float]) -> bool:
    return math.isfinite(bucket[0]) and bucket[0] == bucket[1]


def _ranged(histogram: Histogram) -> list[tuple[float, float, float]]:
    return [
        b
        for b in histogram.buckets
        if math.isfinite(b[0]) and math.isfinite(b[1]) and b[0] != b[1]
    ]


def _point_mass(histogram: Histogram, point: float) -> float:
    return sum(b[2] for b in histogram.buckets if _is_point(b) and b[0] == point)


def _infinite_mass(histogram: Histogram) -> float:
    return sum(
        b[2]
        for b in histogram.buckets
        if not (math.isfinite(b[0]) and math.isfinite(b[1]))
    )


def _rebucketed(
    buckets: list[tuple[float, float, float]], edges: list[float]
) -> list[float]:
    """The mass of each [edges[i], edges[i+1]]: the share of the one bucket that
    covers it (edges hold every bucket's bounds, so none straddles two)."""
    masses = []
    for low, high in zip(edges[:-1], edges[1:]):
        covering = [b for b in buckets if b[0] <= low and high <= b[1]]
        masses.append(
            sum(
                count * (high - low) / (b_high - b_low)
                for b_low, b_high, count in covering
            )
        )
    return masses


def permutation_noise(left: FloatArray, right: FloatArray) -> float:
    """Twice the mean divergence between random splits of the pooled values into
    samples of these sizes: what one distribution reads against itself, whole
    numbers' coarse histograms included. Past LARGE_SAMPLE values a side it is
    negligible, and not computed."""
    if min(left.size, right.size) >= LARGE_SAMPLE:
        return 0.0
    if min(left.size, right.size) == 0:
        return math.inf
    pooled = np.concatenate([left, right])
    generator = np.random.default_rng(0)
    readings = []
    for _ in range(PERMUTATIONS):
        shuffled = generator.permutation(pooled)
        first, second = shuffled[: left.size], shuffled[left.size :]
        readings.append(js_divergence(Histogram.of(first), Histogram.of(second)))
    return 2 * float(np.mean(readings))


def compare(
    left: FeatureStatistics, right: FeatureStatistics, threshold: float
) -> Comparison:
    sizes = 1 / max(left.present, 1) + 1 / max(right.present, 1)
    if left.numeric:
        histograms = (
            Histogram.of_feature(left, left.infinities, left.nan),
            Histogram.of_feature(right, right.infinities, right.nan),
        )
        generator = np.random.default_rng(0)
        return Comparison(
            left.name,
            "Jensen-Shannon divergence",
            js_divergence(*histograms),
            threshold,
            noise=permutation_noise(left.values(generator), right.values(generator)),
        )
    distance = linf_distance(left.value_counts, right.value_counts)
    return Comparison(
        left.name, "L-infinity distance", distance, threshold, noise=math.sqrt(sizes)
    )
