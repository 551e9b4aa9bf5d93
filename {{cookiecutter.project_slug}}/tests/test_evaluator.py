"""The Evaluator's wiring: the standard's metrics (research_guards.metrics, tested in
its own suite per task) over the slices and the sensitive feature the config names."""

from research_guards.datatypes import Dataset
from research_guards.datatypes import ModelArtifact

from {{ cookiecutter.module_name }}.evaluator import Evaluator


def test_metrics_overall_and_per_slice_of_the_configured_keys(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    assert set(Evaluator().evaluate(artifact, test).metrics) == {"overall"}
    evaluator = Evaluator(
        slices=(("site",), ("site", "shift")), sensitive_feature="shift"
    )
    metrics = evaluator.evaluate(artifact, test).metrics
    overall = metrics["overall"]
    assert overall["example_count"] == len(test)
    majority = test.labels.value_counts(normalize=True).max()
    assert overall["accuracy"] > majority
    sites = {key for key in metrics if key.startswith("site=") and "," not in key}
    assert sites == {"site=east", "site=north", "site=south"}
    assert sum(metrics[key]["example_count"] for key in sites) == len(test)
    assert "shift=day, site=north" in metrics
    assert 0 <= overall["demographic_parity_difference"] <= 1
