from dataclasses import replace as replaced
from pathlib import Path

import pytest
from conftest import LABEL
from conftest import config_text

from research_guards.config import DEFAULT_TRIALS
from research_guards.config import NOT_WORSE
from research_guards.config import TASK_METRICS
from research_guards.config import MetricThreshold
from research_guards.config import PipelineConfig
from research_guards.config import for_task
from research_guards.config import load_config
from research_guards.datatypes import TASKS
from research_guards.datatypes import Task
from research_guards.datatypes import slice_name
from research_guards.errors import ConfigError


def write_config(
    tmp_path: Path, replace: str, by: str, kind: str = "multiclass"
) -> Path:
    text = config_text(kind)
    assert replace in text, replace
    path = tmp_path / "configs" / "edited.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    return path


def refused_in_one_line(path: Path, message: str) -> str:
    """The error loading `path` raised: it must match `message`, on one line."""
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(path)
    assert "\n" not in str(raised.value)
    return str(raised.value)


def test_paths_are_relative_to_the_config_file(config_path: Path) -> None:
    config = load_config(config_path)
    assert config.data.train == config_path.parent.parent / "data" / "table.csv"
    assert config.data.train.is_file()
    assert config.data.serving == config_path.parent.parent / "data" / "serving.csv"
    assert config.output.reports == config_path.parent.parent / "reports"
    assert (
        config.features.columns == config.features.numeric + config.features.categorical
    )
    assert config.as_dict()["data"]["train"] == "../data/table.csv"
    assert "root" not in config.as_dict()


def test_serving_rows_and_reports_are_optional(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'serving = "../data/serving.csv"\n', "")
    path.write_text(
        path.read_text(encoding="utf-8").replace('reports = "../reports"\n', ""),
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.data.serving is None
    assert config.output.reports == tmp_path / "reports"


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("seed = = 3", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable TOML file"):
        load_config(path)


@pytest.mark.parametrize("written", ["3", "3.0"])
def test_a_whole_numbered_slice_is_spelled_as_the_evaluator_spells_it(
    tmp_path: Path, written: str
) -> None:
    """The loader reads numeric columns as floats, and the Evaluator names a slice
    of count 3.0 "count=3": a threshold on it, written either way, finds it."""
    path = write_config(
        tmp_path, 'slice = { site = "north" }', f"slice = {{ count = {written} }}"
    )
    (sliced,) = [t for t in load_config(path).evaluation.thresholds or () if t.slice]
    assert slice_name(dict(sliced.slice)) == slice_name({"count": 3.0}) == "count=3"


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("seed = 3", 'seed = "x"', "seed = 'x' is not allowed: use an integer"),
        ("test_fraction = 0.25", "test_fraction = 1.5", r"\[split\] test_fraction"),
        ("test_fraction = 0.25", "test_fraction = true", "between 0 and 1"),
        (f'label = "{LABEL}"', 'label = ""', r"\[data\] label"),
        ('categorical = ["site", "shift"]', "categorical = [1]", "column names"),
        (
            "\n[model.params]\nC = 10.0\n",
            "params = 3\n",
            r"\[model\] params",
        ),
        ("[model]\n", '[model]\ntask = "ranking"\n', r"'classification' or"),
        ("seed = 3\n", "seed = 3\nseeds = 4\n", "seeds is not a known key"),
        ("[output]\n", "[output]\nlogs = 1\n", r"\[output\] logs is not a known"),
        ('sensitive_feature = "shift"', 'sensitive_feature = "year"', "one of the"),
        ('feature_keys = ["site"]', f'feature_keys = ["{LABEL}"]', "feature_keys"),
        ('feature_keys = ["site"]', "feature_keys = []", "feature_keys"),
        ('higher_is_better"\nabsolute', 'up"\nabsolute', "'higher_is_better' or"),
        ('direction = "lower_is_better"\n', "", r"thresholds\] direction"),
        ("lower_bound = 0.6\n", "", "a threshold with a bound or a change"),
        (
            'slice = { site = "north" }',
            'slice = { year = "2007" }',
            r"\['year'\] are not",
        ),
        (
            'slice = { site = "north" }',
            'slices = { site = "north" }',
            "slices is not a",
        ),
        ('metric = "log_loss"', 'metric = "logloss"', "use accuracy, balanced_"),
        ("lower_bound = 0.3", "lower_bound = 0.3\nupper_bound = 0.2", "at or above"),
        ("[evaluation]\n", "[evaluation]\ncost_ratio = 0\n", "cost_ratio = 0"),
        (
            "[evaluation]\n",
            '[evaluation]\ncounterfactual_delta = "x"\n',
            "counterfactual_delta = 'x' is not allowed: use a number",
        ),
        ("min_examples = 50", "min_examples = 5.5", "an integer"),
        ("skew_threshold = 0.25", "skew_threshold = 2", "from 0 to 1"),
    ],
)
def test_bad_values_name_the_key(
    tmp_path: Path, replace: str, by: str, message: str
) -> None:
    refused_in_one_line(write_config(tmp_path, replace, by), message)


@pytest.mark.parametrize("key", ["models", "runs", "reports"])
def test_an_output_folder_that_is_a_file_is_refused_at_load(
    tmp_path: Path, key: str
) -> None:
    """Once a traceback after training (or, for reports, after promoting)."""
    path = write_config(tmp_path, f'{key} = "../{key}"', f'{key} = "../taken/{key}"')
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    message = refused_in_one_line(path, rf"\[output\] {key} = '../taken/{key}'")
    assert message.endswith(
        f"{tmp_path / 'taken'} is a file, not a folder: move it "
        "aside or name another folder"
    )


def test_the_default_reports_folder_is_checked_too(tmp_path: Path) -> None:
    path = write_config(tmp_path, 'reports = "../reports"\n', "")
    (tmp_path / "reports").write_text("a file", encoding="utf-8")
    refused_in_one_line(path, "reports = '../reports'.* is a file, not a folder")


def test_no_features_is_refused(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'numeric = ["length", "width", "count"]\ncategorical = ["site", "shift"]',
        "numeric = []\ncategorical = []",
    )
    with pytest.raises(ConfigError, match="at least one"):
        load_config(path)


def test_validation_relaxations_are_read(tmp_path: Path) -> None:
    extra = (
        "\n[validation.features.site]\n"
        'extra_domain = ["west"]\nmin_domain_mass = 0.9\ndrift_threshold = 0.3\n'
        "\n[validation.features.width]\nmin = 2\nmax = 70.5\n"
    )
    line = "drift_threshold = 0.1\n"
    validation = load_config(write_config(tmp_path, line, line + extra)).validation
    site = validation.features["site"]
    assert site.extra_domain == ("west",)
    assert (site.min_domain_mass, site.drift_threshold) == (0.9, 0.3)
    assert validation.drift_threshold == 0.1 and validation.min_examples == 50
    width = validation.features["width"]
    assert (width.minimum, width.maximum, width.skew_threshold) == (2.0, 70.5, None)


def test_a_relaxation_must_be_a_number_and_name_a_column(tmp_path: Path) -> None:
    extra = '\n[validation.features.site]\nmin = "low"\n'
    path = write_config(tmp_path, "drift_threshold = 0.1\n", extra)
    with pytest.raises(ConfigError, match=r"\[validation.features.site\] min"):
        load_config(path)
    extra = "\n[validation.features.year]\nmin = 0\n"
    path = write_config(tmp_path, "drift_threshold = 0.1\n", extra)
    with pytest.raises(ConfigError, match="names no feature or label"):
        load_config(path)


def test_the_label_is_not_a_feature(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'categorical = ["site", "shift"]',
        f'categorical = ["site", "shift", "{LABEL}"]',
    )
    with pytest.raises(ConfigError, match=f"features without the label '{LABEL}'"):
        load_config(path)


def test_a_split_key_is_read_and_is_never_the_label(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, "seed = 3", "seed = 3")).split.key is None
    keyed = write_config(
        tmp_path, "test_fraction = 0.25", 'test_fraction = 0.25\nkey = "site"'
    )
    assert load_config(keyed).split.key == "site"
    by_label = write_config(
        tmp_path, "test_fraction = 0.25", f'test_fraction = 0.25\nkey = "{LABEL}"'
    )
    refused_in_one_line(
        by_label, f"key = '{LABEL}' is not allowed: use a column other than the label"
    )
    empty = write_config(
        tmp_path, "test_fraction = 0.25", 'test_fraction = 0.25\nkey = ""'
    )
    refused_in_one_line(empty, "a non-empty string")


def without_evaluation(tmp_path: Path, kind: str) -> PipelineConfig:
    text = config_text(kind)
    path = tmp_path / "pipeline.toml"
    path.write_text(text[: text.index("[evaluation]")], encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize("task", TASKS)
def test_without_thresholds_the_gate_is_the_tasks_not_worse_than_production(
    tmp_path: Path, task: Task
) -> None:
    loaded = without_evaluation(tmp_path, "multiclass")
    evaluation = loaded.evaluation
    assert evaluation.slices == () and evaluation.sensitive_feature is None
    assert evaluation.thresholds is None and evaluation.cost_ratio is None
    assert loaded.model.task is None and loaded.task == "classification"
    settled = for_task(loaded, task)
    assert settled.task == task
    assert settled.evaluation.thresholds == (NOT_WORSE[settled.task],)


def test_not_worse_is_tfmas_idiom_per_task() -> None:
    accuracy, error = NOT_WORSE["classification"], NOT_WORSE["regression"]
    assert (accuracy.metric, accuracy.direction) == ("accuracy", "higher_is_better")
    assert accuracy.absolute == -1e-10
    assert (error.metric, error.direction) == (
        "root_mean_squared_error",
        "lower_is_better",
    )
    assert error.absolute == 1e-10
    for task, threshold in NOT_WORSE.items():
        assert threshold.metric in TASK_METRICS[task]


def test_a_threshold_on_a_metric_the_task_does_not_compute_is_refused(
    config: PipelineConfig,
) -> None:
    with pytest.raises(ConfigError) as raised:
        for_task(config, "regression")
    message = str(raised.value)
    assert "metric = 'accuracy' is not computed for regression" in message
    assert message.endswith("use " + ", ".join(TASK_METRICS["regression"]))
    assert "\n" not in message


def test_a_sensitive_feature_is_refused_for_regression(config: PipelineConfig) -> None:
    error_only = (MetricThreshold("r2", lower_bound=0.0),)
    regression = replaced(
        config, evaluation=replaced(config.evaluation, thresholds=error_only)
    )
    with pytest.raises(ConfigError, match="sensitive_feature applies to classif"):
        for_task(regression, "regression")
    no_sensitive = replaced(
        regression,
        evaluation=replaced(regression.evaluation, sensitive_feature=None),
    )
    assert for_task(no_sensitive, "regression").evaluation.thresholds == error_only


def test_the_stated_task_and_evaluation_settings_are_read(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[model]\n", '[model]\ntask = "regression"\n')
    assert load_config(path).model.task == "regression"
    binary = load_config(write_config(tmp_path, "[model]", "[model]", "binary"))
    assert binary.evaluation.cost_ratio == 2.0
    regression = load_config(write_config(tmp_path, "[model]", "[model]", "regression"))
    assert regression.evaluation.counterfactual_delta == 20.0


def test_thresholds_and_slices_are_read(config: PipelineConfig) -> None:
    evaluation = config.evaluation
    assert evaluation.slices == (("site",),)
    assert evaluation.sensitive_feature == "shift"
    north = [t for t in evaluation.thresholds or () if t.slice == (("site", "north"),)]
    assert [t.lower_bound for t in north] == [0.3]
    (log_loss,) = [t for t in evaluation.thresholds or () if t.metric == "log_loss"]
    assert (log_loss.direction, log_loss.relative) == ("lower_is_better", 0.1)
    assert log_loss.has_change and not north[0].has_change


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("seed = 3\n", "sed = 3\n", r"toml: sed is not a known key"),
        (
            "drift_threshold = 0.1\n",
            "drift_treshold = 0.01\n",
            r"toml: \[validation\] drift_treshold is not a known key",
        ),
        (
            "drift_threshold = 0.1\n",
            "drift_threshold = 0.1\n\n[validation.features.site]\n"
            'extra_domian = ["west"]\n',
            r"toml: \[validation.features.site\] extra_domian is not a known key",
        ),
        (
            "drift_threshold = 0.1\n",
            "drift_threshold = 0.1\n\n[validation.features.islnd]\nmin = 0\n",
            r"toml: \[validation.features.islnd\] names no feature or label",
        ),
        (
            "test_fraction = 0.25\n",
            "test_fraction = 0.25\nstratify = true\n",
            r"toml: \[split\] stratify is not a known key",
        ),
        ("[data]\n", "[data]\ntest = 1\n", r"toml: \[data\] test is not a known key"),
        (
            "[features]\n",
            "[features]\ntext = []\n",
            r"toml: \[features\] text is not a known key",
        ),
        (
            "[model]\n",
            '[model]\nestimater = "x"\n',
            r"toml: \[model\] estimater is not a known key",
        ),
        (
            "[evaluation]\n",
            "[evaluation]\ntreshold = 1\n",
            r"toml: \[evaluation\] treshold is not a known key",
        ),
        (
            'feature_keys = ["site"]\n',
            'feature_keys = ["site"]\nfeature_key = "site"\n',
            r"feature_key is not a known key",
        ),
    ],
)
def test_an_unknown_key_is_refused_in_every_table(
    tmp_path: Path, replace: str, by: str, message: str
) -> None:
    """TFMA reads its EvalConfig as a protocol buffer, and protobuf's parsers refuse
    a field the message does not declare (google.protobuf text_format.Parse and
    json_format.Parse without ignore_unknown_fields; TFMA's
    tensorflow_model_analysis/proto/config.proto lists the fields); TFDV's schema
    names features, and a comparator or domain for a feature the schema lacks has
    nothing to apply to. Issue 12's own misspellings, one line each, naming the key
    and what is allowed."""
    error = refused_in_one_line(write_config(tmp_path, replace, by), message)
    assert "use " in error or "names no feature" in error


def test_an_explicit_empty_threshold_list_is_kept_apart_from_no_thresholds(
    tmp_path: Path,
) -> None:
    """TFMA's no-threshold rule (writers/metrics_plots_and_validations_writer.py,
    CombineValidations.extract_output: no thresholds means validation_ok only when
    rubber-stamping; tested in metrics_plots_and_validations_writer_test.py,
    testWriteValidationResultsNoThresholds) applies to `thresholds = []`; a config
    without the key keeps the task's "not worse than production"."""
    text = config_text("multiclass")
    path = tmp_path / "pipeline.toml"
    path.write_text(
        text[: text.index("[evaluation]")] + "[evaluation]\nthresholds = []\n",
        encoding="utf-8",
    )
    empty = load_config(path)
    assert empty.evaluation.thresholds == ()
    assert for_task(empty, "classification").evaluation.thresholds == ()
    absent = without_evaluation(tmp_path, "multiclass")
    assert for_task(absent, "classification").evaluation.thresholds == (
        NOT_WORSE["classification"],
    )


TUNING = """
[tuning]
trials = 4
folds = 3
metric = "log_loss"

[tuning.space]
C = { type = "float", low = 0.01, high = 100.0, log = true }
max_iter = { type = "int", low = 100, high = 300 }
solver = { choices = ["lbfgs", "newton-cg"] }
"""


def with_tuning(tmp_path: Path, replace: str = "", by: str = "") -> Path:
    path = write_config(tmp_path, "seed = 3", "seed = 3")
    tuning = TUNING.replace(replace, by, 1) if replace else TUNING
    assert replace in TUNING
    path.write_text(path.read_text(encoding="utf-8") + tuning, encoding="utf-8")
    return path


def test_the_tuning_table_is_read(tmp_path: Path) -> None:
    tuning = load_config(with_tuning(tmp_path)).tuning
    assert tuning is not None
    assert (tuning.trials, tuning.folds, tuning.timeout_seconds) == (4, 3, None)
    assert tuning.metric == "log_loss" and tuning.direction == "lower_is_better"
    c, max_iter, solver = tuning.space
    assert (c.name, c.kind, c.low, c.high, c.log) == ("C", "float", 0.01, 100.0, True)
    assert (max_iter.kind, max_iter.low, max_iter.high) == ("int", 100, 300)
    assert solver.kind == "categorical" and solver.choices == ("lbfgs", "newton-cg")
    assert load_config(write_config(tmp_path, "seed = 3", "seed = 3")).tuning is None


def test_a_time_budget_alone_searches_until_it_runs_out(tmp_path: Path) -> None:
    path = with_tuning(tmp_path, "trials = 4", "timeout_seconds = 30")
    tuning = load_config(path).tuning
    assert tuning is not None and (tuning.trials, tuning.timeout_seconds) == (None, 30)
    path = with_tuning(tmp_path, "trials = 4\n", "")
    tuning = load_config(path).tuning
    assert tuning is not None and tuning.trials == DEFAULT_TRIALS


@pytest.mark.parametrize(
    "replace, by, message",
    [
        (
            'type = "float", low = 0.01',
            'type = "real", low = 0.01',
            r"\[tuning.space.C\] type",
        ),
        (
            "high = 100.0",
            "high = 0.001",
            r"\[tuning.space.C\] high = 0.001 .* above low",
        ),
        ("low = 0.01", "low = 0.0", r"\[tuning.space.C\] low .* above 0 with log"),
        ("low = 100", "low = 100.5", r"\[tuning.space.max_iter\] low .* an integer"),
        ('["lbfgs", "newton-cg"]', "[]", r"\[tuning.space.solver\] choices"),
        ("{ choices", "{ low = 1, choices", r"choices .* and no range"),
        ("log = true", "log = 1", r"\[tuning.space.C\] log = 1 .* true or false"),
        ("log = true", "step = 2", r"\[tuning.space.C\] step is not a known key"),
        ('"log_loss"', '"f2"', r"\[tuning\] metric = 'f2' .* use accuracy, "),
        ('"log_loss"', '"accuracy_gap"', r"\[tuning\] metric = 'accuracy_gap'"),
        ("folds = 3", "folds = 1", r"\[tuning\] folds = 1 .* at least 2"),
        ("trials = 4", "trials = 0", r"\[tuning\] trials = 0 .* at least 1"),
        ("trials = 4", "timeout_seconds = -1", r"timeout_seconds = -1 .* above 0"),
        ("trials = 4", "trails = 4", r"\[tuning\] trails is not a known key"),
        ('metric = "log_loss"', 'direction = "up"', r"metric = '<missing>'"),
    ],
)
def test_a_bad_search_space_is_refused_in_one_line(
    tmp_path: Path, replace: str, by: str, message: str
) -> None:
    refused_in_one_line(with_tuning(tmp_path, replace, by), message)


def test_an_empty_space_or_bad_direction_is_refused(tmp_path: Path) -> None:
    path = with_tuning(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.split("[tuning.space]")[0], encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[tuning\] space .* a table of"):
        load_config(path)
    path = with_tuning(tmp_path, "folds = 3", 'direction = "up"')
    with pytest.raises(ConfigError, match=r"\[tuning\] direction = 'up'"):
        load_config(path)


def test_a_tuning_metric_of_the_other_task_is_refused(tmp_path: Path) -> None:
    config = load_config(with_tuning(tmp_path))
    with pytest.raises(ConfigError, match=r"'log_loss' is not computed for regr"):
        for_task(
            replaced(config, evaluation=replaced(config.evaluation, thresholds=())),
            "regression",
        )


NOT_FINITE = ["nan", "inf", "-inf"]


@pytest.mark.parametrize("value", NOT_FINITE)
@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("lower_bound = 0.6", "lower_bound = {}", r"\[\[?evaluation.thresholds\]"),
        ("lower_bound = 0.3", "upper_bound = {}", r"thresholds\] upper_bound"),
        ("absolute = -1e-10", "absolute = {}", r"thresholds\] absolute"),
        ("relative = 0.1", "relative = {}", r"thresholds\] relative"),
        ("test_fraction = 0.25", "test_fraction = {}", r"\[split\] test_fraction"),
        ("skew_threshold = 0.25", "skew_threshold = {}", r"\] skew_threshold"),
        ("drift_threshold = 0.1", "drift_threshold = {}", r"\] drift_threshold"),
        ("C = 10.0", "C = {}", r"\[model.params\] C"),
        ("C = 10.0", "C = 1.0\nclass_weight = { a = {} }", r"\] class_weight"),
        ("[evaluation]\n", "[evaluation]\ncost_ratio = {}\n", "cost_ratio"),
        (
            "[evaluation]\n",
            "[evaluation]\ncounterfactual_delta = {}\n",
            "counterfactual_delta",
        ),
        (
            "drift_threshold = 0.1\n",
            "drift_threshold = 0.1\n[validation.features.width]\nmin = {}\n",
            r"\[validation.features.width\] min",
        ),
        (
            "drift_threshold = 0.1\n",
            "drift_threshold = 0.1\n[validation.features.site]\nskew_threshold = {}\n",
            r"\[validation.features.site\] skew_threshold",
        ),
    ],
)
def test_a_number_that_is_not_finite_is_refused_in_one_line(
    tmp_path: Path, replace: str, by: str, message: str, value: str
) -> None:
    """TOML reads nan and inf as numbers: `lower_bound = nan` compared false with
    every metric and switched the threshold off (a constant guess was blessed)."""
    refused_in_one_line(
        write_config(tmp_path, replace, by.replace("{}", value)), message
    )


@pytest.mark.parametrize("value", NOT_FINITE)
@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("low = 0.01", "low = {}", r"\[tuning.space.C\] low"),
        ("high = 100.0", "high = {}", r"\[tuning.space.C\] high"),
        ('["lbfgs", "newton-cg"]', '["lbfgs", {}]', r"\[tuning.space.solver\] choic"),
        ("trials = 4", "timeout_seconds = {}", r"\[tuning\] timeout_seconds"),
    ],
)
def test_a_search_bound_that_is_not_finite_is_refused(
    tmp_path: Path, replace: str, by: str, message: str, value: str
) -> None:
    refused_in_one_line(
        with_tuning(tmp_path, replace, by.replace("{}", value)), message
    )


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("seed = 3", "seed = -1", r"^.*: seed = -1 .* from 0 to 4294967295"),
        ("seed = 3", "seed = 4294967296", "from 0 to 4294967295"),
        ("min_examples = 50", "min_examples = -5", r"min_examples = -5 .* at least 1"),
        ("min_examples = 50", "min_examples = 0", "at least 1"),
        ("lower_bound = 0.6", "lower_bound = 1.5", r"from 0 to 1 \(accuracy's range"),
        ("lower_bound = 0.6", "upper_bound = -0.1", r"upper_bound = -0.1 .* from 0"),
        ("absolute = -1e-10", "absolute = -2", r"from -1 to 1 \(accuracy's span"),
        ("relative = 0.1", "relative = -2", r"relative = -2 .* at least -1 \(log_"),
        (
            'metric = "log_loss"\ndirection = "lower_is_better"\nrelative = 0.1',
            'metric = "log_loss"\nupper_bound = -1',
            r"use a number of at least 0 \(log_loss's range",
        ),
        (
            'metric = "log_loss"\ndirection = "lower_is_better"\nrelative = 0.1',
            'metric = "r2"\nlower_bound = 1.2',
            r"a number of at most 1 \(r2's range",
        ),
        (
            "drift_threshold = 0.1\n",
            "drift_threshold = 0.1\n[validation.features.width]\nmin = 9\nmax = 2\n",
            r"\[validation.features.width\] max = 2 .* at or above min = 9",
        ),
    ],
)
def test_a_number_outside_its_range_is_refused_in_one_line(
    tmp_path: Path, replace: str, by: str, message: str
) -> None:
    """A bound a metric can never reach is a gate that never passes (or never
    fails); a negative seed is refused by numpy mid-run, a traceback."""
    refused_in_one_line(write_config(tmp_path, replace, by), message)


def test_the_widest_numbers_allowed_are_read(tmp_path: Path) -> None:
    edited = (
        ("seed = 3", "seed = 4294967295"),
        ("lower_bound = 0.6", "lower_bound = 1"),
        ("absolute = -1e-10", "absolute = -1"),
        ("min_examples = 50", "min_examples = 1"),
    )
    path = write_config(tmp_path, "seed = 3", "seed = 3")
    text = path.read_text(encoding="utf-8")
    for replace, by in edited:
        text = text.replace(replace, by, 1)
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.seed == 2**32 - 1 and config.validation.min_examples == 1
    thresholds = config.evaluation.thresholds or ()
    assert thresholds[0].lower_bound == 1 and thresholds[1].absolute == -1


@pytest.mark.parametrize(
    ("threshold", "words"),
    [
        (MetricThreshold("r2", lower_bound=0.0), "at least 0"),
        (
            MetricThreshold("accuracy", lower_bound=0.5, upper_bound=1.0),
            "at least 0.5 and at most 1",
        ),
        (NOT_WORSE["classification"], "not worse than production"),
        (NOT_WORSE["regression"], "not worse than production"),
        (
            MetricThreshold("accuracy", direction="higher_is_better", absolute=-0.02),
            "worse than production by at most 0.02",
        ),
        (
            MetricThreshold("log_loss", direction="lower_is_better", absolute=-0.1),
            "better than production by at least 0.1",
        ),
        (
            MetricThreshold("r2", direction="higher_is_better", relative=0.05),
            "better than production by at least 5%",
        ),
    ],
)
def test_a_threshold_says_in_words_what_its_metric_must_be(
    threshold: MetricThreshold, words: str
) -> None:
    assert threshold.condition() == words
