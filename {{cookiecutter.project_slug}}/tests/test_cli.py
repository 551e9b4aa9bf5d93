"""The project's CLI: every command is there with its help, `python -m` runs it, a
run then predict go through the project's Pipeline, and a run whose config changed
under it is not promoted. What each command prints and its exit codes are the
standard's (research_guards.cli and .commands), tested once in its own suite."""

import importlib.abc
import json
import runpy
import signal
import subprocess
import sys
from pathlib import Path
from subprocess import PIPE
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request
from urllib.request import urlopen

import pytest
from conftest import LABEL
from conftest import SERVING_ROWS
from conftest import write_project
from research_guards.release import Release
from research_guards.release import RunResult

from {{ cookiecutter.module_name }}.cli import main
from {{ cookiecutter.module_name }}.cli import pipeline_from
from {{ cookiecutter.module_name }}.trainer import Trainer


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs whose default is relative to the working folder (predictions.csv,
    reports/statistics.html) land in tmp_path, never in the project."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The run ids whose evaluation page the commands asked for. Drawing a page
    takes seconds and is the standard's, tested in its own suite: here only the
    asking is."""
    asked: list[str] = []

    def drawing(self: Release, result: RunResult) -> Path:
        asked.append(result.run_id)
        return self.config.output.reports / "evaluation.html"

    monkeypatch.setattr(Release, "write_report", drawing)
    return asked


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
        ["score"],
        ["whatif"],
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


def test_run_then_predict_and_score(
    project_config: Path,
    tmp_path: Path,
    pages: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = ["--config", str(project_config)]
    assert main(["run", *config]) == 0
    printed = capsys.readouterr().out
    assert f"task: classification of '{LABEL}'" in printed
    assert "promoted to production" in printed and "(rubber stamp)" in printed
    (run_id,) = pages
    assert f"report: {tmp_path / 'reports' / 'evaluation.html'}" in printed
    assert (tmp_path / "runs" / run_id / "record.json").is_file()
    assert (tmp_path / "models" / "production" / "model.joblib").is_file()
    assert main(["predict", *config]) == 0  # the config's serving rows
    assert f"{SERVING_ROWS} predictions written to predictions.csv" in (
        capsys.readouterr().out
    )
    header = (tmp_path / "predictions.csv").read_text(encoding="utf-8").splitlines()
    assert header[0].endswith(f",predicted_{LABEL},model_version")
    assert len(header) == SERVING_ROWS + 1
    assert main(["runs", *config]) == 0
    assert "accuracy" in capsys.readouterr().out
    runs = sorted((tmp_path / "runs").iterdir())
    assert main(["score", str(tmp_path / "data" / "table.csv"), *config]) == 0
    scored = capsys.readouterr().out
    assert scored.startswith(f"served model {run_id} on ")
    assert "nothing trained, recorded or promoted" in scored
    assert main(["score", str(tmp_path / "data" / "serving.csv"), *config]) == 1
    assert f"{LABEL}: SCHEMA_MISSING_COLUMN" in capsys.readouterr().err
    assert sorted((tmp_path / "runs").iterdir()) == runs


def test_whatif_serves_the_production_model_and_stops_on_ctrl_c(
    project_config: Path, tmp_path: Path, pages: list[str]
) -> None:
    """The What-If page on this project's Pipeline: its evaluation rows and the
    production model, answered over HTTP, a bad row refused with a 400, and Ctrl-C
    stopping it with one line. The page, its views and its server are the
    standard's, tested in its own suite (in a browser too)."""
    config = ["--config", str(project_config)]
    assert main(["run", *config]) == 0
    command = [sys.executable, "-m", "{{ cookiecutter.module_name }}", "whatif"]
    server = subprocess.Popen(
        [*command, "--port", "0", *config], stdout=PIPE, stderr=PIPE, text=True
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("What-If page on http://127.0.0.1:"), line
        address = line.split()[3]
        with urlopen(address + "api/meta", timeout=30) as answer:
            meta = json.load(answer)
        assert meta["models"]["production"]["version"] == pages[0]
        with urlopen(address + "api/table", timeout=30) as answer:
            shown = json.load(answer)["rows"]
        pipeline = pipeline_from(project_config)  # the rows the gate judges by
        assert len(shown) == len(pipeline.evaluation_rows()) > 0
        assert pipeline.served().is_file()
        request = Request(
            address + "api/predict",
            json.dumps({"row": {"colour": "red"}}).encode(),
            {"Content-Type": "application/json"},
        )
        with pytest.raises(HTTPError) as refused:
            urlopen(request, timeout=30)
        refused.value.close()
        assert refused.value.code == 400
    finally:
        server.send_signal(signal.SIGINT)
        _, error = server.communicate(timeout=60)
    assert error == "stopped the What-If page\n" and server.returncode == 0


def test_a_run_whose_config_changed_under_it_is_not_promoted(
    project_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An adopt or an edit during a run makes the project another one: the CLI's
    Pipeline watches the config it loaded and withholds the release (exit 1)."""
    train = Trainer.train

    def editing(self: Trainer, *args: Any) -> Any:
        text = project_config.read_text(encoding="utf-8")
        project_config.write_text(text.replace("seed = 3", "seed = 4"), "utf-8")
        return train(self, *args)

    monkeypatch.setattr(Trainer, "train", editing)
    assert main(["run", "--config", str(project_config)]) == 1
    assert f"{project_config} changed during the run" in capsys.readouterr().out
    assert not (tmp_path / "models" / "production").exists()


def test_the_data_commands_check_the_projects_tables(
    project_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_config)]
    assert main(["validate-data", *config]) == 0
    assert "no anomalies (training)" in capsys.readouterr().out
    assert main(["validate-data", "--env", "serving", *config]) == 0
    assert main(["infer-schema", *config]) == 2  # a reviewed schema is kept
    assert "pass --force" in capsys.readouterr().err


def test_user_errors_are_one_line_and_exit_2(
    project_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(tmp_path / "absent.toml")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1
    assert main(["tune", "--config", str(project_config)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "no [tuning] table" in error


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
