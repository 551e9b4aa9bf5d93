"""The fixtures of the project's tests: small seeded tables and project folders of
research_guards.testing, written under tmp_path, so the tests hold the code to
account whatever table, seed or model the project adopts. Only
tests/test_pipeline.py::test_project_config_end_to_end reads the project's config."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from research_guards.config import PipelineConfig
from research_guards.config import for_task
from research_guards.config import load_config
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema
from research_guards.datatypes import Dataset
from research_guards.datatypes import ModelArtifact
from research_guards.sources import CsvSource
from research_guards.testing import LABEL
from research_guards.testing import ROWS
from research_guards.testing import SERVING_ROWS
from research_guards.testing import lock_is_taken
from research_guards.testing import table
from research_guards.testing import write_project
{%- if cookiecutter.experiment_tracking == "mlflow" %}
from research_guards.tracking import RunRecorder
{%- endif %}

{% if cookiecutter.experiment_tracking == "mlflow" -%}
from {{ cookiecutter.module_name }} import pipeline
{% endif -%}
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.model import Model
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer

# The tests import these from here, beside the fixtures.
__all__ = [
    "LABEL",
    "ROWS",
    "SERVING_ROWS",
    "ProjectFactory",
    "lock_is_taken",
    "table",
    "write_project",
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


@pytest.fixture
def loader(config: PipelineConfig) -> DataLoader:
    return make_loader(config)


def settled(config: PipelineConfig) -> PipelineConfig:
    """The config with its task settled from the schema, as Pipeline.from_config
    settles it."""
    return for_task(config, config.model.task or Schema.load(config.data.schema).task)


def make_loader(config: PipelineConfig) -> DataLoader:
    config = settled(config)
    return DataLoader(
        label=config.data.label,
        numeric=config.features.numeric,
        categorical=config.features.categorical,
        test_fraction=config.split.test_fraction,
        task=config.task,
        key=config.split.key,
    )


@pytest.fixture
def split(loader: DataLoader, sample: pd.DataFrame) -> tuple[Dataset, Dataset]:
    return loader.split(loader.to_dataset(sample))


def train(config: PipelineConfig, train_rows: Dataset) -> ModelArtifact:
    """The config's model, fitted as the Pipeline fits it."""
    config = settled(config)
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    estimator = Model(config.model, config.task).build()
    return Trainer(config.seed, config.task).train(
        preprocess.build(), estimator, train_rows
    )


@pytest.fixture
def artifact(config: PipelineConfig, split: tuple[Dataset, Dataset]) -> ModelArtifact:
    return train(config, split[0])
{%- if cookiecutter.experiment_tracking == "mlflow" %}


def json_recorder(runs: Path, root: Path, experiment: str) -> RunRecorder:
    """The JSON records without MLflow's store."""
    return RunRecorder(runs, root)


@pytest.fixture(autouse=True)
def json_records_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLflow's store takes seconds to create, and each test makes its own project
    folder: runs record their JSON only, but in tests/test_pipeline.py's
    test_a_run_is_logged_to_mlflow_too, which puts MLflow's recorder back."""
    monkeypatch.setattr(pipeline, "MlflowRecorder", json_recorder)
{%- endif %}
