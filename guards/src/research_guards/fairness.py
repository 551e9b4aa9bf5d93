"""The What-If tool's thresholds for a binary classifier, per slice: a row is
predicted positive when its positive-class probability is at least its slice's
threshold, and each strategy picks the thresholds that cost least under its
constraint (cost = cost_ratio x false positives + false negatives, the tool's cost
ratio).

The tool searches the grid 0.00, 0.01, ..., 1.00 greedily, anchored on the first
slice, so its answer depends on the slices' order and can miss the cheapest. Here
each constrained strategy is solved exactly on that same grid: the slices' rates
must lie within `tolerance` of each other, so some slice's rate is the lowest; for
each achievable rate taken as that lowest, each slice independently takes its
cheapest threshold whose rate lies in [rate, rate + tolerance]; the cheapest total
over all such anchors is the optimum. fairlearn's ThresholdOptimizer meets the
constraints exactly by randomising between two thresholds, which would make the
same row's prediction differ between runs: a report must be reproducible, so the
thresholds here are deterministic. Ties go to the threshold nearest 0.5."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

GRID = np.round(np.linspace(0.0, 1.0, 101), 2)
STRATEGIES = {
    "custom": "the thresholds you set, per slice",
    "single": "one threshold for every slice, the cheapest over all rows",
    "group": "each slice its own cheapest threshold",
    "demographic_parity": "the cheapest thresholds whose slices predict positive "
    "at rates within the tolerance of each other",
    "equal_opportunity": "the cheapest thresholds whose slices' true positive rates "
    "(recall) are within the tolerance of each other",
    "equal_accuracy": "the cheapest thresholds whose slices' accuracies are within "
    "the tolerance of each other",
}
# Which rate each constrained strategy equalises.
CONSTRAINED = {
    "demographic_parity": "positive_rate",
    "equal_opportunity": "true_positive_rate",
    "equal_accuracy": "accuracy",
}
DEFAULT_TOLERANCE = 0.05
Counts = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SliceCounts:
    """A slice's confusion counts at every threshold of GRID."""

    name: str
    tp: Counts
    fp: Counts
    fn: Counts
    tn: Counts

    @classmethod
    def of(
        cls, name: str, actual: npt.NDArray[np.bool_], score: Floats
    ) -> "SliceCounts":
        predicted = score[None, :] >= GRID[:, None]  # one row per threshold
        positives, negatives = actual[None, :], ~actual[None, :]
        return cls(
            name,
            np.count_nonzero(predicted & positives, axis=1),
            np.count_nonzero(predicted & negatives, axis=1),
            np.count_nonzero(~predicted & positives, axis=1),
            np.count_nonzero(~predicted & negatives, axis=1),
        )

    @property
    def rows(self) -> int:
        return int(self.tp[0] + self.fp[0] + self.fn[0] + self.tn[0])

    def cost(self, ratio: float) -> Floats:
        return np.asarray(ratio * self.fp + self.fn, dtype=np.float64)

    def rate(self, name: str) -> Floats:
        """positive_rate, true_positive_rate, accuracy, false_positive_rate or
        precision at each threshold; NaN where undefined (no rows of that kind)."""
        fractions = {
            "positive_rate": (self.tp + self.fp, self.rows),
            "true_positive_rate": (self.tp, self.tp + self.fn),
            "accuracy": (self.tp + self.tn, self.rows),
            "false_positive_rate": (self.fp, self.fp + self.tn),
            "precision": (self.tp, self.tp + self.fp),
        }
        numerator, denominator = fractions[name]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(numerator / np.asarray(denominator), dtype=np.float64)


class NoFairThresholds(ValueError):
    """No thresholds on the grid meet the constraint within the tolerance."""


def grid_index(threshold: float) -> int:
    """The grid point nearest a threshold the user set."""
    return int(np.abs(GRID - threshold).argmin())


def choose(
    slices: list[SliceCounts],
    strategy: str,
    ratio: float,
    tolerance: float = DEFAULT_TOLERANCE,
    custom: list[float] | None = None,
) -> list[float]:
    """Each slice's threshold under `strategy` (one of STRATEGIES)."""
    if strategy == "custom":
        given = custom if custom is not None else [0.5] * len(slices)
        return [float(GRID[grid_index(value)]) for value in given]
    if strategy == "single":
        total = sum((counts.cost(ratio) for counts in slices), np.zeros(GRID.size))
        return [float(GRID[_cheapest(total)])] * len(slices)
    if strategy == "group":
        return [float(GRID[_cheapest(counts.cost(ratio))]) for counts in slices]
    return _constrained(slices, CONSTRAINED[strategy], ratio, tolerance)


def _cheapest(cost: Floats, allowed: npt.NDArray[np.bool_] | None = None) -> int:
    """The cheapest allowed grid point, nearest 0.5 on a tie."""
    order = np.lexsort((np.abs(GRID - 0.5), cost))
    if allowed is not None:
        order = order[allowed[order]]
    return int(order[0])


def _constrained(
    slices: list[SliceCounts], measure: str, ratio: float, tolerance: float
) -> list[float]:
    """The exact optimum on the grid (see the module's docstring). A slice whose
    rate is undefined everywhere (no positives, for recall) is left unconstrained."""
    rates = [counts.rate(measure) for counts in slices]
    costs = [counts.cost(ratio) for counts in slices]
    defined = [bool(np.isfinite(rate).any()) for rate in rates]
    anchors = np.unique(np.concatenate([r[np.isfinite(r)] for r in rates]))
    best: tuple[float, list[int]] | None = None
    for anchor in anchors:
        picks = _picks(rates, costs, defined, anchor, tolerance)
        if picks is None:
            continue
        total = float(sum(cost[pick] for cost, pick in zip(costs, picks)))
        if best is None or total < best[0]:
            best = (total, picks)
    if best is None:
        raise NoFairThresholds(
            f"no thresholds on the grid bring the slices' {measure.replace('_', ' ')} "
            f"within {tolerance:g} of each other: widen the tolerance"
        )
    return [float(GRID[pick]) for pick in best[1]]


def _picks(
    rates: list[Floats],
    costs: list[Floats],
    defined: list[bool],
    anchor: float,
    tolerance: float,
) -> list[int] | None:
    picks = []
    for rate, cost, constrained in zip(rates, costs, defined):
        if not constrained:
            picks.append(_cheapest(cost))
            continue
        allowed = (rate >= anchor - 1e-12) & (rate <= anchor + tolerance + 1e-12)
        if not allowed.any():
            return None
        picks.append(_cheapest(cost, allowed))
    return picks
