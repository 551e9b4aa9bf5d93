"""Adopting a table the project never saw: scikit-learn's own real tables (shipped in
its wheel), and small hand-made ones for the refusals."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import lock_is_taken
from research_guards.config import load_config
from research_guards.datatypes import Task
from research_guards.errors import DataError
from sklearn.datasets import load_breast_cancer
from sklearn.datasets import load_diabetes
from sklearn.datasets import load_wine

from {{ cookiecutter.module_name }} import adopt as adopt_module
from {{ cookiecutter.module_name }}.adopt import adopt
from {{ cookiecutter.module_name }}.adopt import infer_task
from {{ cookiecutter.module_name }}.cli import main
from {{ cookiecutter.module_name }}.pipeline import Pipeline

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

    result = Pipeline.from_config(config).run()
    assert result.verdict.gate.validation_ok and result.release is not None
    assert result.verdict.gate.rubber_stamp  # the old table's model was retired
    assert (project / "models" / "old-table").is_dir()
    assert f"retired models/production (it stays in {old})" in "\n".join(
        adoption.lines()
    )
    predicted = Pipeline.from_config(config).predict(
        project / "data" / "wine_serving.csv"
    )
    assert predicted["predicted_target"].isin([0, 1, 2]).all()


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
    result = Pipeline.from_config(config).run()
    assert result.metrics["overall"]["r2"] > 0.2
    assert {"sex=1.0", "sex=2.0"} <= set(result.metrics)


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


def test_the_cli_refuses_an_unreadable_file_in_one_line(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "table.csv"
    binary.write_bytes(bytes(range(256)))
    config = str(project / "configs" / "pipeline.toml")
    code = main(["adopt", str(binary), "--label", "x", "--config", config])
    assert code == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_the_cli_prints_what_adopt_decided(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = load_wine(as_frame=True).frame
    table = write_table(tmp_path, frame, "wine.csv")
    config = str(project / "configs" / "pipeline.toml")
    assert main(["adopt", str(table), "--label", "target", "--config", config]) == 0
    printed = capsys.readouterr().out
    assert "task: classification, 178 labelled rows" in printed
    assert "then run `make pipeline`" in printed


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
    assert "[tuning] metric = 'root_mean_squared_error'" in lines
    assert "[tuning.space] dropped class_weight: not a parameter" in lines
    assert Pipeline.from_config(load_config(config_path)).tuner is not None
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


def test_a_run_racing_an_adopt_does_not_promote_a_model_of_the_old_table(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: adopt retired production, then a run that started on the old table
    promoted its model under the new config, and predict failed. The run now finds
    the project changed when it would promote, and leaves production alone."""
    config_path = project / "configs" / "pipeline.toml"
    wine = write_table(tmp_path, load_wine(as_frame=True).frame, "wine.csv")
    adopt(config_path, wine, "target")
    loaded = load_config(config_path)
    Pipeline.from_config(loaded).run()  # production: a wine model
    frame = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 2, 3, -1]]
    cancer = write_table(tmp_path, frame, "cancer.csv")
    pipeline = Pipeline.from_config(loaded).watch(config_path, loaded)
    train = pipeline.trainer.train

    def adopting_meanwhile(*args: Any) -> Any:
        trained = train(*args)
        adopt(config_path, cancer, "target")  # while the wine run is training
        return trained

    monkeypatch.setattr(pipeline.trainer, "train", adopting_meanwhile)
    result = pipeline.run()
    assert result.release is None
    assert result.withheld == f"{config_path} changed during the run"
    assert not (project / "models" / "production").exists()  # as adopt left it
    record = json.loads((result.run_dir / "record.json").read_text(encoding="utf-8"))
    assert record["promotion"] == "withheld" and record["promoted"] is False
    after = Pipeline.from_config(load_config(config_path)).run()  # the new table
    assert after.release is not None


def test_a_table_of_mostly_blank_numbers_runs_end_to_end_without_a_traceback(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 22: on a real table with most numeric columns mostly blank, the skew
    noise was infinite and the record could not be written (after promotion). Every
    number in the record is finite or null with its reason beside it."""
    generator = np.random.default_rng(0)
    rows = 240
    frame = pd.DataFrame(
        {"a": generator.normal(0, 1, rows), "b": generator.normal(5, 2, rows)}
    )
    for column in range(10):
        values = generator.normal(column, 1 + column, rows)
        blank = 0.97 if column % 3 == 0 else 0.85
        values[generator.random(rows) < blank] = np.nan
        frame[f"sparse{column}"] = values
    frame["once"] = np.nan
    frame.loc[5, "once"] = 3.0
    score = frame["a"] + 0.5 * frame["b"] + generator.normal(0, 0.5, rows)
    frame["label"] = np.where(score > 2.5, "yes", "no")
    table = write_table(tmp_path, frame, "blank.csv")
    config = str(project / "configs" / "pipeline.toml")
    assert main(["adopt", str(table), "--label", "label", "--config", config]) == 0
    code = main(["run", "--config", config])
    captured = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in captured.err + captured.out
    (path,) = (project / "runs").glob("*/record.json")

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} in the record")

    record = json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)
    noise = {c["feature"]: c for c in record["data_checks"]["skew"]}["once"]
    assert noise["noise"] is None and "one side has no values" in noise["noise_note"]
    assert main(["runs", "--config", config]) == 0
