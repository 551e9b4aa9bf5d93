"""The data stage without the Pipeline: the commands that check tables start without
scikit-learn, and several tables are read at once without ever outliving an error."""

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from research_guards import sources
from research_guards.config import PipelineConfig
from research_guards.data_check import DataCheck
from research_guards.data_validation import DataValidator
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.errors import ConfigError
from research_guards.errors import DataError

CHECKS_WITHOUT_MODELS = """
import sys
from research_guards.cli import main
code = main(["validate-data", "--config", sys.argv[1]])
sys.exit(10 if {"sklearn", "joblib"} & set(sys.modules) else code)
"""


def test_validate_data_never_imports_what_only_models_need(config_path: Path) -> None:
    """A table is checked in under half a second: scikit-learn (0.7 s to import) and
    joblib (0.05 s), which only training and models need, are never imported (exit
    10 says one was)."""
    checked = subprocess.run(
        [sys.executable, "-c", CHECKS_WITHOUT_MODELS, str(config_path)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no anomalies" in checked.stdout


def test_infer_schema_refuses_to_overwrite(
    config: PipelineConfig, tmp_path: Path
) -> None:
    target = tmp_path / "schema" / "schema.json"
    fresh = replace(config, data=replace(config.data, schema=target))
    assert DataCheck.infer_schema(fresh, None, force=False) == target
    before = target.read_text(encoding="utf-8")
    assert before == config.data.schema.read_text(encoding="utf-8")
    with pytest.raises(DataError, match="pass --force"):
        DataCheck.infer_schema(fresh, None, force=False)
    assert DataCheck.infer_schema(fresh, None, force=True) == target
    assert target.read_text(encoding="utf-8") == before


def test_the_schema_must_exist_and_be_inferred_for_the_configs_label(
    config: PipelineConfig, tmp_path: Path
) -> None:
    """Every command builds its checks here first: a missing schema or one of
    another label is one line naming the fix, before any table is read."""
    absent = replace(config.data, schema=tmp_path / "absent.json")
    with pytest.raises(DataError, match="no such schema file; create it with"):
        DataCheck.from_config(replace(config, data=absent))
    other = replace(config, data=replace(config.data, label="site"))
    with pytest.raises(ConfigError, match="inferred for 'label': run infer-schema"):
        DataCheck.from_config(other)


def test_tables_read_together_equal_each_read_alone(
    config: PipelineConfig, sample: pd.DataFrame, tmp_path: Path
) -> None:
    check = DataCheck.from_config(config)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    sample.to_csv(first, index=False)
    sample.head(30).to_csv(second, index=False)
    together = check.statistics_of_files([first, second])
    alone = [check.statistics(sources.source_for(path)) for path in (first, second)]
    assert [s.rows for s in together] == [len(sample), 30]
    for read_together, read_alone in zip(together, alone):
        for name, feature in read_alone.features.items():
            assert read_together.features[name].value_counts == feature.value_counts
            assert read_together.features[name].mean == feature.mean


def test_an_unreadable_table_stops_the_other_after_its_chunk_at_hand(
    config: PipelineConfig,
    sample: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The error is raised as soon as it happens, not after the other table has been
    read to its end: Ctrl-C and a bad file both end the command at once."""
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    pd.concat([sample] * 100).to_csv(good, index=False)
    bad.write_bytes(b"\x00\xff\xfe binary, not a table")
    monkeypatch.setattr(sources, "CHUNK_CELLS", 10 * sample.shape[1])
    chunks_read = []

    def counted(self: DataValidator, chunk: pd.DataFrame) -> DatasetStatistics:
        chunks_read.append(len(chunk))
        return original(self, chunk)

    original = DataValidator.statistics
    monkeypatch.setattr(DataValidator, "statistics", counted)
    with pytest.raises(DataError, match="bad.csv"):
        DataCheck.from_config(config).statistics_of_files([good, bad])
    assert len(chunks_read) < len(sample) * 100 / 10
