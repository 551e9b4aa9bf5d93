from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.evaluator import Evaluator


def test_metrics_on_held_out_rows(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    metrics = Evaluator().evaluate(artifact, split[1])
    assert set(metrics) == {
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "example_count",
    }
    assert metrics["example_count"] == len(split[1])
    majority = split[1].labels.value_counts(normalize=True).max()
    assert metrics["accuracy"] > majority
    assert 0 < metrics["f1_macro"] <= 1


def test_scores_drop_when_labels_are_wrong(
    artifact: ModelArtifact, split: tuple[Dataset, Dataset]
) -> None:
    test = split[1]
    shuffled = Dataset(test.features, test.labels.sample(frac=1.0, random_state=0))
    shuffled_labels = shuffled.labels.set_axis(test.labels.index)
    wrong = Dataset(test.features, shuffled_labels)
    assert Evaluator().evaluate(artifact, wrong)["accuracy"] < 0.7
