"""Adopting a table, then running it: the project's CLI and Pipeline on what
research_guards.adopt wrote (adopt's decisions, its refusals and its race with a
run are tested in the library's suite)."""

from pathlib import Path

import pytest
from research_guards.config import load_config
from sklearn.datasets import load_wine

from {{ cookiecutter.module_name }}.cli import main
from {{ cookiecutter.module_name }}.pipeline import Pipeline


def test_an_adopted_table_trains_is_promoted_and_serves(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first run on the adopted table starts a new line of models: the old
    table's production was retired, so the gate is a rubber stamp."""
    project = config_path.parents[1]
    table = tmp_path / "wine.csv"
    load_wine(as_frame=True).frame.to_csv(table, index=False)
    old = project / "models" / "old-table"
    old.mkdir(parents=True)
    (project / "models" / "production").symlink_to("old-table")
    config = ["--config", str(config_path)]
    assert main(["adopt", str(table), "--label", "target", *config]) == 0
    printed = capsys.readouterr().out
    assert "task: classification, 178 labelled rows" in printed
    assert "then run `make pipeline`" in printed
    pipeline = Pipeline.from_config(load_config(config_path))
    result = pipeline.run()
    assert result.verdict.gate.validation_ok and result.release is not None
    assert result.verdict.gate.rubber_stamp  # the old table's model was retired
    assert old.is_dir()
    predicted = pipeline.predict(project / "data" / "wine_serving.csv")
    assert predicted["predicted_target"].isin([0, 1, 2]).all()
