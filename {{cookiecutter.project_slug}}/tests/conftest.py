"""Fixtures on the bundled sample data; every output goes to a temporary folder."""

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.config import OutputConfig
from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.data_validation import Schema
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.model import Model
from {{ cookiecutter.module_name }}.preprocess import Preprocess
from {{ cookiecutter.module_name }}.trainer import Trainer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONFIG_PATH = PROJECT_ROOT / "configs" / "pipeline.toml"


@pytest.fixture
def config_path() -> Path:
    return CONFIG_PATH


@pytest.fixture
def config(tmp_path: Path) -> PipelineConfig:
    """The project's own config, writing models and runs under a temporary folder."""
    shipped = load_config(CONFIG_PATH)
    return replace(
        shipped, output=OutputConfig(models=tmp_path / "models", runs=tmp_path / "runs")
    )


@pytest.fixture
def sample(config: PipelineConfig) -> pd.DataFrame:
    return CsvSource(config.data.train).read()


@pytest.fixture
def validator(config: PipelineConfig) -> DataValidator:
    return DataValidator(Schema.load(config.data.schema), config.validation)


@pytest.fixture
def loader(config: PipelineConfig) -> DataLoader:
    return DataLoader(
        label=config.data.label,
        numeric=config.features.numeric,
        categorical=config.features.categorical,
        test_fraction=config.split.test_fraction,
        seed=config.seed,
    )


@pytest.fixture
def split(loader: DataLoader, sample: pd.DataFrame) -> tuple[Dataset, Dataset]:
    return loader.split(loader.to_dataset(sample))


@pytest.fixture
def artifact(config: PipelineConfig, split: tuple[Dataset, Dataset]) -> ModelArtifact:
    preprocess = Preprocess(config.features.numeric, config.features.categorical)
    return Trainer(config.seed).train(preprocess, Model(config.model).build(), split[0])
