"""Typed settings read once from TOML, so no component parses files or guesses."""

import math
import os
import tomllib
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path
from typing import Any
from typing import Literal
from typing import cast

from research_guards.datatypes import TASKS
from research_guards.datatypes import Task
from research_guards.datatypes import spelled
from research_guards.errors import ConfigError

DEFAULT_CONFIG = Path("configs/pipeline.toml")


@dataclass(frozen=True)
class DataConfig:
    train: Path
    schema: Path
    label: str
    # Rows without labels that `predict`, `validate-data` and `stats` use by default.
    serving: Path | None = None


@dataclass(frozen=True)
class SplitConfig:
    test_fraction: float
    # The column whose value names a row for the split (rows sharing it stay on one
    # side); None: every column's value, so duplicate rows stay on one side.
    key: str | None = None


@dataclass(frozen=True)
class FeatureConfig:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.numeric + self.categorical


@dataclass(frozen=True)
class ModelConfig:
    estimator: str
    params: dict[str, Any] = field(default_factory=dict)
    # None: inferred from the label's type in the schema (text or int: classification).
    task: Task | None = None


@dataclass(frozen=True)
class OutputConfig:
    models: Path
    runs: Path
    reports: Path = Path("reports")


@dataclass(frozen=True)
class FeatureRelaxation:
    """A reviewer's allowance for one feature, kept in config so the schema file
    stays as inferred."""

    minimum: float | None = None
    maximum: float | None = None
    extra_domain: tuple[str, ...] = ()
    min_domain_mass: float | None = None
    skew_threshold: float | None = None
    drift_threshold: float | None = None


@dataclass(frozen=True)
class ValidationConfig:
    min_examples: int = 1
    skew_threshold: float = 0.1
    drift_threshold: float = 0.1
    features: dict[str, FeatureRelaxation] = field(default_factory=dict)


TABLE_KEYS = (
    "seed",
    "tuning",
    "data",
    "split",
    "features",
    "model",
    "output",
    "validation",
    "evaluation",
)
RELAXATION_KEYS = (
    "min",
    "max",
    "extra_domain",
    "min_domain_mass",
    "skew_threshold",
    "drift_threshold",
)
DIRECTIONS = ("higher_is_better", "lower_is_better")
THRESHOLD_SETTINGS = ("lower_bound", "upper_bound", "direction", "absolute", "relative")
# What the Evaluator computes per task, with TFMA's names where TFMA has them.
# log_loss, the AUCs and brier_score need predict_proba; precision, recall,
# auc_precision_recall and brier_score are for binary labels (positive: the class
# that sorts last). calibration is mean prediction / mean label.
TASK_METRICS: dict[Task, tuple[str, ...]] = {
    "classification": (
        "accuracy",
        "balanced_accuracy",
        "f1_macro",
        "log_loss",
        "roc_auc_ovr",
        "precision",
        "recall",
        "auc_precision_recall",
        "brier_score",
        "example_count",
        "accuracy_gap",
        "demographic_parity_difference",
    ),
    "regression": (
        "mean_squared_error",
        "root_mean_squared_error",
        "mean_absolute_error",
        "r2",
        "calibration",
        "example_count",
        "error_gap",
    ),
}
METRIC_NAMES = tuple(
    dict.fromkeys(name for names in TASK_METRICS.values() for name in names)
)
# The values each metric can take, so a bound outside them (a gate that can never
# pass, or never fail) is refused: shares and their gaps are 0 to 1, errors and
# counts at least 0, r2 at most 1; calibration (a ratio of means) is any number.
UNIT = (0.0, 1.0)
NON_NEGATIVE = (0.0, math.inf)
METRIC_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(
        (
            "accuracy",
            "balanced_accuracy",
            "f1_macro",
            "roc_auc_ovr",
            "precision",
            "recall",
            "auc_precision_recall",
            "brier_score",
            "accuracy_gap",
            "demographic_parity_difference",
        ),
        UNIT,
    ),
    **dict.fromkeys(
        (
            "log_loss",
            "example_count",
            "mean_squared_error",
            "root_mean_squared_error",
            "mean_absolute_error",
            "error_gap",
        ),
        NON_NEGATIVE,
    ),
    "r2": (-math.inf, 1.0),
    "calibration": (-math.inf, math.inf),
}
# numpy's random states take seeds from 0 to 2**32 - 1.
SEED_RANGE = (0, 2**32 - 1)


@dataclass(frozen=True)
class MetricThreshold:
    """TFMA's MetricThreshold: a value threshold (bounds, inclusive, unset is open)
    and/or a change threshold against the production model (absolute or relative
    change, with a direction). Applies to one slice; () is the overall slice."""

    metric: str
    slice: tuple[tuple[str, str], ...] = ()
    lower_bound: float | None = None
    upper_bound: float | None = None
    direction: str | None = None
    absolute: float | None = None
    relative: float | None = None

    @property
    def has_change(self) -> bool:
        return self.absolute is not None or self.relative is not None

    def condition(self) -> str:
        """What the metric must be, in words ("at least 0.38", "not worse than
        production"): adopt announces its gate so, and runs and pages report it so."""
        parts = []
        if self.lower_bound is not None:
            parts.append(f"at least {self.lower_bound:g}")
        if self.upper_bound is not None:
            parts.append(f"at most {self.upper_bound:g}")
        if self.has_change:
            parts.append(self._change_condition())
        return " and ".join(parts)

    def _change_condition(self) -> str:
        if self.absolute is not None:
            limit, unit = self.absolute, ""
        else:
            limit, unit = float(self.relative or 0) * 100, "%"
        if abs(limit) <= 1e-9:  # TFMA's "not worse" idiom
            return "not worse than production"
        # A positive gain asks for an improvement; a negative one allows a loss.
        gain = limit if self.direction == "higher_is_better" else -limit
        if gain > 0:
            return f"better than production by at least {gain:g}{unit}"
        return f"worse than production by at most {-gain:g}{unit}"


# Without thresholds in the config: a candidate must not be worse than production
# (TFMA's "not worse" idiom: a change of at most 1e-10 the wrong way).
NOT_WORSE: dict[Task, MetricThreshold] = {
    "classification": MetricThreshold(
        "accuracy", direction="higher_is_better", absolute=-1e-10
    ),
    "regression": MetricThreshold(
        "root_mean_squared_error", direction="lower_is_better", absolute=1e-10
    ),
}


@dataclass(frozen=True)
class EvaluationConfig:
    slices: tuple[tuple[str, ...], ...] = ()
    sensitive_feature: str | None = None
    # None: not configured, so the task's NOT_WORSE (for_task settles it); an empty
    # list is configured, and blesses nothing but a rubber stamp (TFMA).
    thresholds: tuple[MetricThreshold, ...] | None = None
    # Binary: cost of a false positive / cost of a false negative, for the What-If
    # tool's cost view on the evaluation page.
    cost_ratio: float | None = None
    # Regression: a counterfactual is the nearest row whose prediction differs by
    # more than this; None: one standard deviation of the labels.
    counterfactual_delta: float | None = None
    # Binary: the positive class's probability at or above which a row is predicted
    # positive (see ModelArtifact.threshold); None: the estimator's own predict.
    decision_threshold: float | None = None


# What the search may optimise, per task: per-row scores that order models (the
# gaps, parity and calibration are judgements of a model, not aims to search for).
TUNABLE_METRICS: dict[Task, tuple[str, ...]] = {
    "classification": TASK_METRICS["classification"][:9],
    "regression": TASK_METRICS["regression"][:4],
}
LOWER_IS_BETTER = (
    "log_loss",
    "brier_score",
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
)
SPACE_KEYS = ("type", "low", "high", "log", "choices")
DEFAULT_TRIALS = 20


@dataclass(frozen=True)
class SearchDimension:
    """One estimator parameter's range: int or float from low to high (log: sampled
    on a log scale), or one of `choices`."""

    name: str
    kind: Literal["int", "float", "categorical"]
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[str | int | float | bool, ...] = ()


@dataclass(frozen=True)
class TuningConfig:
    """TFX's Tuner settings: what to search, for how long, judged how. `trials` is the
    study's total, so a later search resumes towards it; `timeout_seconds` bounds one
    search."""

    space: tuple[SearchDimension, ...]
    metric: str
    direction: str
    trials: int | None = DEFAULT_TRIALS
    timeout_seconds: float | None = None
    folds: int = 5


@dataclass(frozen=True)
class PipelineConfig:
    seed: int
    data: DataConfig
    split: SplitConfig
    features: FeatureConfig
    model: ModelConfig
    output: OutputConfig
    validation: ValidationConfig = ValidationConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    tuning: TuningConfig | None = None
    # The config file's folder: relative paths in the file are relative to it.
    root: Path = Path(".")

    @property
    def task(self) -> Task:
        """Settled by for_task when the Pipeline is built; classification until then."""
        return self.model.task or "classification"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy for run records, paths as written in the file, so the same
        config hashes the same in every checkout."""
        document: dict[str, Any] = _jsonable(asdict(self), self.root)
        del document["root"]
        return document


def _jsonable(value: Any, root: Path) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item, root) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, root) for item in value]
    if isinstance(value, Path):
        return Path(os.path.relpath(value, root)).as_posix()
    return value


class _Table:
    """One TOML table, with typed getters whose errors name the file, table and key."""

    def __init__(self, source: Path, name: str, values: dict[str, Any]) -> None:
        self.source = source
        self.name = name
        self.values = values

    def _fail(self, key: str, allowed: str) -> ConfigError:
        value = self.values.get(key, "<missing>")
        where = f"[{self.name}] {key}" if self.name else key
        return ConfigError(
            f"{self.source}: {where} = {value!r} is not allowed: use {allowed}"
        )

    def table(self, key: str) -> "_Table":
        value = self.values.get(key, {})
        if not isinstance(value, dict):
            raise self._fail(key, "a table")
        name = f"{self.name}.{key}" if self.name else key
        return _Table(self.source, name, value)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        if not isinstance(value, str) or not value:
            raise self._fail(key, "a non-empty string")
        return value

    def path(self, key: str) -> Path:
        return (self.source.parent / self.text(key)).resolve()

    def folder(self, key: str, default: str | None = None) -> Path:
        """An output folder: refused here, before anything is fitted, when it or a
        folder above it is an existing file, which no write under it could get past."""
        text = self.text(key) if default is None else default
        folder = (self.source.parent / text).resolve()
        blocking = blocking_file(folder)
        if blocking is not None:
            where = f"[{self.name}] {key}"
            raise ConfigError(
                f"{self.source}: {where} = {text!r}: {blocking} is a file, not a "
                "folder: move it aside or name another folder"
            )
        return folder

    def optional_number(self, key: str) -> float | None:
        """TOML writes nan and inf as numbers; a bound of nan compares false with
        everything and would switch its check off, so both are refused."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(key, "a number")
        if not math.isfinite(value):
            raise self._fail(key, "a finite number")
        return float(value)

    def number_in(
        self, key: str, low: float, high: float, what: str = ""
    ) -> float | None:
        """An optional finite number from low to high (inclusive), `what` saying
        whose range that is."""
        value = self.optional_number(key)
        if value is not None and not low <= value <= high:
            if math.isinf(high):
                allowed = f"a number of at least {low:g}"
            elif math.isinf(low):
                allowed = f"a number of at most {high:g}"
            else:
                allowed = f"a number from {low:g} to {high:g}"
            raise self._fail(key, allowed + what)
        return value

    def optional_fraction(self, key: str) -> float | None:
        if key not in self.values:
            return None
        return self.fraction(key, inclusive=True)

    def only(self, *keys: str) -> None:
        """A misspelt key would otherwise be ignored, and weaken what it configures."""
        for key in self.values:
            if key not in keys:
                where = f"[{self.name}] {key}" if self.name else key
                raise ConfigError(
                    f"{self.source}: {where} is not a known key: "
                    f"use {', '.join(keys)}"
                )

    def tables(self, key: str) -> list["_Table"]:
        """An array of tables, [[key]] in TOML."""
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self._fail(key, f"[[{self.name}.{key}]] tables")
        return [_Table(self.source, f"{self.name}.{key}", item) for item in value]

    def optional_text(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.values.get(key)
        if value is not None and value not in allowed:
            raise self._fail(key, " or ".join(repr(choice) for choice in allowed))
        return value

    def integer(self, key: str, low: int | None = None, high: int | None = None) -> int:
        """A whole number, at least `low` and at most `high` when given."""
        value = self.values.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, "an integer")
        if (low is not None and value < low) or (high is not None and value > high):
            allowed = (
                f"a whole number from {low} to {high}"
                if low is not None and high is not None
                else f"a whole number of at least {low}"
            )
            raise self._fail(key, allowed)
        return value

    def fraction(self, key: str, inclusive: bool = False) -> float:
        value = self.values.get(key)
        allowed = "a number from 0 to 1" if inclusive else "a number between 0 and 1"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._fail(key, allowed)
        if not (0 <= value <= 1 if inclusive else 0 < value < 1):
            raise self._fail(key, allowed)
        return float(value)

    def names(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._fail(key, "a list of column names")
        return tuple(value)


def blocking_file(path: Path) -> Path | None:
    """What stops a folder being made at `path`: the path itself or the nearest
    existing folder above it, when that is a file; None when nothing does."""
    for place in (path, *path.parents):
        if place.exists():
            return None if place.is_dir() else place
    return None


def load_config(path: Path = DEFAULT_CONFIG) -> PipelineConfig:
    """Read and check the pipeline config; any problem is one ConfigError line."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: not a readable TOML file ({error})") from None
    return _parse(_Table(path, "", document))


def _parse(root: _Table) -> PipelineConfig:
    data, features, model, output = (
        root.table(name) for name in ("data", "features", "model", "output")
    )
    root.only(*TABLE_KEYS)
    data.only("train", "schema", "label", "serving")
    features.only("numeric", "categorical")
    model.only("estimator", "params", "task")
    output.only("models", "runs", "reports")
    split = root.table("split")
    split.only("test_fraction", "key")
    parsed_features = FeatureConfig(
        numeric=features.names("numeric"), categorical=features.names("categorical")
    )
    if not parsed_features.columns:
        raise features._fail("numeric", "at least one numeric or categorical feature")
    label = data.text("label")
    if label in parsed_features.columns:
        raise features._fail("categorical", f"features without the label {label!r}")
    return PipelineConfig(
        seed=root.integer("seed", *SEED_RANGE),
        data=DataConfig(
            train=data.path("train"),
            schema=data.path("schema"),
            label=label,
            serving=data.path("serving") if "serving" in data.values else None,
        ),
        split=SplitConfig(
            test_fraction=split.fraction("test_fraction"),
            key=_split_key(split, label),
        ),
        features=parsed_features,
        model=ModelConfig(
            estimator=model.text("estimator"),
            params=_params(model.table("params")),
            task=cast(Task | None, model.optional_text("task", TASKS)),
        ),
        output=OutputConfig(
            models=output.folder("models"),
            runs=output.folder("runs"),
            reports=output.folder(
                "reports", None if "reports" in output.values else "../reports"
            ),
        ),
        validation=_validation(root.table("validation"), parsed_features, label),
        evaluation=_evaluation(root.table("evaluation"), parsed_features),
        tuning=_tuning(root.table("tuning")) if "tuning" in root.values else None,
        root=root.source.parent.resolve(),
    )


def _split_key(table: _Table, label: str) -> str | None:
    """Splitting by the label would hold out whole classes."""
    if "key" not in table.values:
        return None
    key = table.text("key")
    if key == label:
        raise table._fail("key", f"a column other than the label {label!r}")
    return key


def _validation(table: _Table, features: FeatureConfig, label: str) -> ValidationConfig:
    table.only("min_examples", "skew_threshold", "drift_threshold", "features")
    defaults = ValidationConfig()
    skew = table.optional_fraction("skew_threshold")
    drift = table.optional_fraction("drift_threshold")
    relaxations = table.table("features")
    return ValidationConfig(
        min_examples=(
            table.integer("min_examples", 1)
            if "min_examples" in table.values
            else defaults.min_examples
        ),
        skew_threshold=defaults.skew_threshold if skew is None else skew,
        drift_threshold=defaults.drift_threshold if drift is None else drift,
        features={
            name: _relaxation(relaxations, name, (*features.columns, label))
            for name in relaxations.values
        },
    )


def _relaxation(
    relaxations: _Table, name: str, columns: tuple[str, ...]
) -> FeatureRelaxation:
    if name not in columns:
        raise ConfigError(
            f"{relaxations.source}: [{relaxations.name}.{name}] names no feature or "
            f"label: use one of {', '.join(columns)}"
        )
    table = relaxations.table(name)
    table.only(*RELAXATION_KEYS)
    minimum, maximum = table.optional_number("min"), table.optional_number("max")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise table._fail("max", f"a number at or above min = {minimum:g}")
    return FeatureRelaxation(
        minimum=minimum,
        maximum=maximum,
        extra_domain=table.names("extra_domain"),
        min_domain_mass=table.optional_fraction("min_domain_mass"),
        skew_threshold=table.optional_fraction("skew_threshold"),
        drift_threshold=table.optional_fraction("drift_threshold"),
    )


def _evaluation(table: _Table, features: FeatureConfig) -> EvaluationConfig:
    table.only(
        "slices",
        "sensitive_feature",
        "thresholds",
        "cost_ratio",
        "counterfactual_delta",
        "decision_threshold",
    )
    slices = tuple(_slice_keys(item, features) for item in table.tables("slices"))
    sensitive = table.values.get("sensitive_feature")
    if sensitive is not None and sensitive not in features.columns:
        raise table._fail("sensitive_feature", "one of the features")
    thresholds = (
        tuple(_threshold(item, features) for item in table.tables("thresholds"))
        if "thresholds" in table.values
        else None
    )
    cost_ratio = table.optional_number("cost_ratio")
    if cost_ratio is not None and not cost_ratio > 0:
        raise table._fail("cost_ratio", "a number above 0")
    delta = table.optional_number("counterfactual_delta")
    if delta is not None and not delta > 0:
        raise table._fail("counterfactual_delta", "a number above 0")
    decision = table.optional_fraction("decision_threshold")
    return EvaluationConfig(slices, sensitive, thresholds, cost_ratio, delta, decision)


def _tuning(table: _Table) -> TuningConfig:
    table.only("space", "metric", "direction", "trials", "timeout_seconds", "folds")
    space = table.table("space")
    if not space.values:
        raise table._fail("space", "a table of estimator parameters and their ranges")
    tunable = tuple(dict.fromkeys(sum(TUNABLE_METRICS.values(), ())))
    metric = table.values.get("metric", "")
    if metric not in tunable:
        raise table._fail("metric", ", ".join(tunable))
    natural = "lower_is_better" if metric in LOWER_IS_BETTER else "higher_is_better"
    trials = table.integer("trials", 1) if "trials" in table.values else None
    timeout = table.optional_number("timeout_seconds")
    if timeout is not None and not timeout > 0:
        raise table._fail("timeout_seconds", "a finite number of seconds above 0")
    folds = table.integer("folds", 2) if "folds" in table.values else 5
    return TuningConfig(
        space=tuple(_dimension(space, name) for name in space.values),
        metric=metric,
        direction=table.optional_text("direction", DIRECTIONS) or natural,
        trials=DEFAULT_TRIALS if trials is None and timeout is None else trials,
        timeout_seconds=timeout,
        folds=folds,
    )


def _dimension(space: _Table, name: str) -> SearchDimension:
    """A range the sampler cannot draw from is refused here, not mid-search."""
    table = space.table(name)
    table.only(*SPACE_KEYS)
    if "choices" in table.values:
        choices = table.values["choices"]
        scalar = (str, int, float, bool)
        if (
            set(table.values) != {"choices"}
            or not isinstance(choices, list)
            or not choices
            or not all(isinstance(choice, scalar) for choice in choices)
        ):
            raise table._fail("choices", "a non-empty list of values, and no range")
        if not all(_finite(choice) for choice in choices):
            raise table._fail("choices", "values that are finite numbers or text")
        return SearchDimension(name, "categorical", choices=tuple(choices))
    kind = table.optional_text("type", ("int", "float"))
    if kind is None:
        raise table._fail("type", "'int' or 'float' with low and high, or choices")
    low, high = (_bound(table, key, kind) for key in ("low", "high"))
    log = table.values.get("log", False)
    if not isinstance(log, bool):
        raise table._fail("log", "true or false")
    if not low < high:
        raise table._fail("high", f"a number above low = {low:g}")
    if log and not low > 0:
        raise table._fail("low", "a number above 0 with log = true")
    return SearchDimension(name, cast(Literal["int", "float"], kind), low, high, log)


def _bound(table: _Table, key: str, kind: str) -> float:
    value = table.values.get(key)
    if kind == "int":
        return float(table.integer(key))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise table._fail(key, "a number")
    if not math.isfinite(value):
        raise table._fail(key, "a finite number")
    return float(value)


def _finite(value: Any) -> bool:
    """False for a float (anywhere inside lists and tables) that is nan or inf."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return True


def _params(table: _Table) -> dict[str, Any]:
    """The estimator's keyword arguments as written; their ranges are the
    estimator's to judge, but nan or inf would slip past most of its checks."""
    for key, value in table.values.items():
        if not _finite(value):
            raise table._fail(key, "finite numbers")
    return table.values


def for_task(config: PipelineConfig, task: Task) -> PipelineConfig:
    """The config with its task settled (as stated, else inferred from the schema),
    checked
    against it: every threshold names a metric the task computes. Without thresholds
    the gate is the task's "not worse than production"."""
    evaluation = config.evaluation
    allowed = TASK_METRICS[task]
    for threshold in evaluation.thresholds or ():
        if threshold.metric not in allowed:
            raise ConfigError(
                f"[[evaluation.thresholds]] metric = {threshold.metric!r} is not "
                f"computed for {task}: use {', '.join(allowed)}"
            )
    tuning = config.tuning
    if tuning is not None and tuning.metric not in TUNABLE_METRICS[task]:
        raise ConfigError(
            f"[tuning] metric = {tuning.metric!r} is not computed for {task}: use "
            f"{', '.join(TUNABLE_METRICS[task])}"
        )
    if task == "regression" and evaluation.sensitive_feature is not None:
        raise ConfigError(
            "[evaluation] sensitive_feature applies to classification only "
            "(demographic parity of predicted classes): remove it for regression"
        )
    thresholds = (
        (NOT_WORSE[task],) if evaluation.thresholds is None else evaluation.thresholds
    )
    return replace(
        config,
        model=replace(config.model, task=task),
        evaluation=replace(evaluation, thresholds=thresholds),
    )


def _slice_keys(table: _Table, features: FeatureConfig) -> tuple[str, ...]:
    table.only("feature_keys")
    keys = table.names("feature_keys")
    unknown = sorted(set(keys) - set(features.columns))
    if not keys or unknown:
        raise table._fail("feature_keys", f"feature names ({unknown} are not features)")
    return keys


def _threshold(table: _Table, features: FeatureConfig) -> MetricThreshold:
    table.only("metric", "slice", *THRESHOLD_SETTINGS)
    slice_values = table.table("slice").values
    unknown = sorted(set(slice_values) - set(features.columns))
    if unknown:
        raise table._fail("slice", f"feature = value ({unknown} are not features)")
    if table.values.get("metric") not in METRIC_NAMES:
        raise table._fail("metric", ", ".join(METRIC_NAMES))
    metric = table.text("metric")
    low, high = METRIC_RANGES[metric]
    what = f" ({metric}'s range)"
    width = high - low
    threshold = MetricThreshold(
        metric=metric,
        slice=tuple((key, spelled(value)) for key, value in slice_values.items()),
        lower_bound=table.number_in("lower_bound", low, high, what),
        upper_bound=table.number_in("upper_bound", low, high, what),
        direction=table.optional_text("direction", DIRECTIONS),
        absolute=table.number_in("absolute", -width, width, f" ({metric}'s span)"),
        # a metric that is never negative falls by at most all of it: -1
        relative=table.number_in(
            "relative", -1.0 if low >= 0 else -math.inf, math.inf, what
        ),
    )
    lower, upper = threshold.lower_bound, threshold.upper_bound
    if threshold.has_change and threshold.direction is None:
        raise table._fail("direction", " or ".join(DIRECTIONS))
    if not threshold.has_change and lower is None and upper is None:
        raise table._fail("metric", "a threshold with a bound or a change")
    if lower is not None and upper is not None and lower > upper:
        raise table._fail("upper_bound", f"a bound at or above lower_bound {lower}")
    return threshold
