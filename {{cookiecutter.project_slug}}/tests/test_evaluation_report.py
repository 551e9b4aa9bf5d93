import re

import pytest

from {{ cookiecutter.module_name }}.config import MetricThreshold
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.evaluation_report import evaluation_page
from {{ cookiecutter.module_name }}.evaluator import Evaluator
from {{ cookiecutter.module_name }}.gate import GateResult
from {{ cookiecutter.module_name }}.gate import ModelGate
from {{ cookiecutter.module_name }}.gate import Verdict

THRESHOLDS = (
    MetricThreshold("accuracy", lower_bound=0.9),
    MetricThreshold("accuracy", slice=(("island", "Dream"),), lower_bound=0.5),
)


def verdict_for(artifact: ModelArtifact, test: Dataset) -> Verdict:
    evaluation = Evaluator(slices=(("island",),)).evaluate(artifact, test)
    gate = ModelGate(THRESHOLDS).validate(evaluation.metrics, None)
    return Verdict(evaluation, None, gate)


def test_the_page_is_static_and_shows_every_threshold(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    page = evaluation_page(verdict_for(artifact, test), THRESHOLDS, artifact, test)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and not re.search(r"(src|href)=['\"]?http", page)
    assert page.count("<svg") >= 5  # confusion, slices, ROC, partial dependence
    assert "Blessed" in page and "rubber stamp" in page
    assert "island=Dream" in page and "lower_bound=0.9" in page
    assert "Every evaluation row is classified correctly" in page or "→" in page


def test_a_refusal_and_counterfactuals_are_shown(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    shuffled = test.labels.sample(frac=1.0, random_state=0).set_axis(test.labels.index)
    wrong = Dataset(test.features, shuffled)
    page = evaluation_page(verdict_for(artifact, wrong), THRESHOLDS, artifact, wrong)
    assert "Refused: production stays as it was" in page
    assert "is below lower_bound 0.9" in page
    assert "counterfactual row" in page and "→" in page


def test_an_unservable_candidate_has_no_page(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    with pytest.raises(ValueError, match="unservable"):
        evaluation_page(Verdict(None, None, GateResult(False)), (), artifact, split[1])
