"""Adopting a table, then running it: the project's Pipeline and CLI on what
research_guards.adopt wrote (adopt itself is tested in the library's suite)."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from research_guards.adopt import adopt
from research_guards.config import load_config
from sklearn.datasets import load_breast_cancer
from sklearn.datasets import load_diabetes
from sklearn.datasets import load_wine

from {{ cookiecutter.module_name }}.cli import main
from {{ cookiecutter.module_name }}.pipeline import Pipeline


@pytest.fixture
def project(config_path: Path) -> Path:
    """A project folder whose config names another table (conftest's)."""
    return config_path.parent.parent


def write_table(folder: Path, frame: pd.DataFrame, name: str) -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def test_an_adopted_table_trains_is_promoted_and_serves(
    project: Path, tmp_path: Path
) -> None:
    """The first run on the adopted table starts a new line of models: the old
    table's production was retired, so the gate is a rubber stamp."""
    table = write_table(tmp_path, load_wine(as_frame=True).frame, "wine.csv")
    config_path = project / "configs" / "pipeline.toml"
    old = project / "models" / "old-table"
    old.mkdir(parents=True)
    (project / "models" / "production").symlink_to("old-table")
    adopt(config_path, table, "target")
    config = load_config(config_path)
    result = Pipeline.from_config(config).run()
    assert result.verdict.gate.validation_ok and result.release is not None
    assert result.verdict.gate.rubber_stamp  # the old table's model was retired
    assert old.is_dir()
    predicted = Pipeline.from_config(config).predict(
        project / "data" / "wine_serving.csv"
    )
    assert predicted["predicted_target"].isin([0, 1, 2]).all()


def test_an_adopted_regression_table_is_evaluated_per_slice(
    project: Path, tmp_path: Path
) -> None:
    frame = load_diabetes(as_frame=True, scaled=False).frame
    config_path = project / "configs" / "pipeline.toml"
    adopt(config_path, write_table(tmp_path, frame, "diabetes.csv"), "target")
    result = Pipeline.from_config(load_config(config_path)).run()
    assert result.metrics["overall"]["r2"] > 0.2
    assert {"sex=1.0", "sex=2.0"} <= set(result.metrics)


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
