"""Small seeded tables and projects for tests: what the standard's own suite and every
repository's tests build their cases on, so the helper lives once. A table whose
label depends on its features (so any model learns something), in three kinds
(multiclass, binary, regression); a project folder of it (table, serving rows,
inferred schema, config) under a folder the test gives; and whether a run holds
the production lock. Nothing here reads a repository's own files."""

import fcntl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from research_guards.data_validation import Schema
from research_guards.storage import LOCK_FILE

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
