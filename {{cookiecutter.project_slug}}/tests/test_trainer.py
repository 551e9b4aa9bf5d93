import numpy as np
import pytest
from conftest import LABEL
from research_guards.config import PipelineConfig
from research_guards.datatypes import Dataset
from research_guards.datatypes import Estimator
from research_guards.datatypes import ModelArtifact
from research_guards.errors import DataError
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer


def fit(
    config: PipelineConfig, estimator: Estimator, train_rows: Dataset, seed: int = 1
) -> ModelArtifact:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    return Trainer(seed).train(preprocess.build(), estimator, train_rows)


def test_same_seed_same_model(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    first = fit(config, RandomForestClassifier(n_estimators=5), split[0], seed=7)
    second = fit(config, RandomForestClassifier(n_estimators=5), split[0], seed=7)
    other = fit(config, RandomForestClassifier(n_estimators=5), split[0], seed=8)
    forest = first.model[-1]
    assert forest.random_state == 7
    for one, again in zip(forest.estimators_, second.model[-1].estimators_):
        assert np.array_equal(one.tree_.threshold, again.tree_.threshold)
    thresholds = [tree.tree_.threshold for tree in other.model[-1].estimators_]
    assert not all(
        np.array_equal(one.tree_.threshold, theirs)
        for one, theirs in zip(forest.estimators_, thresholds)
    )


def test_the_artifact_is_one_fitted_pipeline(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    estimator = LogisticRegression()
    artifact = fit(config, estimator, split[0])
    assert [name for name, _ in artifact.model.steps] == ["preprocess", "estimator"]
    assert artifact.model[-1] is estimator and hasattr(estimator, "coef_")
    assert artifact.feature_names == config.features.columns
    assert (artifact.label, artifact.task, artifact.version) == (
        LABEL,
        "classification",
        "",
    )
    assert artifact.classes == ["a", "b", "c"]
    predicted = artifact.predict(split[1].features)
    assert len(predicted) == len(split[1]) and predicted.name == f"predicted_{LABEL}"
    assert artifact.encode(split[1].features).shape[0] == len(split[1])


def test_columns_that_are_not_features_are_dropped(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    train_rows = split[0]
    noisy = Dataset(train_rows.features.assign(extra="x"), train_rows.labels)
    artifact = fit(config, LogisticRegression(), noisy)
    assert "extra" not in artifact.feature_names
    rows = split[1].features.drop(columns=["count"]).assign(count=0)
    assert len(artifact.predict(rows)) == len(rows)  # column order does not matter


def test_infinite_features_are_refused_in_the_models_columns_only(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    """The refusals look at the columns the model takes, not every column the rows
    carry: another model's feature may hold what this one never reads."""
    rows = split[0]
    extra = rows.features.assign(other=np.inf)
    fit(config, LogisticRegression(), Dataset(extra, rows.labels))
    infinite = rows.features.assign(width=np.inf)
    with pytest.raises(DataError, match="'width': .* infinite value"):
        fit(config, LogisticRegression(), Dataset(infinite, rows.labels))


def test_the_artifact_records_which_rows_trained_it(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    """So the gate can leave them out when it judges this model later, under any
    split; the seed plays no part in it."""
    train_rows, test = split
    assert train_rows.rows is not None and test.rows is not None
    artifact = fit(config, LogisticRegression(), train_rows)
    recorded = artifact.training_rows
    assert recorded is not None and recorded.columns == train_rows.rows.columns
    assert recorded.hashes.tolist() == sorted(set(train_rows.rows.hashes.tolist()))
    assert test.rows.among(recorded).sum() == 0
    assert train_rows.rows.among(recorded).all()
    unnamed = Dataset(train_rows.features, train_rows.labels)  # no split named them
    assert fit(config, LogisticRegression(), unnamed).training_rows is None
