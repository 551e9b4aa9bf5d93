import importlib.abc
import json
import os
import re
import runpy
import sys
from pathlib import Path

import pytest
from conftest import LABEL
from conftest import ROWS
from conftest import SERVING_ROWS
from conftest import table
from conftest import write_project
from research_guards.data_validation import Schema

from {{ cookiecutter.module_name }}.cli import main
from {{ cookiecutter.module_name }}.pipeline import Pipeline


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs whose default is relative to the working folder (predictions.csv,
    reports/statistics.html) land in tmp_path, never in the project."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def no_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing the evaluation page takes a second and is tested on its own (here in
    test_run_then_predict); the other commands are tested without it."""
    monkeypatch.setattr(Pipeline, "write_report", lambda self, result: None)


@pytest.fixture
def project_config(tmp_path: Path) -> Path:
    """A multiclass project whose outputs all land in tmp_path."""
    return write_project(tmp_path, "multiclass")


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["tune"],
        ["evaluate"],
        ["runs"],
        ["predict"],
        ["adopt"],
        ["infer-schema"],
        ["validate-data"],
        ["stats"],
    ],
)
def test_every_command_has_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "--config" in capsys.readouterr().out or not command


def test_run_then_predict(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_config)]
    assert main(["run", *config]) == 0
    printed = capsys.readouterr().out
    assert f"task: classification of '{LABEL}'" in printed
    assert "promoted to production" in printed and "dropped" not in printed
    assert (tmp_path / "reports" / "evaluation.html").is_file()
    assert (tmp_path / "models" / "production" / "model.joblib").is_file()
    output = tmp_path / "out" / "predictions.csv"
    rows = str(tmp_path / "data" / "serving.csv")
    assert main(["predict", rows, *config, "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8").count("\n") == SERVING_ROWS + 1
    assert main(["predict", rows, *config, "--output", str(tmp_path)]) == 2
    assert capsys.readouterr().err.endswith("is a folder: name a file to write\n")


@pytest.mark.usefixtures("no_drawing")
def test_predict_defaults_to_the_configs_serving_rows(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_config)]
    assert main(["predict", *config]) == 2
    assert "run `make pipeline` first" in capsys.readouterr().err
    assert main(["run", "--no-promote", *config]) == 0
    assert "not released (--no-promote: an experiment)" in capsys.readouterr().out
    assert not (tmp_path / "models" / "production").exists()
    assert main(["run", *config]) == 0
    assert main(["predict", *config]) == 0
    written = tmp_path / "predictions.csv"
    assert f"{SERVING_ROWS} predictions written to predictions.csv" in (
        capsys.readouterr().out
    )
    header = written.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(f",predicted_{LABEL},model_version")
    text = project_config.read_text(encoding="utf-8")
    project_config.write_text(
        text.replace('serving = "../data/serving.csv"\n', ""), encoding="utf-8"
    )
    assert main(["predict", *config]) == 2
    assert "set [data] serving in the config" in capsys.readouterr().err


def use_dummy(project_config: Path) -> None:
    """The config's estimator becomes a constant guess, which the gate refuses."""
    text = project_config.read_text(encoding="utf-8")
    dummy = re.sub(
        r'\nestimator = "[^"]*"', '\nestimator = "sklearn.dummy.DummyClassifier"', text
    )
    dummy = re.sub(r"(?m)^\[model\.params\][^\[]*", "", dummy)
    project_config.write_text(dummy, encoding="utf-8")


@pytest.mark.usefixtures("no_drawing")
def test_predict_after_a_refused_first_run_says_the_gate_refused_it(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ "Run make pipeline first" after the user just did would send them round
    again; the gate's refusal is the news, and `make runs` shows why."""
    config = ["--config", str(project_config)]
    use_dummy(project_config)
    assert main(["run", *config]) == 1  # refused even as a rubber stamp
    capsys.readouterr()
    assert main(["predict", *config]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "no model has been promoted yet: the gate refused 1 of 1 runs" in line
    assert "`make runs`" in line and "evaluation.html" in line
    assert "make pipeline` first" not in line
    assert not (tmp_path / "models" / "production").exists()


@pytest.mark.usefixtures("no_drawing")
def test_a_refused_model_exits_1_and_runs_lists_it(
    project_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_config)]
    assert main(["runs", *config]) == 0
    assert "no runs recorded yet" in capsys.readouterr().out
    assert main(["run", *config]) == 0
    assert "(rubber stamp)" in capsys.readouterr().out
    use_dummy(project_config)
    assert main(["run", *config]) == 1
    printed = capsys.readouterr().out
    assert "gate: overall: accuracy" in printed
    assert "refused: production unchanged" in printed
    assert main(["runs", *config]) == 0
    header, blessed, refused = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["run", "accuracy", "f1_macro"]
    assert header.split()[-3:] == ["blessed", "promoted", "serving"]
    assert blessed.split()[-3:] == ["True", "True", "True"]
    assert refused.split()[-3:] == ["False", "False", "False"]
    candidate = ["--candidate", str(project_config.parents[1] / "runs" / "absent")]
    assert main(["evaluate", *candidate, *config]) == 2


@pytest.mark.usefixtures("no_drawing")
def test_evaluate_promotes_a_blessed_saved_model_when_asked(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_config)]
    assert main(["run", "--no-promote", *config]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    capsys.readouterr()
    assert main(["evaluate", "--candidate", str(run_dir), *config]) == 0
    assert "not released (pass --promote)" in capsys.readouterr().out
    assert main(["evaluate", "--candidate", str(run_dir), "--promote", *config]) == 0
    assert "promoted to production" in capsys.readouterr().out
    assert (tmp_path / "models" / "production").resolve().name == run_dir.name


@pytest.mark.usefixtures("no_drawing")
def test_evaluating_a_run_of_another_table_names_what_it_needs(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an adopt, a run of the old table is not a candidate for the new one: one
    line naming the columns it needs, exit 2, production untouched."""
    config = ["--config", str(project_config)]
    assert main(["run", "--no-promote", *config]) == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    adopted = table("multiclass").drop(columns=["width"])
    adopted.to_csv(tmp_path / "data" / "table.csv", index=False)
    Schema.infer_from(adopted, LABEL).write(tmp_path / "schema" / "schema.json")
    text = project_config.read_text(encoding="utf-8")
    project_config.write_text(text.replace('"width", ', ""), encoding="utf-8")
    capsys.readouterr()
    candidate = ["--candidate", str(run_dir), "--promote"]
    assert main(["evaluate", *candidate, *config]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"error: {run_dir}: the candidate needs columns ['width']")
    assert not (tmp_path / "models" / "production").exists()


@pytest.mark.usefixtures("no_drawing")
def test_a_regression_run_reports_dropped_rows_and_its_own_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = table("regression")
    frame.loc[:3, LABEL] = None
    config = ["--config", str(write_project(tmp_path / "gaps", "regression", frame))]
    assert main(["run", *config]) == 0
    printed = capsys.readouterr().out
    assert f"task: regression of '{LABEL}'" in printed
    assert "dropped 4 rows without a label" in printed
    assert main(["runs", *config]) == 0
    header = capsys.readouterr().out.splitlines()[0].split()
    assert header[1:4] == ["root_mean_squared_error", "mean_absolute_error", "r2"]


def test_user_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(tmp_path / "absent.toml")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1


def test_validate_data_exit_codes(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_config)]
    data = tmp_path / "data" / "table.csv"
    assert main(["validate-data", str(data), *config]) == 0
    assert "no anomalies (training)" in capsys.readouterr().out
    assert main(["validate-data", *config]) == 0  # the config's training data
    assert f"{data}: no anomalies (training)" in capsys.readouterr().out

    corrupted = tmp_path / "corrupted.csv"
    corrupted.write_text(
        data.read_text(encoding="utf-8").replace("north", "atlantis"),
        encoding="utf-8",
    )
    assert main(["validate-data", str(corrupted), *config]) == 1
    printed = capsys.readouterr().out
    assert "site: ENUM_TYPE_UNEXPECTED_STRING_VALUES: observed 'atlantis'" in printed

    drift = ["--baseline", str(data)]
    assert main(["validate-data", str(data), *config, *drift]) == 0
    assert "drift site: L-infinity distance 0.0000" in capsys.readouterr().out

    assert main(["validate-data", str(tmp_path / "absent.csv"), *config]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_serving_rows_without_label_are_clean(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "data" / "serving.csv"
    config = ["--config", str(project_config)]
    assert main(["validate-data", "--env", "serving", *config]) == 0
    assert f"{rows}: no anomalies (serving)" in capsys.readouterr().out
    assert main(["validate-data", str(rows), *config]) == 1
    assert f"{LABEL}: SCHEMA_MISSING_COLUMN" in capsys.readouterr().out


def test_run_on_bad_data_exits_1(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data" / "table.csv"
    data.write_text(data.read_text().replace("north", "atlantis"), encoding="utf-8")
    assert main(["run", "--config", str(project_config)]) == 1
    assert "nothing trained" in capsys.readouterr().err
    assert not (tmp_path / "models").exists()


def test_infer_schema_then_refuse_to_overwrite(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema" / "schema.json"
    schema.write_text('{"reviewed": true}', encoding="utf-8")
    assert main(["infer-schema", "--config", str(project_config)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert schema.read_text(encoding="utf-8") == '{"reviewed": true}'
    assert main(["infer-schema", "--force", "--config", str(project_config)]) == 0
    inferred = json.loads(schema.read_text(encoding="utf-8"))
    assert inferred["label"] == LABEL and len(inferred["features"]) == 6


def test_stats_writes_one_page(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    files = [str(data / "table.csv"), str(data / "serving.csv")]
    output = tmp_path / "pages" / "statistics.html"
    arguments = ["stats", *files, "--output", str(output)]
    assert main([*arguments, "--config", str(project_config)]) == 0
    assert f"statistics written to {output}" in capsys.readouterr().out
    page = output.read_text(encoding="utf-8")
    assert f"table.csv: {ROWS} rows, serving.csv: {SERVING_ROWS} rows" in page
    assert main(["stats", "--config", str(project_config)]) == 0  # the defaults
    page = (tmp_path / "reports" / "statistics.html").read_text(encoding="utf-8")
    assert f"table.csv: {ROWS} rows, serving.csv: {SERVING_ROWS} rows" in page


@pytest.mark.parametrize("command", [["stats"], ["predict"]])
def test_an_output_that_is_a_folder_is_refused_before_the_work(
    command: list[str],
    project_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """stats once computed every statistic, then died on IsADirectoryError; predict
    is refused here before it looks for a model (there is none)."""
    arguments = [*command, "--output", str(tmp_path / "data")]
    assert main([*arguments, "--config", str(project_config)]) == 2
    error = capsys.readouterr().err
    assert error == f"error: {tmp_path / 'data'}: is a folder: name a file to write\n"


@pytest.mark.parametrize(
    ("place", "message"),
    [
        ("models", "[output] models = '../models': "),
        ("runs", "[output] runs = '../runs': "),
        ("models/.lock", "is a folder, not the lock file a run takes"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["run", "--no-promote"], ["runs"]])
def test_an_output_in_the_way_is_one_line_before_anything_is_fitted(
    place: str,
    message: str,
    command: list[str],
    project_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A file where models/ or runs/ belongs, or a folder where the lock file does,
    was a traceback (after training); `runs` said "no runs recorded yet"."""
    blocked = tmp_path / place
    if place.endswith(".lock"):
        blocked.mkdir(parents=True)
    else:
        blocked.write_text("a file", encoding="utf-8")
    code = main([*command, "--config", str(project_config)])
    if command == ["runs"] and place.endswith(".lock"):
        assert code == 0  # listing runs takes no lock
        return
    assert code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert not any((tmp_path / "runs").glob("*/model.joblib"))  # nothing fitted


@pytest.mark.usefixtures("no_drawing")
def test_an_experiment_is_not_rubber_stamped_when_production_is_a_file(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "production").write_text("a file", encoding="utf-8")
    assert main(["run", "--no-promote", "--config", str(project_config)]) == 2
    error = capsys.readouterr().err
    assert "production is a real file, not a link" in error
    assert error.count("\n") == 1


def test_python_dash_m(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["{{ cookiecutter.module_name }}", "--help"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("{{ cookiecutter.module_name }}", run_name="__main__")
    assert exited.value.code == 0


class _InterruptedImport(importlib.abc.MetaPathFinder):
    """Ctrl-C arriving while the CLI's modules are imported."""

    def find_spec(self, name: str, *_: object) -> None:
        if name == "{{ cookiecutter.module_name }}.cli":
            raise KeyboardInterrupt


def test_ctrl_c_while_importing_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["{{ cookiecutter.module_name }}", "runs"])
    monkeypatch.delitem(sys.modules, "{{ cookiecutter.module_name }}.cli")
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("{{ cookiecutter.module_name }}", run_name="__main__")
    assert exited.value.code == 130
    captured = capsys.readouterr()
    assert captured.err == "interrupted while starting: nothing was read or written\n"
    assert captured.out == ""


def test_serving_validation_names_the_csv_lines_at_fault(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README promises it for validate-data as for predict."""
    rows = table("multiclass").drop(columns=[LABEL]).head(SERVING_ROWS)
    rows.loc[rows.index[3], "width"] = -1.0  # never negative in training
    broken = tmp_path / "broken.csv"
    rows.to_csv(broken, index=False)
    config = ["--config", str(project_config)]
    assert main(["validate-data", str(broken), "--env", "serving", *config]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == (
        "width: FLOAT_TYPE_SMALL_FLOAT: observed min -1 (line 5); allowed min 0"
    )


def test_ctrl_c_ends_in_one_line_that_says_what_was_written(
    project_config: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def interrupted(self: Pipeline, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Pipeline, "run", interrupted)
    assert main(["run", "--config", str(project_config)]) == 130
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("interrupted: ") and "nothing is half-written" in line


@pytest.mark.usefixtures("no_drawing")
def test_schema_and_predictions_are_written_whole_or_not_at_all(
    project_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's promise, which issue 12 found broken for the schema and the
    predictions: written beside the target, then renamed over it, so a kill before
    the rename leaves the old file byte for byte and no stray temporary file."""
    config = ["--config", str(project_config)]
    assert main(["run", *config]) == 0
    schema = tmp_path / "schema" / "schema.json"
    reviewed = json.dumps(json.loads(schema.read_text(encoding="utf-8")), indent=4)
    schema.write_text(reviewed, encoding="utf-8")  # what a new inference would not
    output = tmp_path / "predictions.csv"
    output.write_text("yesterday's predictions\n", encoding="utf-8")
    before = {path: path.read_bytes() for path in (schema, output)}

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    assert main(["predict", *config, "--output", str(output)]) == 130
    assert main(["infer-schema", "--force", *config]) == 130
    monkeypatch.undo()
    assert {path: path.read_bytes() for path in (schema, output)} == before
    assert list(schema.parent.glob(".*")) == []
    assert list(tmp_path.glob(".predictions.csv*")) == []


TUNING = """
[tuning]
trials = 3
folds = 3
metric = "accuracy"

[tuning.space]
C = { type = "float", low = 0.01, high = 10.0, log = true }
"""


@pytest.fixture
def tuned_config(project_config: Path) -> Path:
    text = project_config.read_text(encoding="utf-8")
    project_config.write_text(text + TUNING, encoding="utf-8")
    return project_config


@pytest.mark.usefixtures("no_drawing")
def test_tune_shows_progress_then_run_uses_the_best_and_runs_lists_it(
    tuned_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tune", "--config", str(tuned_config), "--trials", "2"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^trial 1 of 2: #0 accuracy \d\.\d{4}; best ", out, re.M)
    assert re.search(
        r"^trial 2 of 2: #1 accuracy .*; best \d\.\d{4} \(trial #", out, re.M
    )
    study = re.search(r"^best: trial #\d of study (tune-\w+) \(C=", out, re.M)
    assert study is not None and "on 3-fold CV" in out and "kept in " in out
    assert main(["run", "--config", str(tuned_config)]) == 0
    assert "tuned: trial #" in capsys.readouterr().out
    assert main(["runs", "--config", str(tuned_config)]) == 0
    listed = capsys.readouterr().out
    assert study.group(1) in listed and "cv_score" in listed and "C=" in listed


def test_ctrl_c_during_a_search_says_how_to_resume_in_one_line(
    tuned_config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scored = Pipeline.cv_score
    calls = []

    def interrupted(self: Pipeline, *args: object) -> float:
        calls.append(1)
        if len(calls) == 4:  # the second trial's first fold
            raise KeyboardInterrupt
        return scored(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Pipeline, "cv_score", interrupted)
    assert main(["tune", "--config", str(tuned_config)]) == 130
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert re.match(r"interrupted: 1 finished trial of study tune-\w+ kept in", error)
    assert "resumes it" in error
    monkeypatch.setattr(Pipeline, "cv_score", scored)
    assert main(["tune", "--config", str(tuned_config)]) == 0
    assert "trial 3 of 3: #3 " in capsys.readouterr().out  # #1 was cut short


@pytest.mark.usefixtures("no_drawing")
def test_after_switching_the_estimator_run_says_the_space_is_ignored_in_one_line(
    tuned_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tuned_config.read_text(encoding="utf-8")
    tree = "sklearn.tree.DecisionTreeClassifier"
    text = text.replace("sklearn.linear_model.LogisticRegression", tree)
    tuned_config.write_text(text.replace("C = 10.0", "max_depth = 4"), "utf-8")
    # Trained and judged (the gate's verdict on this tree is not the point): not 2.
    assert main(["run", "--config", str(tuned_config)]) in (0, 1)
    out = capsys.readouterr().out
    notes = [line for line in out.splitlines() if "[tuning.space]" in line]
    assert notes == [
        "[tuning.space] does not fit sklearn.tree.DecisionTreeClassifier (C is not "
        "a parameter of it): ignored, so run trains with [model.params] as written "
        "and tune refuses until the space is rewritten for it"
    ]
    assert "no search of this config" not in out
    assert main(["tune", "--config", str(tuned_config)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("error: [tuning.space] 'C' is not a parameter of ")


def test_tune_without_a_tuning_table_is_one_line(
    project_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tune", "--config", str(project_config)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no [tuning] table" in error
