"""Adopting a researcher's own table: one command turns a CSV file and a label column
into the config, data and schema that every make target then works on, so the
bundled sample is an example, never the only table the project knows."""

import math
import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import pandas as pd
import tomlkit
from tomlkit.items import Table

from research_guards.config import LOWER_IS_BETTER
from research_guards.config import MetricThreshold
from research_guards.config import ModelConfig
from research_guards.config import load_config
from research_guards.data_validation import Schema
from research_guards.datatypes import Task
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.estimators import EXAMPLES
from research_guards.estimators import build
from research_guards.estimators import parameter_names
from research_guards.sources import CsvSource
from research_guards.storage import PRODUCTION
from research_guards.storage import copy_file
from research_guards.storage import production_lock
from research_guards.storage import write_text

# A numeric label with at most this many distinct integers is a class label.
MAX_CLASSES = 20
# A text column with more distinct values than this is free text or an identifier.
MAX_CATEGORIES = 50
# Fewer rows than this may all differ by chance; more, and a column unique in every
# row says which row it is (an identifier), whatever its type.
MIN_IDENTIFIER_ROWS = 20
# Slices are made from columns with 2 to this many values, at most two.
MAX_SLICE_VALUES = 10
MAX_SLICES = 2
SERVING_ROWS = 10
GATE_COMMENT = (
    "Written by adopt for this table; edit freely. Metrics are computed overall and",
    "per slice (one slice per value of each feature key). A candidate is promoted",
    "to models/production only when every threshold passes. Value thresholds:",
    "lower_bound <= metric <= upper_bound. Change thresholds compare with the",
    'production model on the same rows: direction = "higher_is_better" or',
    '"lower_is_better", absolute (candidate - production) and/or relative',
    '((candidate - production) / production). slice = { column = "value" } holds',
    "one slice to a threshold. The task's metrics are listed in the README.",
)


@dataclass
class Adoption:
    """What adopt decided, for the researcher to read before the first run."""

    task: Task
    rows: int
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)
    slices: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    # Classes with a single row: no stratified split can put one in both halves.
    single_rows: list[str] = field(default_factory=list)
    # The release that served the previous table, no longer linked as production.
    retired: Path | None = None
    # Rows with no label: the file keeps them, every run leaves them out.
    unlabelled: int = 0
    # What became of [tuning]: its metric or parameters changed with the task.
    tuning: list[str] = field(default_factory=list)
    # The gate written to [evaluation], one phrase a threshold.
    gate: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        numeric = ", ".join(self.numeric) or "none"
        categorical = ", ".join(self.categorical) or "none"
        return [
            f"task: {self.task}, {self.rows} labelled rows",
            *(
                [
                    f"left out {self.unlabelled} rows without a label: runs neither "
                    "train nor evaluate on them"
                ]
                if self.unlabelled
                else []
            ),
            f"numeric features: {numeric}",
            f"categorical features: {categorical}",
            *(f"left out {name}: {why}" for name, why in self.left_out.items()),
            f"slices: {', '.join(self.slices) or 'none (no low-cardinality column)'}",
            *(f"wrote {path}" for path in self.written),
            f"gate: {'; '.join(self.gate)}",
            *self._rare_classes(),
            *self.tuning,
            *(
                [
                    f"retired models/production (it stays in {self.retired}): the next "
                    "run starts a new line of models"
                ]
                if self.retired
                else []
            ),
            "review the schema and configs/pipeline.toml, then run `make pipeline`",
        ]

    def _rare_classes(self) -> list[str]:
        if not self.single_rows:
            return []
        shown = ", ".join(repr(name) for name in self.single_rows[:5])
        more = len(self.single_rows) - 5
        extra = f" and {more} more" if more > 0 else ""
        return [
            f"warning: classes with one row ({shown}{extra}) cannot be split for "
            "evaluation: drop or merge them in the data before `make pipeline`"
        ]


def adopt(
    config_path: Path, source: Path, label: str, task: Task | None = None
) -> Adoption:
    """Check the table, then write data, serving sample, schema and config. Nothing is
    written until every check has passed."""
    frame = CsvSource(source).read()
    if label not in frame.columns:
        columns = ", ".join(map(str, frame.columns[:10]))
        raise DataError(f"{source}: no column {label!r}; columns: {columns}")
    labels = frame[label].dropna()
    if labels.nunique() < 2:
        raise DataError(
            f"{source}: label {label!r} has {labels.nunique()} distinct value(s): "
            "a model needs at least two"
        )
    chosen = task or infer_task(labels)
    if chosen == "regression" and not pd.api.types.is_numeric_dtype(labels):
        raise DataError(
            f"{source}: label {label!r} is not numeric: use --task classification"
        )
    adoption = Adoption(chosen, len(labels), unlabelled=len(frame) - len(labels))
    if chosen == "classification":
        counts = labels.value_counts()
        adoption.single_rows = [str(value) for value in counts[counts < 2].index]
    _choose_features(frame.drop(columns=[label]), adoption)
    if not adoption.numeric and not adoption.categorical:
        raise DataError(f"{source}: no usable feature column besides {label!r}")
    config = load_config(config_path)
    # The lock every promotion takes: a run that started on the old table finishes
    # its promotion before this begins, or finds the project changed after it.
    with production_lock(config.output.models):
        _write(config_path, config.data.schema, source, frame, label, adoption)
        adoption.retired = _retire_production(config.output.models)
    return adoption


def _retire_production(models_dir: Path) -> Path | None:
    """A model of another table cannot be the one to beat: the next run starts a new
    line of models (a rubber stamp). Only the link goes; its release folder stays."""
    link = models_dir / PRODUCTION
    if not link.is_symlink():
        return None
    release = link.resolve()
    link.unlink()
    return release


def infer_task(labels: "pd.Series[Any]") -> Task:
    """Text, or a few whole numbers, are classes; any other number is regressed."""
    if not pd.api.types.is_numeric_dtype(labels):
        return "classification"
    integral = bool((labels == labels.round()).all())
    return (
        "classification"
        if integral and labels.nunique() <= MAX_CLASSES
        else "regression"
    )


def _choose_features(features: pd.DataFrame, adoption: Adoption) -> None:
    for name, column in features.items():
        present = column.dropna()
        why = _unusable(column, present)
        if why:
            adoption.left_out[str(name)] = why
        elif pd.api.types.is_numeric_dtype(column):
            adoption.numeric.append(str(name))
        else:
            adoption.categorical.append(str(name))
    adoption.slices = _slice_keys(features[adoption.numeric + adoption.categorical])


def _slice_keys(features: pd.DataFrame) -> list[str]:
    """Columns with a few values make slices (TFMA's feature keys): categories, and
    whole numbers that are codes (sex = 1 or 2), fewest values first."""
    candidates = {
        str(name): column.nunique()
        for name, column in features.items()
        if 2 <= column.nunique() <= MAX_SLICE_VALUES
        and (
            not pd.api.types.is_numeric_dtype(column)
            or bool((column.dropna() == column.dropna().round()).all())
        )
    }
    return sorted(candidates, key=lambda name: candidates[name])[:MAX_SLICES]


def _unusable(column: "pd.Series[Any]", present: "pd.Series[Any]") -> str | None:
    """Identifiers and free text say which row it is, not what it is."""
    if present.empty:
        return "no values"
    distinct = present.nunique()
    unique_per_row = distinct == len(column) and len(column) > MIN_IDENTIFIER_ROWS
    if pd.api.types.is_numeric_dtype(column):
        integral = bool((present == present.round()).all())
        if integral and unique_per_row:
            return "a different whole number in every row (an identifier)"
        return None
    if unique_per_row:
        return "a different text value in every row (an identifier)"
    if distinct > MAX_CATEGORIES:
        return f"{distinct} distinct text values (free text)"
    return None


def _write(
    config_path: Path,
    schema_path: Path,
    source: Path,
    frame: pd.DataFrame,
    label: str,
    adoption: Adoption,
) -> None:
    data_dir = config_path.parent.parent / "data"
    target = data_dir / source.name
    if source.resolve() != target.resolve():
        copy_file(source, target)
    serving = data_dir / f"{source.stem}_serving.csv"
    sample = frame.dropna(subset=[label]).sample(
        min(SERVING_ROWS, len(frame)), random_state=0
    )
    write_text(serving, sample.drop(columns=[label]).to_csv(index=False))
    Schema.infer_from(frame, label).write(schema_path)
    _rewrite_config(config_path, target, serving, label, adoption, frame)
    adoption.written = [target, serving, schema_path, config_path]


def _rewrite_config(
    config_path: Path,
    train: Path,
    serving: Path,
    label: str,
    adoption: Adoption,
    frame: pd.DataFrame,
) -> None:
    """Only the tables that describe the table change; the seed, the split, the
    outputs and their comments stay as the researcher left them."""
    try:
        document = tomlkit.parse(config_path.read_text(encoding="utf-8"))
    except Exception as error:  # tomlkit raises its own and ValueError subclasses
        raise ConfigError(
            f"{config_path}: not a readable TOML file ({error})"
        ) from None
    relative = Path("..") / train.relative_to(config_path.parent.parent)
    data = _table(document, "data")
    data["train"] = relative.as_posix()
    data["label"] = label
    data["serving"] = (
        Path("..") / serving.relative_to(config_path.parent.parent)
    ).as_posix()
    features = _table(document, "features")
    features["numeric"] = adoption.numeric
    features["categorical"] = adoption.categorical
    _rewrite_model(_table(document, "model"), adoption.task)
    if "tuning" in document:
        _rewrite_tuning(document, adoption)
    validation = _table(document, "validation")
    validation["min_examples"] = min(100, max(1, adoption.rows // 2))
    validation.pop("features", None)  # relaxations named the old table's columns
    document["evaluation"] = _evaluation(adoption, frame[label])
    write_text(config_path, _relaxation_example(tomlkit.dumps(document), adoption))


def _relaxation_example(text: str, adoption: Adoption) -> str:
    """The commented example of a reviewer's relaxation names one of the adopted
    table's own features, not the previous table's (the sample's island)."""
    if adoption.categorical:
        lines = [f"[validation.features.{adoption.categorical[0]}]"]
        lines += [
            'extra_domain = ["a value the schema lacks"]',
            "min_domain_mass = 0.95",
        ]
    elif adoption.numeric:
        lines = [f"[validation.features.{adoption.numeric[0]}]", "min = 0.0"]
    else:
        return text
    example = "".join(f"# {line}\n" for line in lines)
    return EXAMPLE.sub(lambda _: example, text, count=1)


def _table(document: Any, name: str) -> Any:
    if name not in document:
        document[name] = tomlkit.table()
    return document[name]


def _rewrite_model(model: Any, task: Task) -> None:
    """The researcher's estimator stays if it is one of the task's; else a forest."""
    model["task"] = task
    if not _fits(model, task):
        model["estimator"] = EXAMPLES[task]
        params = tomlkit.table()
        params["n_estimators"] = 200
        model["params"] = params


def _rewrite_tuning(document: Any, adoption: Adoption) -> None:
    """The search optimises what the gate compares with production (a search for
    log loss found candidates the gate then refused on accuracy); parameters the
    (new) estimator does not take would stop every run: keep what still applies,
    say what changed."""
    tuning, task = document["tuning"], adoption.task
    judged = NOT_WORSE_METRICS[task][-1]
    if tuning.get("metric") != judged:
        tuning["metric"] = judged
        tuning.pop("direction", None)  # the metric's natural one
        adoption.tuning.append(
            f"[tuning] metric = {judged!r}: the search optimises what the gate "
            "compares with production"
        )
    model = document["model"]
    accepted = parameter_names(str(model["estimator"]), task)
    space = tuning.get("space", {})
    for name in [name for name in space if accepted and name not in accepted]:
        space.pop(name)
        adoption.tuning.append(f"[tuning.space] dropped {name}: not a parameter")
    if not space:
        document.pop("tuning")
        adoption.tuning.append("[tuning] removed: no parameter left to search")


# A commented [validation.features.<name>] example and its commented keys.
EXAMPLE = re.compile(
    r"^# \[validation\.features\.[^\]\n]+\]\n(?:# [a-z_]+ = .*\n)+", re.M
)
# What adopt's gate holds not worse than production; the search optimises the last.
NOT_WORSE_METRICS: dict[Task, tuple[str, ...]] = {
    "classification": ("accuracy", "balanced_accuracy"),
    "regression": ("root_mean_squared_error",),
}


def _fits(model: Any, task: Task) -> bool:
    params = dict(model.get("params", {}))
    configured = ModelConfig(str(model.get("estimator", "")), params, task)
    try:
        build(configured, task)
    except ConfigError:
        return False
    return True


def _evaluation(adoption: Adoption, labels: "pd.Series[Any]") -> Table:
    evaluation = tomlkit.table()
    for line in GATE_COMMENT:
        evaluation.add(tomlkit.comment(line))
    slices = tomlkit.aot()
    for name in adoption.slices:
        slices.append(tomlkit.table().add("feature_keys", [name]))
    if adoption.slices:
        evaluation["slices"] = slices
    thresholds = tomlkit.aot()
    for threshold in _thresholds(adoption.task, labels):
        condition = MetricThreshold(**threshold).condition()
        adoption.gate.append(f"{threshold['metric']} {condition}")
        item = tomlkit.table()
        for key, value in threshold.items():
            item[key] = value
        thresholds.append(item)
    evaluation["thresholds"] = thresholds
    return evaluation


def _thresholds(task: Task, labels: "pd.Series[Any]") -> list[dict[str, Any]]:
    """A floor that a useless model fails, and "not worse than production"; for
    classes, balanced accuracy too (the mean of the classes' recalls), so a model
    that stops predicting a rare class is refused even when accuracy holds."""
    not_worse = [_not_worse(metric) for metric in NOT_WORSE_METRICS[task]]
    if task == "regression":
        return [{"metric": "r2", "lower_bound": 0.0}, *not_worse]  # the mean scores 0
    counts = labels.value_counts()
    # Balanced accuracy of a constant guess, over the classes a run can split (a class
    # with one row is refused, so it must not lower the bar).
    chance = 1 / max(2, int((counts >= 2).sum()))
    floor = math.floor((chance + 0.05) * 100) / 100
    return [{"metric": "balanced_accuracy", "lower_bound": floor}, *not_worse]


def _not_worse(metric: str) -> dict[str, Any]:
    """TFMA's "not worse than production": a change of at most 1e-10 the wrong way."""
    if metric in LOWER_IS_BETTER:
        return {"metric": metric, "direction": "lower_is_better", "absolute": 1e-10}
    return {"metric": metric, "direction": "higher_is_better", "absolute": -1e-10}
