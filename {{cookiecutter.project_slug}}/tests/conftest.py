"""Small seeded tables and configs of the tests' own, written under tmp_path: the
tests hold the code to account whatever table, seed or model the project adopts.
Only tests/test_pipeline.py::test_project_config_end_to_end reads the project's
config."""

import fcntl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
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
from research_guards.storage import LOCK_FILE
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

ROWS = 180
SERVING_ROWS = 10
LABEL = "label"
NUMERIC = ("length", "width", "count")
CATEGORICAL = ("site", "shift")
SITES = ("east", "north", "south")
CLASSES = ("a", "b", "c")
SITE_EFFECT = {"north": 0.6, "south": 0.0, "east": -0.6}


def table(
    kind: str, rows: int = ROWS, seed: int = 0, missing_sites: bool = False
) -> pd.DataFrame:
    """Three numeric columns (one whole-numbered), two categorical ones, about 5%
    missing values in `length` (and in `site` if asked), and a label that depends on
    the features (so every model learns something): classes a/b/c, large/small, or a
    float."""
    generator = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "length": generator.normal(40.0, 5.0, rows).round(2),
            "width": generator.gamma(9.0, 2.0, rows).round(2),
            "count": generator.poisson(4, rows),
            "site": generator.choice(SITES, rows),
            "shift": generator.choice(["day", "night"], rows),
        }
    )
    size = (
        (frame["length"] - 40.0) / 5.0
        + (frame["width"] - 18.0) / 6.0
        + frame["site"].map(SITE_EFFECT)
        + generator.normal(0.0, 0.4, rows)
    )
    frame[LABEL] = _label(kind, size)
    frame.loc[generator.random(rows) < 0.05, "length"] = np.nan
    if missing_sites:
        frame.loc[generator.random(rows) < 0.05, "site"] = None
    return frame


def _label(kind: str, size: "pd.Series[float]") -> "pd.Series[Any]":
    if kind == "regression":
        return (100.0 + 20.0 * size).round(3)
    if kind == "binary":
        return pd.Series(np.where(size > 0, "large", "small"), index=size.index)
    bands = pd.cut(size, [-np.inf, -0.6, 0.6, np.inf], labels=list(CLASSES))
    return bands.astype(str)


@dataclass(frozen=True)
class Kind:
    """What a test project of one kind of label trains and gates with."""

    estimator: str
    params: str
    evaluation: str


EVALUATION = {
    "multiclass": """\
sensitive_feature = "shift"

[[evaluation.slices]]
feature_keys = ["site"]

[[evaluation.thresholds]]
metric = "accuracy"
lower_bound = 0.6

[[evaluation.thresholds]]
metric = "accuracy"
direction = "higher_is_better"
absolute = -1e-10

[[evaluation.thresholds]]
metric = "log_loss"
direction = "lower_is_better"
relative = 0.1

[[evaluation.thresholds]]
metric = "accuracy"
slice = { site = "north" }
lower_bound = 0.3
""",
    "binary": """\
cost_ratio = 2.0

[[evaluation.slices]]
feature_keys = ["site"]

[[evaluation.thresholds]]
metric = "auc_precision_recall"
lower_bound = 0.6
""",
    "regression": """\
counterfactual_delta = 20.0

[[evaluation.slices]]
feature_keys = ["site"]

[[evaluation.thresholds]]
metric = "r2"
lower_bound = 0.3

[[evaluation.thresholds]]
metric = "root_mean_squared_error"
direction = "lower_is_better"
absolute = 1e-10
""",
}
KINDS = {
    "multiclass": Kind(
        "sklearn.linear_model.LogisticRegression",
        "C = 10.0",
        EVALUATION["multiclass"],
    ),
    "binary": Kind(
        "sklearn.linear_model.LogisticRegression", "C = 1.0", EVALUATION["binary"]
    ),
    "regression": Kind(
        "sklearn.ensemble.RandomForestRegressor",
        "n_estimators = 10",
        EVALUATION["regression"],
    ),
}


def config_text(kind: str) -> str:
    """A complete config; no [model] task, so the schema's label type settles it."""
    settings = KINDS[kind]
    return f"""\
seed = 3

[data]
train = "../data/table.csv"
schema = "../schema/schema.json"
label = "{LABEL}"
serving = "../data/serving.csv"

[split]
test_fraction = 0.25

[features]
numeric = {list(NUMERIC)!r}
categorical = {list(CATEGORICAL)!r}

[model]
estimator = "{settings.estimator}"

[model.params]
{settings.params}

[output]
models = "../models"
runs = "../runs"
reports = "../reports"

[validation]
min_examples = 50
skew_threshold = 0.25
drift_threshold = 0.1

[evaluation]
{settings.evaluation}""".replace("'", '"')


def write_project(root: Path, kind: str, frame: pd.DataFrame | None = None) -> Path:
    """A project folder: the table, serving rows without the label, the schema
    inferred from the table, and the config. Returns the config's path."""
    rows = table(kind) if frame is None else frame
    (root / "data").mkdir(parents=True)
    rows.to_csv(root / "data" / "table.csv", index=False)
    serving = table(kind, SERVING_ROWS, seed=1).drop(columns=[LABEL])
    serving.to_csv(root / "data" / "serving.csv", index=False)
    Schema.infer_from(rows, LABEL).write(root / "schema" / "schema.json")
    path = root / "configs" / "pipeline.toml"
    path.parent.mkdir()
    path.write_text(config_text(kind), encoding="utf-8")
    return path


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


def lock_is_taken(models: Path) -> bool:
    """Another open of models/.lock cannot take it: flock locks belong to the open
    file, so this holds within one process as across two."""
    with (models / LOCK_FILE).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
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
