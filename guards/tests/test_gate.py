"""TFMA's threshold semantics on hand-made numbers."""

import json
import math

import pytest

from research_guards.config import MetricThreshold
from research_guards.datatypes import SlicedMetrics
from research_guards.datatypes import slice_name
from research_guards.gate import GateResult
from research_guards.gate import ModelGate

HIGHER, LOWER = "higher_is_better", "lower_is_better"


def gate(
    threshold: MetricThreshold, candidate: float, baseline: float | None = None
) -> GateResult:
    metrics: SlicedMetrics = {"overall": {threshold.metric: candidate}}
    base = None if baseline is None else {"overall": {threshold.metric: baseline}}
    return ModelGate((threshold,)).validate(metrics, base)


@pytest.mark.parametrize(
    ("lower", "upper", "observed", "ok"),
    [
        (0.8, None, 0.8, True),  # bounds are inclusive
        (0.8, None, 0.7999, False),
        (None, 0.5, 0.5, True),
        (None, 0.5, 0.5001, False),
        (0.2, 0.4, 0.3, True),
        (0.2, 0.4, math.nan, False),  # NaN fails every bound
        (None, None, math.nan, True),  # no value threshold: nothing to fail
    ],
)
def test_value_thresholds(
    lower: float | None, upper: float | None, observed: float, ok: bool
) -> None:
    """TFMA's metrics_validator.py, checked as its
    evaluators/metrics_validator_test.py does (testValidateMetricsValueThreshold
    UpperBoundFail/Pass, LowerBoundFail/Pass): inclusive bounds, NaN fails."""
    threshold = MetricThreshold(
        "accuracy", lower_bound=lower, upper_bound=upper, direction=HIGHER, absolute=-1
    )
    assert gate(threshold, observed).validation_ok is ok


@pytest.mark.parametrize(
    ("direction", "absolute", "candidate", "baseline", "ok"),
    [
        (HIGHER, -1e-10, 0.90, 0.90, True),  # TFMA's "not worse"
        (HIGHER, -1e-10, 0.89, 0.90, False),
        (HIGHER, 0.25, 0.75, 0.50, True),  # diff 0.25 >= 0.25
        (HIGHER, 0.25, 0.74, 0.50, False),
        (LOWER, 0.0, 0.30, 0.30, True),  # diff 0 <= 0
        (LOWER, 0.0, 0.31, 0.30, False),
        (LOWER, -0.1, 0.19, 0.30, True),  # must drop by at least 0.1
        (LOWER, -0.1, 0.21, 0.30, False),
        (HIGHER, 0.0, math.nan, 0.90, False),
    ],
)
def test_absolute_change(
    direction: str, absolute: float, candidate: float, baseline: float, ok: bool
) -> None:
    """evaluators/metrics_validator_test.py, testValidateMetricsChange
    ThresholdAbsoluteFail/Pass and ...EqualPass: diff = candidate - baseline against
    `absolute`, in the threshold's direction."""
    threshold = MetricThreshold("m", direction=direction, absolute=absolute)
    assert gate(threshold, candidate, baseline).validation_ok is ok


@pytest.mark.parametrize(
    ("direction", "relative", "candidate", "baseline", "ok"),
    [
        (HIGHER, 0.5, 0.75, 0.50, True),  # (0.75 - 0.5) / 0.5 = 0.5
        (HIGHER, 0.5, 0.74, 0.50, False),
        (HIGHER, -0.5, 0.25, 0.50, True),  # at most half as good
        (HIGHER, -0.5, 0.24, 0.50, False),
        (LOWER, 0.5, 0.375, 0.25, True),  # log loss at most 50% higher
        (LOWER, 0.5, 0.38, 0.25, False),
        (HIGHER, 0.1, 0.50, 0.0, False),  # a baseline of 0 fails
        (LOWER, 0.1, 0.0, 0.0, False),
    ],
)
def test_relative_change_is_diff_over_baseline(
    direction: str, relative: float, candidate: float, baseline: float, ok: bool
) -> None:
    """evaluators/metrics_validator.py computes (candidate - baseline) /
    baseline (testValidateMetricsChangeThresholdRelativeFail/Pass), and a baseline
    of 0 fails (testValidateMetricsDivByZero)."""
    threshold = MetricThreshold("m", direction=direction, relative=relative)
    assert gate(threshold, candidate, baseline).validation_ok is ok


def test_first_run_is_a_rubber_stamp_that_keeps_value_thresholds() -> None:
    change = MetricThreshold("accuracy", direction=HIGHER, absolute=0.5)
    stamped = gate(change, 0.1, baseline=None)
    assert stamped.validation_ok and stamped.rubber_stamp
    both = MetricThreshold("accuracy", lower_bound=0.9, direction=HIGHER, absolute=0.5)
    refused = gate(both, 0.1, baseline=None)
    assert refused.rubber_stamp and not refused.validation_ok
    assert [f.message for f in refused.failures] == [
        "accuracy 0.1000 is below lower_bound 0.9"
    ]


def test_a_metric_not_computed_fails() -> None:
    """evaluators/metrics_validator_test.py,
    testValidateMetricsInvalidThreshold: a threshold on a metric that was not
    computed fails ('Metric not found.')."""
    threshold = MetricThreshold("log_loss", upper_bound=1.0)
    result = ModelGate((threshold,)).validate({"overall": {"accuracy": 1.0}}, None)
    assert [f.message for f in result.failures] == [
        "log_loss not computed (it needs a classifier with predict_proba)"
    ]
    change = MetricThreshold("log_loss", direction=LOWER, absolute=0.0)
    baseline: SlicedMetrics = {"overall": {"accuracy": 1.0}}
    result = ModelGate((change,)).validate({"overall": {"log_loss": 0.1}}, baseline)
    assert [f.message for f in result.failures] == [
        "log_loss not computed for the production model"
    ]


def test_slice_thresholds_and_missing_slices() -> None:
    south = (("site", "south"),)
    thresholds = (
        MetricThreshold("accuracy", slice=south, lower_bound=0.9),
        MetricThreshold("accuracy", slice=(("site", "west"),), lower_bound=0),
    )
    metrics: SlicedMetrics = {
        "overall": {"accuracy": 0.95},
        "site=south": {"accuracy": 0.8},
    }
    result = ModelGate(thresholds).validate(metrics, None)
    assert [str(f) for f in result.failures] == [
        "site=south: accuracy 0.8000 is below lower_bound 0.9",
        "site=west: slice not found in the evaluation data",
    ]


def test_result_document_groups_failures_per_slice() -> None:
    threshold = MetricThreshold(
        "accuracy", lower_bound=0.9, direction=HIGHER, absolute=0
    )
    document = gate(threshold, 0.8, baseline=0.85).as_dict()
    assert document["validation_ok"] is False
    assert document["rubber_stamp"] is False
    failures = document["failures"]["overall"]
    assert [f["observed"] for f in failures] == [0.8, 0.8]
    assert [f["baseline"] for f in failures] == [None, 0.85]
    settings = {"lower_bound": 0.9, "direction": HIGHER, "absolute": 0}
    assert failures[1]["threshold"] == settings
    json.dumps(document, allow_nan=False)


def test_a_slice_is_named_the_same_whatever_the_key_order() -> None:
    assert slice_name({"sex": "female", "site": "south"}) == (
        slice_name({"site": "south", "sex": "female"})
    )
    assert slice_name({}) == "overall"


def test_an_empty_threshold_list_blesses_only_a_rubber_stamp() -> None:
    """TFMA refuses a candidate with no thresholds to pass unless it is rubber-stamped
    (writers/metrics_plots_and_validations_writer.py, CombineValidations.
    extract_output: validation_ok = rubber_stamp, missing_thresholds = not
    rubber_stamp; metrics_plots_and_validations_writer_test.py,
    testWriteValidationResultsNoThresholds)."""
    metrics: SlicedMetrics = {"overall": {"accuracy": 0.9}}
    assert ModelGate(()).validate(metrics, None).validation_ok
    refused = ModelGate(()).validate(metrics, {"overall": {"accuracy": 0.1}})
    (failure,) = refused.failures
    assert not refused.validation_ok and "no thresholds to pass" in failure.message
