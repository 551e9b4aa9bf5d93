"""The What-If tool's threshold strategies, solved exactly on its grid: checked
against every pair of thresholds for two slices, independent of the slices' order,
and refused in one line when the tolerance cannot be met."""

import numpy as np
import numpy.typing as npt
import pytest

from research_guards.fairness import CONSTRAINED
from research_guards.fairness import GRID
from research_guards.fairness import NoFairThresholds
from research_guards.fairness import SliceCounts
from research_guards.fairness import choose


def scored(seed: int, rows: int, shift: float) -> SliceCounts:
    """A slice whose positives score higher than its negatives, by `shift`."""
    generator = np.random.default_rng(seed)
    actual = generator.random(rows) < 0.4
    score = np.clip(generator.normal(0.4 + shift * actual, 0.2), 0, 1)
    return SliceCounts.of(f"slice {seed}", actual, score)


def cost_of(slices: list[SliceCounts], thresholds: list[float], ratio: float) -> float:
    picks = [int(np.abs(GRID - t).argmin()) for t in thresholds]
    return float(sum(s.cost(ratio)[p] for s, p in zip(slices, picks)))


def brute_force(
    slices: list[SliceCounts], measure: str, ratio: float, tolerance: float
) -> float:
    """The cheapest of all 101 x 101 threshold pairs whose rates are within the
    tolerance."""
    first, second = (s.rate(measure) for s in slices)
    costs = slices[0].cost(ratio)[:, None] + slices[1].cost(ratio)[None, :]
    allowed: npt.NDArray[np.bool_] = (
        np.abs(first[:, None] - second[None, :]) <= tolerance + 1e-12
    )
    return float(costs[allowed].min())


@pytest.mark.parametrize("strategy", sorted(CONSTRAINED))
@pytest.mark.parametrize("ratio", [0.5, 1.0, 3.0])
def test_constrained_strategies_are_the_cheapest_pair_that_meets_the_constraint(
    strategy: str, ratio: float
) -> None:
    slices = [scored(1, 300, 0.35), scored(2, 120, 0.1)]
    thresholds = choose(slices, strategy, ratio, tolerance=0.05)
    measure = CONSTRAINED[strategy]
    rates = [
        s.rate(measure)[int(np.abs(GRID - t).argmin())]
        for s, t in zip(slices, thresholds)
    ]
    assert abs(rates[0] - rates[1]) <= 0.05 + 1e-12
    assert cost_of(slices, thresholds, ratio) == brute_force(
        slices, measure, ratio, 0.05
    )


def test_the_answer_does_not_depend_on_the_slices_order() -> None:
    """The What-If tool anchors on the first slice; the exact answer has no anchor."""
    slices = [scored(3, 200, 0.3), scored(4, 150, 0.15), scored(5, 90, 0.4)]
    forward = choose(slices, "demographic_parity", 1.0, 0.05)
    backward = choose(slices[::-1], "demographic_parity", 1.0, 0.05)
    assert forward == backward[::-1]


def test_single_is_one_threshold_and_group_each_slices_cheapest() -> None:
    slices = [scored(6, 200, 0.3), scored(7, 200, 0.05)]
    single = choose(slices, "single", 1.0)
    assert len(set(single)) == 1
    group = choose(slices, "group", 1.0)
    for counts, threshold in zip(slices, group):
        assert cost_of([counts], [threshold], 1.0) == counts.cost(1.0).min()
    assert cost_of(slices, group, 1.0) <= cost_of(slices, single, 1.0)


def test_a_higher_cost_of_false_positives_raises_the_threshold() -> None:
    slices = [scored(8, 400, 0.3)]
    assert choose(slices, "single", 5.0)[0] > choose(slices, "single", 0.2)[0]


def test_custom_thresholds_snap_to_the_grid() -> None:
    slices = [scored(9, 50, 0.3), scored(10, 50, 0.3)]
    assert choose(slices, "custom", 1.0, custom=[0.333, 0.9]) == [0.33, 0.9]


def test_an_unmeetable_tolerance_is_refused_in_one_line() -> None:
    """One slice's accuracy is 0.8 or 0.2 at every threshold, the other's 0.5 or 0:
    no pair comes within 0.01."""
    mostly = SliceCounts.of(
        "mostly positive", np.array([True, True, True, True, False]), np.full(5, 0.5)
    )
    half = SliceCounts.of("half", np.array([True, False]), np.array([0.3, 0.7]))
    with pytest.raises(NoFairThresholds, match="widen the tolerance") as refused:
        choose([mostly, half], "equal_accuracy", 1.0, tolerance=0.01)
    assert "\n" not in str(refused.value)


def test_a_slice_without_positives_is_left_free_under_equal_opportunity() -> None:
    """Its true positive rate is undefined; it takes its own cheapest threshold."""
    negatives = SliceCounts.of(
        "no positives", np.zeros(20, bool), np.linspace(0, 0.9, 20)
    )
    thresholds = choose([scored(11, 100, 0.3), negatives], "equal_opportunity", 1.0)
    assert cost_of([negatives], [thresholds[1]], 1.0) == 0
