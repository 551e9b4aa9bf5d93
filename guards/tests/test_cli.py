"""The data commands' summary line never calls an undecided check a pass."""

from research_guards.cli import undecided
from research_guards.cli import unjudged
from research_guards.data_validation import Comparison


def test_no_anomalies_names_a_drift_too_small_to_judge() -> None:
    """Above the threshold but within the noise is undecided, not a pass: the summary
    says which features, and a judged comparison adds nothing to it."""
    within = Comparison("width", "Jensen-Shannon divergence", 0.15, 0.1, noise=0.3)
    above = Comparison("length", "Jensen-Shannon divergence", 0.5, 0.1, noise=0.3)
    below = Comparison("count", "Jensen-Shannon divergence", 0.05, 0.1)
    assert within.too_small and above.fired and not below.fired
    assert undecided([within, above, below]) == ["width"]
    assert undecided([above, below]) == []
    checks = "drift comparison(s) above the threshold"
    assert unjudged(checks, ["width"], "compare") == (
        "; 1 drift comparison(s) above the threshold not judged on so few rows "
        "(width): compare more rows to decide"
    )
    assert unjudged(checks, [], "compare") == ""
