"""The model gate, with TFMA's metrics_validator semantics (its code, not its docs).

A candidate is blessed only when every threshold passes. Relative change is
(candidate - baseline) / baseline, as TFMA's code computes it; its docs say
candidate / baseline, which would make a relative threshold of 0.1 mean "10% of the
baseline", not "10% better".
"""

import math
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from research_guards.config import MetricThreshold
from research_guards.datatypes import OVERALL
from research_guards.datatypes import Evaluation
from research_guards.datatypes import SlicedMetrics
from research_guards.datatypes import slice_name

PROBABILITY_METRICS = ("log_loss", "roc_auc_ovr", "auc_precision_recall", "brier_score")
BINARY_METRICS = ("precision", "recall", "auc_precision_recall", "brier_score")


@dataclass(frozen=True)
class Failure:
    """One threshold a candidate did not meet, worded for the reviewer."""

    slice: str
    metric: str
    threshold: dict[str, Any]
    observed: float | None
    baseline: float | None
    message: str

    def __str__(self) -> str:
        return f"{self.slice}: {self.message}"


@dataclass(frozen=True)
class GateResult:
    """TFMA's ValidationResult: blessed or not, and why not."""

    rubber_stamp: bool
    failures: list[Failure] = field(default_factory=list)

    @property
    def validation_ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        """validation.json: failures grouped per slice, as TFMA writes them."""
        per_slice: dict[str, list[dict[str, Any]]] = {}
        for failure in self.failures:
            entry = asdict(failure)
            per_slice.setdefault(entry.pop("slice"), []).append(entry)
        return {
            "validation_ok": self.validation_ok,
            "rubber_stamp": self.rubber_stamp,
            "failures": per_slice,
        }


@dataclass(frozen=True)
class Verdict:
    """The gate's decision on a candidate, and the evaluations it was decided on.
    `candidate` is None when the saved artifact could not even be served."""

    candidate: Evaluation | None
    baseline: Evaluation | None
    gate: GateResult
    # One line when not every evaluation row could fairly judge both models (one
    # trained on some of them), or when a model's training rows are unknown.
    rows_note: str = ""


class ModelGate:
    """Checks a candidate's sliced metrics against thresholds and a baseline's."""

    def __init__(self, thresholds: tuple[MetricThreshold, ...]) -> None:
        self.thresholds = thresholds

    def validate(
        self, candidate: SlicedMetrics, baseline: SlicedMetrics | None
    ) -> GateResult:
        """`baseline` is None before any model is in production: change thresholds
        are then skipped (a rubber stamp), value thresholds still apply."""
        failures = [
            failure
            for threshold in self.thresholds
            for failure in check_threshold(threshold, candidate, baseline)
        ]
        if not self.thresholds and baseline is not None:
            # TFMA blesses only a candidate that passed something: with no
            # thresholds, only the first model (the rubber stamp) gets through.
            failures.append(
                Failure(
                    OVERALL,
                    "thresholds",
                    {},
                    None,
                    None,
                    "no thresholds to pass ([[evaluation.thresholds]] is empty): "
                    "remove `thresholds = []` for the default, or add thresholds",
                )
            )
        return GateResult(rubber_stamp=baseline is None, failures=failures)


def check_threshold(
    threshold: MetricThreshold,
    candidate: SlicedMetrics,
    baseline: SlicedMetrics | None,
) -> list[Failure]:
    """One threshold's failures (none: met), for the gate and for the page and runs
    that report each threshold; change thresholds need a baseline to be judged."""
    where = slice_name(dict(threshold.slice))
    settings = {
        key: value
        for key, value in asdict(threshold).items()
        if value is not None and key not in ("metric", "slice")
    }

    def failure(message: str, observed: float | None, base: float | None) -> Failure:
        return Failure(where, threshold.metric, settings, observed, base, message)

    if where not in candidate:
        return [failure("slice not found in the evaluation data", None, None)]
    observed = candidate[where].get(threshold.metric)
    if observed is None:
        why = ""
        if threshold.metric in BINARY_METRICS:
            why = " (it needs a binary label)"
        if threshold.metric in PROBABILITY_METRICS:
            why = " (it needs a classifier with predict_proba)"
        return [failure(f"{threshold.metric} not computed{why}", None, None)]
    problems = [
        failure(m, observed, None) for m in _value_problems(threshold, observed)
    ]
    if threshold.has_change and baseline is not None:
        base = baseline.get(where, {}).get(threshold.metric)
        problems += [
            failure(m, observed, base)
            for m in _change_problems(threshold, observed, base)
        ]
    return problems


def _value_problems(threshold: MetricThreshold, observed: float) -> list[str]:
    name, lower, upper = threshold.metric, threshold.lower_bound, threshold.upper_bound
    if (lower is not None or upper is not None) and math.isnan(observed):
        return [f"{name} is NaN, which no bound admits"]
    if lower is not None and observed < lower:
        return [f"{name} {observed:.4f} is below lower_bound {lower}"]
    if upper is not None and observed > upper:
        return [f"{name} {observed:.4f} is above upper_bound {upper}"]
    return []


def _change_problems(
    threshold: MetricThreshold, observed: float, base: float | None
) -> list[str]:
    name, higher = threshold.metric, threshold.direction == "higher_is_better"
    if base is None:
        return [f"{name} not computed for the production model"]
    diff = observed - base
    problems = []
    if threshold.absolute is not None and not _passes(diff, threshold.absolute, higher):
        problems.append(
            f"{name} {observed:.4f} vs production {base:.4f}: change {diff:+.4f} "
            f"fails {threshold.direction} absolute {threshold.absolute}"
        )
    if threshold.relative is not None:
        ratio = diff / base if base != 0 else math.nan
        if not _passes(ratio, threshold.relative, higher):
            problems.append(
                f"{name} {observed:.4f} vs production {base:.4f}: relative change "
                f"{ratio:+.4f} fails {threshold.direction} relative "
                f"{threshold.relative}"
            )
    return problems


def _passes(change: float, limit: float, higher_is_better: bool) -> bool:
    """NaN never passes: both comparisons are false."""
    return change >= limit if higher_is_better else change <= limit
