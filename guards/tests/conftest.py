"""The fixtures of the library's tests: a multiclass project of research_guards.testing
under tmp_path, its rows, a split and a small forest of its own. No test reads a
repository's files."""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.ensemble import RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from research_guards.config import PipelineConfig
from research_guards.config import for_task
from research_guards.config import load_config
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema
from research_guards.datatypes import Dataset
from research_guards.datatypes import ModelArtifact
from research_guards.sources import CsvSource
from research_guards.testing import CATEGORICAL
from research_guards.testing import LABEL
from research_guards.testing import NUMERIC
from research_guards.testing import ROWS
from research_guards.testing import SERVING_ROWS
from research_guards.testing import config_text
from research_guards.testing import lock_is_taken
from research_guards.testing import table
from research_guards.testing import write_project
from research_guards.whatif import WhatIf

# The tests import these from here, as they import the fixtures' helpers.
__all__ = [
    "CATEGORICAL",
    "LABEL",
    "NUMERIC",
    "ROWS",
    "SERVING_ROWS",
    "ProjectFactory",
    "config_text",
    "lock_is_taken",
    "settled",
    "split_rows",
    "table",
    "train",
    "views_of",
]

ProjectFactory = Callable[[str], PipelineConfig]


@pytest.fixture
def project(tmp_path: Path) -> ProjectFactory:
    """Builds a project of the given kind in its own folder under tmp_path."""

    def build(kind: str) -> PipelineConfig:
        return load_config(write_project(tmp_path / kind, kind))

    return build


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    """The multiclass project's config file."""
    return write_project(tmp_path / "project", "multiclass")


@pytest.fixture
def config(config_path: Path) -> PipelineConfig:
    return load_config(config_path)


@pytest.fixture
def sample(config: PipelineConfig) -> pd.DataFrame:
    """The multiclass table, as the pipeline reads it."""
    return CsvSource(config.data.train).read()


@pytest.fixture
def validator(config: PipelineConfig) -> DataValidator:
    return DataValidator(Schema.load(config.data.schema), config.validation)


def settled(config: PipelineConfig) -> PipelineConfig:
    """The config with its task settled from the schema, as Pipeline.from_config
    settles it."""
    return for_task(config, config.model.task or Schema.load(config.data.schema).task)


@pytest.fixture
def split(config: PipelineConfig, sample: pd.DataFrame) -> tuple[Dataset, Dataset]:
    return split_rows(config, sample)


def split_rows(config: PipelineConfig, sample: pd.DataFrame) -> tuple[Dataset, Dataset]:
    """The first three quarters of the labelled rows to train on, the rest to
    evaluate: the tests' own split, which no repository's DataLoader changes."""
    config = settled(config)
    labelled = sample.dropna(subset=[config.data.label]).reset_index(drop=True)
    features = [*config.features.numeric, *config.features.categorical]
    rows = Dataset(labelled[features], labelled[config.data.label])
    training = np.arange(len(rows)) < len(rows) * 3 // 4
    return rows.take(training), rows.take(~training)


def train(config: PipelineConfig, train_rows: Dataset) -> ModelArtifact:
    """A small forest behind scaling and one-hot encoding, saved as a repository's
    Trainer saves its model: one fitted scikit-learn Pipeline."""
    config = settled(config)
    numeric, categorical = config.features.numeric, config.features.categorical
    columns = ColumnTransformer(
        [
            ("numeric", SimpleImputer(), list(numeric)),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(categorical)),
        ]
    )
    forest = (
        RandomForestClassifier(n_estimators=20, random_state=config.seed)
        if config.task == "classification"
        else RandomForestRegressor(n_estimators=20, random_state=config.seed)
    )
    model = make_pipeline(columns, forest).fit(train_rows.features, train_rows.labels)
    return ModelArtifact(
        model, (*numeric, *categorical), config.data.label, config.task
    )


def views_of(config: PipelineConfig) -> WhatIf:
    """The What-If views of a project's evaluation rows for two models: production
    (trained on half the training rows) and a candidate (on all of them, another
    seed), so the two answer differently."""
    train_rows, test = split_rows(config, CsvSource(config.data.train).read())
    half = train_rows.take(np.arange(len(train_rows)) < len(train_rows) // 2)
    production = replace(train(config, half), version="production-run")
    candidate = replace(
        train(replace(config, seed=config.seed + 1), train_rows),
        version="candidate-run",
    )
    validator = DataValidator(Schema.load(config.data.schema), config.validation)
    models = {"production": production, "candidate": candidate}
    return WhatIf(test.features, test.labels, models, validator)


@pytest.fixture
def artifact(config: PipelineConfig, split: tuple[Dataset, Dataset]) -> ModelArtifact:
    return train(config, split[0])
