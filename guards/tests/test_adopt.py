"""Adopting a table the library never saw: scikit-learn's own real tables (shipped in
its wheel), and small hand-made ones for the refusals. What a repository then runs
on the adopted table is tested in the repository."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import lock_is_taken
from sklearn.datasets import load_diabetes
from sklearn.datasets import load_wine

from research_guards import adopt as adopt_module
from research_guards.adopt import adopt
from research_guards.adopt import infer_task
from research_guards.config import load_config
from research_guards.datatypes import Task
from research_guards.errors import DataError
from research_guards.estimators import misfits

STARTING_CONFIG = """\
seed = 3  # the researcher's own: adopt keeps it

[data]
train = "../data/old.csv"
schema = "../schema/schema.json"
label = "old_label"

[split]
test_fraction = 0.25

[features]
numeric = ["old"]
categorical = []

[model]
estimator = "sklearn.ensemble.RandomForestClassifier"

[model.params]
n_estimators = 10

[output]
models = "../models"
runs = "../runs"
reports = "../reports"

[validation]
min_examples = 5000

[validation.features.old]
min = 0
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with a config that names another table."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "pipeline.toml").write_text(STARTING_CONFIG)
    return tmp_path


def write_table(folder: Path, frame: pd.DataFrame, name: str) -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def test_a_multiclass_table_becomes_the_projects_data(
    project: Path, tmp_path: Path
) -> None:
    table = write_table(tmp_path, load_wine(as_frame=True).frame, "wine.csv")
    config_path = project / "configs" / "pipeline.toml"
    old = project / "models" / "old-table"
    old.mkdir(parents=True)
    (project / "models" / "production").symlink_to("old-table")
    adoption = adopt(config_path, table, "target")
    config = load_config(config_path)
    assert adoption.task == "classification" and config.model.task == "classification"
    assert config.seed == 3 and "# the researcher's own" in config_path.read_text()
    assert config.data.train == project / "data" / "wine.csv"
    assert len(config.features.numeric) == 13 and config.features.categorical == ()
    assert config.validation.features == {}  # the old table's relaxations are gone
    assert config.validation.min_examples == 89
    serving = pd.read_csv(project / "data" / "wine_serving.csv")
    assert "target" not in serving.columns and len(serving) == 10
    assert f"retired models/production (it stays in {old})" in "\n".join(
        adoption.lines()
    )
    assert old.is_dir() and not (project / "models" / "production").exists()


def test_a_regression_table_gets_a_regressor_slices_and_its_thresholds(
    project: Path, tmp_path: Path
) -> None:
    frame = load_diabetes(as_frame=True, scaled=False).frame
    table = write_table(tmp_path, frame, "diabetes.csv")
    config_path = project / "configs" / "pipeline.toml"
    adoption = adopt(config_path, table, "target")
    config = load_config(config_path)
    assert adoption.task == "regression"
    assert config.model.estimator == "sklearn.ensemble.RandomForestRegressor"
    assert config.evaluation.slices == (("sex",),)  # coded 1 or 2
    assert {t.metric for t in config.evaluation.thresholds or ()} == {
        "r2",
        "root_mean_squared_error",
    }


def test_identifiers_and_free_text_are_left_out_with_a_reason(
    project: Path, tmp_path: Path
) -> None:
    rows = 120
    generator = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "row_id": np.arange(rows),
            "comment": [f"note {i % 90} of many" for i in range(rows)],
            "size": generator.normal(10, 2, rows),
            "colour": generator.choice(["red", "blue"], rows),
            "empty": [None] * rows,
            "label": generator.choice(["yes", "no"], rows),
        }
    )
    adoption = adopt(
        project / "configs" / "pipeline.toml",
        write_table(tmp_path, frame, "t.csv"),
        "label",
    )
    assert set(adoption.left_out) == {"row_id", "comment", "empty"}
    assert "identifier" in adoption.left_out["row_id"]
    assert "free text" in adoption.left_out["comment"]
    assert adoption.left_out["row_id"].endswith("(an identifier)")
    assert adoption.numeric == ["size"] and adoption.categorical == ["colour"]
    assert adoption.slices == ["colour"]
    assert any(line.startswith("left out comment: ") for line in adoption.lines())


REFUSALS = {
    "no such column": (
        pd.DataFrame({"a": [1, 2, 3], "b": [1, 0, 1]}),
        "no column 'label'",
    ),
    "one value": (
        pd.DataFrame({"a": [1, 2, 3], "label": ["x", "x", None]}),
        "1 distinct value",
    ),
    "no features": (
        pd.DataFrame({"label": [1, 0, 1]}),
        "no usable feature",
    ),
    "a repeated column": (
        pd.DataFrame(
            [[1, 5, "x"], [2, 6, "y"], [3, 7, "x"]], columns=["a", "a", "label"]
        ),
        "'a' appear more than once",
    ),
    "text to regress": (
        pd.DataFrame({"a": [1, 2, 3], "label": ["x", "y", "z"]}),
        "is not numeric",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_table_that_cannot_be_adopted_is_refused_and_nothing_is_written(
    project: Path, tmp_path: Path, case: str
) -> None:
    frame, message = REFUSALS[case]
    config_path = project / "configs" / "pipeline.toml"
    task: Task | None = "regression" if case == "text to regress" else None
    with pytest.raises(DataError, match=message) as refused:
        adopt(config_path, write_table(tmp_path, frame, "t.csv"), "label", task)
    assert "\n" not in str(refused.value)
    assert config_path.read_text() == STARTING_CONFIG
    assert not (project / "data").exists() and not (project / "schema").exists()


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["a", "b", "a"], "classification"),
        ([0, 1, 2, 1], "classification"),
        ([0.5, 1.25, 3.0], "regression"),
        (list(range(30)), "regression"),  # too many whole numbers to be classes
    ],
)
def test_the_task_follows_the_label(values: list[object], task: str) -> None:
    assert infer_task(pd.Series(values)) == task


def test_a_class_with_one_row_is_named_when_adopting(
    project: Path, tmp_path: Path
) -> None:
    """The run would refuse it (no stratified split); adopt says so first, in one
    line naming the class, so the researcher fixes the data before training."""
    frame = load_wine(as_frame=True).frame.astype({"target": str})
    frame.loc[frame.index[0], "target"] = "rare"
    adoption = adopt(
        project / "configs" / "pipeline.toml",
        write_table(tmp_path, frame, "wine.csv"),
        "target",
    )
    (warning,) = [line for line in adoption.lines() if line.startswith("warning")]
    assert "('rare')" in warning and "drop or merge" in warning


def test_a_text_identifier_in_a_small_table_is_no_feature(
    project: Path, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"id": [f"row-{i}" for i in range(50)], "y": ["a", "b"] * 25})
    with pytest.raises(DataError, match="no usable feature"):
        adopt(
            project / "configs" / "pipeline.toml",
            write_table(tmp_path, frame, "t.csv"),
            "y",
        )


def test_the_chance_bar_counts_only_classes_a_run_can_split(
    project: Path, tmp_path: Path
) -> None:
    """A one-row class is refused at run time, so chance is 1/3 here, not 1/4."""
    frame = load_wine(as_frame=True).frame.astype({"target": str})
    frame.loc[frame.index[0], "target"] = "rare"
    config_path = project / "configs" / "pipeline.toml"
    adopt(config_path, write_table(tmp_path, frame, "wine.csv"), "target")
    (floor,) = [
        t
        for t in load_config(config_path).evaluation.thresholds or ()
        if t.lower_bound is not None
    ]
    assert floor.metric == "balanced_accuracy" and floor.lower_bound == 0.38


def test_adopt_says_how_many_unlabelled_rows_runs_leave_out(
    project: Path, tmp_path: Path
) -> None:
    """The file is copied whole, but a row with no label is neither trained nor
    evaluated on: the count is printed before the first run, not discovered later."""
    frame = load_wine(as_frame=True).frame.astype({"target": str})
    frame.loc[frame.index[:3], "target"] = None
    config_path = project / "configs" / "pipeline.toml"
    lines = adopt(config_path, write_table(tmp_path, frame, "wine.csv"), "target")
    assert lines.lines()[:2] == [
        "task: classification, 175 labelled rows",
        "left out 3 rows without a label: runs neither train nor evaluate on them",
    ]
    whole = adopt(config_path, write_table(tmp_path, frame.dropna(), "w.csv"), "target")
    assert not any("without a label" in line for line in whole.lines())


def test_a_classifiers_gate_guards_the_rare_classes_and_the_search_aims_at_it(
    project: Path, tmp_path: Path
) -> None:
    """Accuracy alone blessed a model that never predicts a rare class: balanced
    accuracy (the mean of the classes' recalls) may not fall either, and the search
    optimises it, so tune and gate agree. Adopt says what it wrote."""
    config_path = project / "configs" / "pipeline.toml"
    config_path.write_text(STARTING_CONFIG + """
[tuning]
metric = "log_loss"

[tuning.space]
max_depth = { type = "int", low = 2, high = 8 }
""")
    frame = load_wine(as_frame=True).frame.astype({"target": str})
    adoption = adopt(config_path, write_table(tmp_path, frame, "wine.csv"), "target")
    config = load_config(config_path)
    changes = {t.metric for t in config.evaluation.thresholds or () if t.has_change}
    assert changes == {"accuracy", "balanced_accuracy"}
    assert config.tuning is not None and config.tuning.metric == "balanced_accuracy"
    assert config.tuning.direction == "higher_is_better"
    assert (
        "gate: balanced_accuracy at least 0.38; accuracy not worse than production; "
        "balanced_accuracy not worse than production"
    ) in adoption.lines()


def test_the_relaxation_example_names_the_adopted_tables_feature(
    project: Path, tmp_path: Path
) -> None:
    """After adopting, the config's commented example no longer names the
    previous table's column."""
    config_path = project / "configs" / "pipeline.toml"
    example = """# For example:
#
# [validation.features.island]
# extra_domain = ["Anvers"]
# min_domain_mass = 0.95

[validation.features.old]"""
    config_path.write_text(
        STARTING_CONFIG.replace("[validation.features.old]", example)
    )
    frame = load_wine(as_frame=True).frame.astype({"target": str})
    adopt(config_path, write_table(tmp_path, frame, "wine.csv"), "target")
    text = config_path.read_text(encoding="utf-8")
    assert "island" not in text and "Anvers" not in text
    assert "# [validation.features.alcohol]\n# min = 0.0\n" in text
    load_config(config_path)


def test_a_search_of_the_old_task_is_fitted_to_the_new_one(
    project: Path, tmp_path: Path
) -> None:
    config_path = project / "configs" / "pipeline.toml"
    config_path.write_text(STARTING_CONFIG + """
[tuning]
metric = "log_loss"
direction = "lower_is_better"

[tuning.space]
max_depth = { type = "int", low = 2, high = 8 }
class_weight = { choices = ["balanced"] }
""")
    frame = load_diabetes(as_frame=True, scaled=False).frame
    adoption = adopt(config_path, write_table(tmp_path, frame, "d.csv"), "target")
    tuning = load_config(config_path).tuning
    assert tuning is not None and tuning.metric == "root_mean_squared_error"
    assert tuning.direction == "lower_is_better"
    assert [dimension.name for dimension in tuning.space] == ["max_depth"]
    lines = adoption.lines()
    assert (
        "[tuning] metric = 'root_mean_squared_error': the search optimises what the "
        "gate compares with production"
    ) in lines
    assert "[tuning.space] dropped class_weight: not a parameter" in lines
    assert (
        misfits("sklearn.ensemble.RandomForestRegressor", "regression", ["max_depth"])
        == []
    )
    text = config_path.read_text().replace("max_depth = {", "class_weight = {")
    config_path.write_text(text)  # now no parameter a regressor takes
    adoption = adopt(config_path, write_table(tmp_path, frame, "d.csv"), "target")
    assert load_config(config_path).tuning is None
    assert "[tuning] removed: no parameter left to search" in adoption.lines()


def test_adopt_rewrites_the_project_inside_the_production_lock(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adopt and every promotion take the same lock: a run never promotes half-way
    through an adopt, nor an adopt retires production half-way through a promotion."""
    table = write_table(tmp_path, load_wine(as_frame=True).frame, "wine.csv")
    seen: list[bool] = []
    retire = adopt_module._retire_production

    def retiring(models: Path) -> Path | None:
        seen.append(lock_is_taken(models))
        return retire(models)

    monkeypatch.setattr(adopt_module, "_retire_production", retiring)
    adopt(project / "configs" / "pipeline.toml", table, "target")
    assert seen == [True]
    assert not lock_is_taken(project / "models")
