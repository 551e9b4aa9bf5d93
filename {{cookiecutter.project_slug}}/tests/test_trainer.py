import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer


def train_forest(
    config: PipelineConfig, train: Dataset, seed: int
) -> RandomForestClassifier:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    forest = RandomForestClassifier(n_estimators=20)
    Trainer(seed).train(preprocess, forest, train)
    return forest


def test_same_seed_same_model(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    first = train_forest(config, split[0], seed=7)
    second = train_forest(config, split[0], seed=7)
    assert first.random_state == 7
    for one, other in zip(first.estimators_, second.estimators_):
        assert np.array_equal(one.tree_.threshold, other.tree_.threshold)


def test_a_seed_set_in_config_is_kept(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    forest = RandomForestClassifier(n_estimators=5, random_state=3)
    Trainer(7).train(preprocess, forest, split[0])
    assert forest.random_state == 3


def test_artifact_carries_fitted_preprocessing(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    artifact = Trainer(1).train(preprocess, LogisticRegression(), split[0])
    assert artifact.transformer is preprocess
    assert artifact.feature_names == config.features.columns
    assert artifact.label == "species"
    assert len(artifact.predict(split[1].features)) == len(split[1])


def test_a_bad_parameter_value_is_one_line(
    config: PipelineConfig, split: tuple[Dataset, Dataset]
) -> None:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    forest = RandomForestClassifier(n_estimators=-1)
    with pytest.raises(ConfigError, match="cannot be fitted") as raised:
        Trainer(1).train(preprocess, forest, split[0])
    assert "\n" not in str(raised.value)
