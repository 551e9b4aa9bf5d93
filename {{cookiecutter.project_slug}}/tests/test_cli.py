import runpy
import shutil
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.module_name }}.cli import main


@pytest.fixture
def project_copy(config_path: Path, tmp_path: Path) -> Path:
    """The project's config, data and schema copied, so outputs land in tmp_path."""
    for folder in ("configs", "data", "schema"):
        shutil.copytree(config_path.parents[1] / folder, tmp_path / folder)
    return tmp_path / "configs" / config_path.name


@pytest.mark.parametrize("command", [[], ["run"], ["predict"]])
def test_every_command_has_help(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "--config" in capsys.readouterr().out or not command


def test_run_then_predict(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_copy)]
    assert main(["run", *config]) == 0
    assert "accuracy=" in capsys.readouterr().out
    assert (tmp_path / "models" / "model.joblib").is_file()
    output = tmp_path / "out" / "predictions.csv"
    rows = str(tmp_path / "data" / "sample" / "new_penguins.csv")
    assert main(["predict", rows, *config, "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8").count("\n") == 11


def test_user_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(tmp_path / "absent.toml")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1


def test_python_dash_m(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["{{ cookiecutter.module_name }}", "--help"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("{{ cookiecutter.module_name }}", run_name="__main__")
    assert exited.value.code == 0
