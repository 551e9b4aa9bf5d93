"""Skew and drift between two datasets, per feature, with TFDV's distances.

Categorical features: L-infinity distance, max_i |p_i - q_i| over the union of
values, each side normalised by its own count. Numeric features: Jensen-Shannon
divergence, log base 2, in [0, 1], on 10 equal-width bins spanning both samples
together (TFDV re-buckets each side's histogram onto the union of its edges; common
edges are the simpler approximation used here) plus one bin for missing values, so a
change in missingness adds divergence.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import jensenshannon

from {{ cookiecutter.module_name }}.data_validation.statistics import FeatureStatistics
from {{ cookiecutter.module_name }}.data_validation.statistics import FloatArray

BINS = 10


@dataclass(frozen=True)
class Comparison:
    feature: str
    distance_name: str
    distance: float
    threshold: float

    @property
    def fired(self) -> bool:
        return self.distance > self.threshold

    def __str__(self) -> str:
        verdict = "ANOMALY" if self.fired else "ok"
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


def js_divergence(
    left: FloatArray, right: FloatArray, left_missing: int = 0, right_missing: int = 0
) -> float:
    edges = _common_edges(left, right)
    left_mass = np.append(np.histogram(left, bins=edges)[0], left_missing)
    right_mass = np.append(np.histogram(right, bins=edges)[0], right_missing)
    if left_mass.sum() == 0 or right_mass.sum() == 0:
        return 0.0 if left_mass.sum() == right_mass.sum() else 1.0
    distance = float(jensenshannon(left_mass, right_mass, base=2))
    return min(1.0, distance**2)


def _common_edges(left: FloatArray, right: FloatArray) -> FloatArray:
    both = np.concatenate([left, right])
    if both.size == 0:
        return np.linspace(0.0, 1.0, BINS + 1)
    low, high = float(both.min()), float(both.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, BINS + 1)


def compare(
    left: FeatureStatistics, right: FeatureStatistics, threshold: float
) -> Comparison:
    if left.numeric:
        distance = js_divergence(
            left.numbers,
            right.numbers,
            left.rows - left.present,
            right.rows - right.present,
        )
        return Comparison(left.name, "Jensen-Shannon divergence", distance, threshold)
    distance = linf_distance(left.value_counts, right.value_counts)
    return Comparison(left.name, "L-infinity distance", distance, threshold)
