import json
import re
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


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["evaluate"],
        ["runs"],
        ["predict"],
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
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_copy)]
    assert main(["run", *config]) == 0
    assert "promoted to production" in capsys.readouterr().out
    assert (tmp_path / "reports" / "evaluation.html").is_file()
    assert (tmp_path / "models" / "production" / "model.joblib").is_file()
    output = tmp_path / "out" / "predictions.csv"
    rows = str(tmp_path / "data" / "sample" / "new_penguins.csv")
    assert main(["predict", rows, *config, "--output", str(output)]) == 0
    assert output.read_text(encoding="utf-8").count("\n") == 11
    assert main(["predict", rows, *config, "--output", str(tmp_path)]) == 2
    assert capsys.readouterr().err.endswith("cannot write (Is a directory)\n")


def test_a_refused_model_exits_1_and_runs_lists_it(
    project_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_copy)]
    assert main(["runs", *config]) == 0
    assert "no runs recorded yet" in capsys.readouterr().out
    assert main(["run", *config]) == 0
    assert "(rubber stamp)" in capsys.readouterr().out
    text = project_copy.read_text(encoding="utf-8")
    dummy = re.sub(
        r'\nestimator = "[^"]*"', '\nestimator = "sklearn.dummy.DummyClassifier"', text
    )
    dummy = re.sub(r"(?m)^\[model\.params\][^\[]*", "", dummy)  # tuned or not
    project_copy.write_text(dummy, encoding="utf-8")
    assert main(["run", *config]) == 1
    printed = capsys.readouterr().out
    assert "gate: overall: accuracy" in printed
    assert "refused: production unchanged" in printed
    assert main(["runs", *config]) == 0
    header, blessed, refused = capsys.readouterr().out.splitlines()
    assert header.split()[-3:] == ["blessed", "promoted", "serving"]
    assert blessed.split()[-3:] == ["True", "True", "True"]
    assert refused.split()[-3:] == ["False", "False", "False"]
    candidate = ["--candidate", str(project_copy.parents[1] / "runs" / "absent")]
    assert main(["evaluate", *candidate, *config]) == 2


def test_user_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--config", str(tmp_path / "absent.toml")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1


def test_validate_data_exit_codes(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(project_copy)]
    sample = tmp_path / "data" / "sample" / "penguins.csv"
    assert main(["validate-data", str(sample), *config]) == 0
    assert "no anomalies (training)" in capsys.readouterr().out

    corrupted = tmp_path / "corrupted.csv"
    corrupted.write_text(
        sample.read_text(encoding="utf-8").replace("Dream", "Atlantis"),
        encoding="utf-8",
    )
    assert main(["validate-data", str(corrupted), *config]) == 1
    printed = capsys.readouterr().out
    assert "island: ENUM_TYPE_UNEXPECTED_STRING_VALUES: observed 'Atlantis'" in printed

    drift = ["--baseline", str(sample)]
    assert main(["validate-data", str(sample), *config, *drift]) == 0
    assert "drift island: L-infinity distance 0.0000" in capsys.readouterr().out

    assert main(["validate-data", str(tmp_path / "absent.csv"), *config]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_serving_rows_without_label_are_clean(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "data" / "sample" / "new_penguins.csv"
    arguments = ["validate-data", str(rows), "--env", "serving"]
    assert main([*arguments, "--config", str(project_copy)]) == 0
    assert main(["validate-data", str(rows), "--config", str(project_copy)]) == 1
    assert "species: SCHEMA_MISSING_COLUMN" in capsys.readouterr().out


def test_run_on_bad_data_exits_1(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "data" / "sample" / "penguins.csv"
    sample.write_text(sample.read_text().replace("Dream", "Atlantis"), encoding="utf-8")
    assert main(["run", "--config", str(project_copy)]) == 1
    assert "nothing trained" in capsys.readouterr().err
    assert not (tmp_path / "models").exists()


def test_infer_schema_then_refuse_to_overwrite(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema" / "schema.json"
    schema.write_text('{"reviewed": true}', encoding="utf-8")
    assert main(["infer-schema", "--config", str(project_copy)]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert schema.read_text(encoding="utf-8") == '{"reviewed": true}'
    assert main(["infer-schema", "--force", "--config", str(project_copy)]) == 0
    inferred = json.loads(schema.read_text(encoding="utf-8"))
    assert inferred["label"] == "species" and len(inferred["features"]) == 8


def test_stats_writes_one_page(
    project_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = tmp_path / "data" / "sample"
    files = [str(sample / "penguins.csv"), str(sample / "new_penguins.csv")]
    output = tmp_path / "reports" / "statistics.html"
    arguments = ["stats", *files, "--output", str(output)]
    assert main([*arguments, "--config", str(project_copy)]) == 0
    assert f"statistics written to {output}" in capsys.readouterr().out
    page = output.read_text(encoding="utf-8")
    assert "penguins.csv: 344 rows, new_penguins.csv: 10 rows" in page


def test_python_dash_m(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["{{ cookiecutter.module_name }}", "--help"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("{{ cookiecutter.module_name }}", run_name="__main__")
    assert exited.value.code == 0
