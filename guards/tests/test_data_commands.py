"""The data commands as a repository's CLI adds them (infer-schema, validate-data,
stats): their exit codes, one-line refusals and the files they write; and Ctrl-C in
any command ending in one line and exit 130, with nothing half-written."""

import json
import os
from pathlib import Path

import pytest
from conftest import LABEL
from conftest import ROWS
from conftest import SERVING_ROWS
from conftest import table

from research_guards.cli import EXIT_INTERRUPTED
from research_guards.cli import add_data_commands
from research_guards.cli import command_parser
from research_guards.cli import dispatch


def main(*argv: str) -> int:
    """The data commands, parsed and dispatched as a repository's CLI does."""
    parser, command = command_parser("prog", "The data commands.")
    return dispatch(add_data_commands(command), parser.parse_args(argv))


@pytest.fixture
def folder(config_path: Path) -> Path:
    """The project folder: data/, schema/ and configs/ of conftest's project."""
    return config_path.parents[1]


def test_validate_data_exits_0_clean_1_on_anomalies_2_on_unusable_input(
    config_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ("--config", str(config_path))
    data = folder / "data" / "table.csv"
    assert main("validate-data", str(data), *config) == 0
    assert "no anomalies (training)" in capsys.readouterr().out
    assert main("validate-data", *config) == 0  # the config's training data
    assert f"{data}: no anomalies (training)" in capsys.readouterr().out
    corrupted = folder / "corrupted.csv"
    text = data.read_text(encoding="utf-8")
    corrupted.write_text(text.replace("north", "atlantis"), encoding="utf-8")
    assert main("validate-data", str(corrupted), *config) == 1
    printed = capsys.readouterr().out
    assert "site: ENUM_TYPE_UNEXPECTED_STRING_VALUES: observed 'atlantis'" in printed
    assert main("validate-data", str(data), *config, "--baseline", str(data)) == 0
    assert "drift site: L-infinity distance 0.0000" in capsys.readouterr().out
    assert main("validate-data", str(folder / "absent.csv"), *config) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main("validate-data", *config, "--scheduler", "tcp://host:8786") == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err


def test_serving_rows_are_checked_without_the_label_and_named_by_line(
    config_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ("--config", str(config_path))
    rows = folder / "data" / "serving.csv"
    assert main("validate-data", "--env", "serving", *config) == 0
    assert f"{rows}: no anomalies (serving)" in capsys.readouterr().out
    assert main("validate-data", str(rows), *config) == 1  # as training: no label
    assert f"{LABEL}: SCHEMA_MISSING_COLUMN" in capsys.readouterr().out
    broken = table("multiclass").drop(columns=[LABEL]).head(SERVING_ROWS)
    broken.loc[broken.index[3], "width"] = -1.0  # never negative in training
    broken.to_csv(folder / "broken.csv", index=False)
    serving = ("--env", "serving", *config)
    assert main("validate-data", str(folder / "broken.csv"), *serving) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line == (
        "width: FLOAT_TYPE_SMALL_FLOAT: observed min -1 (line 5); allowed min 0"
    )
    text = config_path.read_text(encoding="utf-8")
    without = text.replace('serving = "../data/serving.csv"\n', "")
    config_path.write_text(without, encoding="utf-8")
    assert main("validate-data", *serving) == 2
    assert "set [data] serving in the config" in capsys.readouterr().err


def test_infer_schema_refuses_to_overwrite_and_a_cut_write_keeps_the_old_file(
    config_path: Path,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C before the rename (the last step of every write) leaves the reviewed
    schema byte for byte, no temporary file beside it, and one line."""
    config = ("--config", str(config_path))
    schema = folder / "schema" / "schema.json"
    schema.write_text('{"reviewed": true}', encoding="utf-8")
    assert main("infer-schema", *config) == 2
    assert "pass --force" in capsys.readouterr().err

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", killed)
    assert main("infer-schema", "--force", *config) == EXIT_INTERRUPTED
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("interrupted: ") and "nothing is half-written" in line
    monkeypatch.undo()
    assert schema.read_text(encoding="utf-8") == '{"reviewed": true}'
    assert list(schema.parent.glob(".*")) == []
    assert main("infer-schema", "--force", *config) == 0
    inferred = json.loads(schema.read_text(encoding="utf-8"))
    assert inferred["label"] == LABEL and len(inferred["features"]) == 6


def test_stats_writes_one_page_of_both_tables_and_refuses_a_folder_first(
    config_path: Path,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """By default the config's training data overlaid with its serving rows, in
    reports/ of the working folder; a folder as --output is refused before any
    statistic is computed."""
    monkeypatch.chdir(folder)
    config = ("--config", str(config_path))
    assert main("stats", *config, "--output", str(folder / "data")) == 2
    error = capsys.readouterr().err
    assert error == f"error: {folder / 'data'}: is a folder: name a file to write\n"
    assert main("stats", *config) == 0
    page = folder / "reports" / "statistics.html"
    assert f"statistics written to {Path('reports/statistics.html')}" in (
        capsys.readouterr().out
    )
    text = page.read_text(encoding="utf-8")
    assert f"table.csv: {ROWS} rows, serving.csv: {SERVING_ROWS} rows" in text
