"""Skew and drift between two datasets, per feature, with TFDV's distances.

Categorical features: L-infinity distance, max_i |p_i - q_i| over the union of
values, each side normalised by its own count. Numeric features: TFDV's
Jensen-Shannon divergence (anomalies/metrics.cc), log base 2, in [0, 1]: each side's
own 10-bucket histogram over its own [min, max], re-bucketed onto the union of both
sides' edges. Missing cells are a presence question (the schema's
min_fraction_present), not part of the divergence, as in TFDV's histograms.

One deliberate difference from TFDV, which fires on any distance above the threshold:
a comparison fires only when its distance is also above the noise, what two samples
of one distribution of these sizes read. The noise is measured, not assumed: the
pooled values of both sides are split at random into samples of the two sides' sizes
PERMUTATIONS times (seeded), and the noise is the mean of those readings plus SPREAD
standard deviations, capped at 1, the distances' maximum. SPREAD is wide because the
readings' tail is heavy (each side's histogram spans its own min and max, so one
extreme value moves every bucket): on scikit-learn's tables a random half against
the other half never fired in 60 seeds (benchmarks/bench_drift_noise.py); a column
that is nearly all one value also counts the exact chance that a half is that value
alone (TFDV reads a point against a spread as 1). Only a distance above the
threshold needs the noise, so it is measured only then: a table without drift costs
nothing more. A distance within the noise says "too few rows to judge" instead of
firing; a side with no values is not judged (whether a column may be empty is the
schema's presence check).
"""

import math
from dataclasses import dataclass

import numpy as np

from research_guards.data_validation.statistics import FeatureStatistics
from research_guards.data_validation.statistics import FloatArray
from research_guards.data_validation.statistics import of_numbers

BINS = 10
PERMUTATIONS = 40
SPREAD = 7.0
SEED = 0
# A split this likely is noise, however far it reads (see _one_value_by_chance).
RARE = 0.001
# Why a comparison's noise is None (the run record keeps no NaN nor infinity).
NOT_NEEDED = "not measured: the distance is within the threshold"
NO_CONTROL = "not measured: the feature is not in the data compared against"
EMPTY_SIDE = "not measured: one side has no values"


@dataclass(frozen=True)
class Comparison:
    feature: str
    distance_name: str
    # None only with control_missing: no distance without the other side.
    distance: float | None
    threshold: float
    # TFDV's COMPARATOR_CONTROL_DATA_MISSING: the feature is not in the data compared
    # against, so nothing says it has not changed.
    control_missing: bool = False
    # What two samples of one distribution these sizes read (see the module's
    # docstring), in [0, 1]; None when not measured, and noise_note says why.
    noise: float | None = None
    noise_note: str = NOT_NEEDED

    @property
    def beyond_threshold(self) -> bool:
        return self.distance is not None and self.distance > self.threshold

    @property
    def empty_side(self) -> bool:
        return self.beyond_threshold and self.noise_note == EMPTY_SIDE

    @property
    def too_small(self) -> bool:
        """Above the threshold, but within what one distribution reads against
        itself at these sizes: more rows would tell."""
        return (
            self.beyond_threshold
            and self.noise is not None
            and self.distance is not None
            and self.distance <= self.noise
        )

    @property
    def fired(self) -> bool:
        judged = not (self.too_small or self.empty_side)
        return self.control_missing or (self.beyond_threshold and judged)

    def __str__(self) -> str:
        if self.control_missing or self.distance is None:
            return (
                f"{self.feature}: COMPARATOR_CONTROL_DATA_MISSING: not in the data "
                "compared against ANOMALY"
            )
        return (
            f"{self.feature}: {self.distance_name} {self.distance:.4f} "
            f"(threshold {self.threshold:g}) {self.verdict}"
        )

    @property
    def verdict(self) -> str:
        """The words `validate-data`, the run and the statistics page all print."""
        noise = "n/a" if self.noise is None else f"{self.noise:.4f}"
        if self.empty_side:
            return "not judged: one side has no values (a presence question)"
        if self.too_small:
            return f"too few rows to judge (within same-distribution noise {noise})"
        if self.fired:
            return f"ANOMALY (above same-distribution noise {noise})"
        return "ok"


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


def numeric_noise(left: FeatureStatistics, right: FeatureStatistics) -> float:
    """The noise of TFDV's divergence between samples of these sizes: the pooled
    values (an EXACT_VALUES sample of each side past that, which reads at least the
    noise of the whole: it is only ever larger for fewer rows), infinities and NaN
    included, split at random PERMUTATIONS times."""
    generator = np.random.default_rng(SEED)
    sides = [
        np.concatenate(
            [
                feature.values(generator),
                np.full(feature.infinities, math.inf),
                np.full(feature.nan, math.nan),
            ]
        )
        for feature in (left, right)
    ]
    pooled, size = np.concatenate(sides), sides[0].size
    if _one_value_by_chance(pooled, size) >= RARE:
        return 1.0
    readings = []
    for _ in range(PERMUTATIONS):
        shuffled = generator.permutation(pooled)
        first, second = shuffled[:size], shuffled[size:]
        readings.append(js_divergence(_histogram(first), _histogram(second)))
    return _high(readings)


def _one_value_by_chance(pooled: FloatArray, size: int) -> float:
    """The chance that a random split leaves one side a single value, exactly (a
    hypergeometric sum). TFDV's divergence between a point and a spread reads 1,
    the maximum, so a column that is nearly all one value (a flag, a count that is
    mostly 0) reads 1 between two halves now and then: more often than the
    readings' spread shows, as it is one jump, not a tail."""
    _, counts = np.unique(pooled, return_counts=True)
    total = pooled.size
    chance = 0.0
    for side in (size, total - size):
        for count in counts[counts >= side]:
            chance += math.exp(_log_choose(int(count), side) - _log_choose(total, side))
    return min(1.0, chance)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _histogram(values: FloatArray) -> Histogram:
    """Histogram.of without building a column's statistics: the same buckets, at a
    fraction of the cost (the noise builds 2 * PERMUTATIONS of them)."""
    nan = np.isnan(values)
    infinite = np.isinf(values)
    finite = values[~(nan | infinite)]
    buckets: list[tuple[float, float, float]] = []
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        if low == high:
            buckets.append((low, high, float(finite.size)))
        else:
            edges = np.linspace(low, high, BINS + 1)
            counts, _ = np.histogram(finite, bins=edges)
            buckets += [
                (float(a), float(b), float(c))
                for a, b, c in zip(edges[:-1], edges[1:], counts)
            ]
    if infinite.any():
        buckets.append((-math.inf, math.inf, float(np.count_nonzero(infinite))))
    return Histogram(tuple(buckets), float(np.count_nonzero(nan)))


def categorical_noise(left: dict[str, int], right: dict[str, int]) -> float:
    """The noise of the L-infinity distance between samples of these sizes: the
    pooled counts dealt at random into the two sides' sizes (a multivariate
    hypergeometric draw, the counts of a random split of the pooled rows)."""
    values = sorted(left.keys() | right.keys())
    pooled = np.array([left.get(v, 0) + right.get(v, 0) for v in values])
    size = sum(left.values())
    generator = np.random.default_rng(SEED)
    readings = []
    for _ in range(PERMUTATIONS):
        first = generator.multivariate_hypergeometric(pooled, size)
        second = pooled - first
        shares = first / max(size, 1) - second / max(int(second.sum()), 1)
        readings.append(float(np.abs(shares).max()))
    return _high(readings)


def _high(readings: list[float]) -> float:
    """Mean plus SPREAD standard deviations of the readings, within [0, 1]."""
    return min(1.0, float(np.mean(readings) + SPREAD * np.std(readings, ddof=1)))


def without_control(feature: str, threshold: float) -> Comparison:
    """TFDV's COMPARATOR_CONTROL_DATA_MISSING: no distance, and an anomaly."""
    return Comparison(feature, "", None, threshold, True, noise_note=NO_CONTROL)


def compare(
    left: FeatureStatistics, right: FeatureStatistics, threshold: float
) -> Comparison:
    if left.numeric:
        histograms = (
            Histogram.of_feature(left, left.infinities, left.nan),
            Histogram.of_feature(right, right.infinities, right.nan),
        )
        distance = js_divergence(*histograms)
        name = "Jensen-Shannon divergence"
        sizes = (
            left.count + left.infinities + left.nan,
            right.count + right.infinities + right.nan,
        )
    else:
        distance = linf_distance(left.value_counts, right.value_counts)
        name = "L-infinity distance"
        sizes = (sum(left.value_counts.values()), sum(right.value_counts.values()))
    if distance <= threshold:
        return Comparison(left.name, name, distance, threshold)
    if min(sizes) == 0:
        return Comparison(left.name, name, distance, threshold, noise_note=EMPTY_SIDE)
    noise = (
        numeric_noise(left, right)
        if left.numeric
        else categorical_noise(left.value_counts, right.value_counts)
    )
    return Comparison(left.name, name, distance, threshold, noise=noise, noise_note="")
