"""The Dask engine runs the local path's statistics and merge on a cluster: the same
table gives the same summary, anomalies and drift. A light in-process cluster (two
single-threaded workers) keeps the tests to seconds on CI's two cores."""

import math
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import LocalCluster

from research_guards import dask_engine
from research_guards.cli import main
from research_guards.config import PipelineConfig
from research_guards.data_check import DataCheck
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import merged
from research_guards.data_validation.statistics import statistics_of
from research_guards.datatypes import Environment
from research_guards.errors import DataError
from research_guards.sources import CsvSource
from research_guards.sources import source_for

LIGHT_CLUSTER = {
    "n_workers": 2,
    "threads_per_worker": 1,
    "processes": False,
    "dashboard_address": ":0",
}


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(**LIGHT_CLUSTER) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def tables(
    sample: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    """A folder of two CSV files and a Parquet file, read in several partitions,
    with missing cells, a literal NaN, an infinity and a new category; and the
    sample as the baseline."""
    monkeypatch.setattr(dask_engine, "BLOCK_BYTES", 500)
    folder = tmp_path / "current"
    folder.mkdir()
    current = sample.assign(width=sample["width"] * 1.3)
    current.loc[::7, "site"] = "atlantis"
    current.loc[3, "length"] = math.inf
    current.loc[5:9, "width"] = np.nan
    third = len(current) // 3
    current.iloc[:third].to_csv(folder / "a.csv", index=False)
    text = current.iloc[third : 2 * third].to_csv(index=False)
    (folder / "b.csv").write_text(text.replace(",day,", ",NaN,", 1), encoding="utf-8")
    current.iloc[2 * third :].to_parquet(
        folder / "c.parquet", index=False, row_group_size=20
    )
    baseline = tmp_path / "baseline.csv"
    sample.to_csv(baseline, index=False)
    return folder, baseline


def assert_same(dask: DatasetStatistics, local: DatasetStatistics) -> None:
    assert dask.rows == local.rows
    assert list(dask.features) == list(local.features)
    for name, expected in local.features.items():
        got = dask.features[name]
        for counted in ("rows", "present", "nan", "infinities", "invalid", "count"):
            assert getattr(got, counted) == getattr(expected, counted), (name, counted)
        assert (got.minimum, got.maximum) == (expected.minimum, expected.maximum)
        assert got.value_counts == expected.value_counts
        assert got.other_values == expected.other_values
        assert np.array_equal(got.points, expected.points)
        assert np.array_equal(got.weights, expected.weights)
        for moment in ("mean", "std"):
            left, right = getattr(got, moment), getattr(expected, moment)
            assert (left is None) == (right is None)
            if left is not None:
                assert left == pytest.approx(right, rel=1e-12, abs=1e-12)


def test_dask_statistics_equal_the_local_path(
    config: PipelineConfig, tables: tuple[Path, Path], scheduler: str
) -> None:
    folder, _ = tables
    check = DataCheck.from_config(config)
    numeric = check.validator.schema.numeric_names
    local = check.statistics(source_for(folder))
    [dask] = dask_engine.dask_statistics([folder], numeric, scheduler)
    assert len(dask_engine.partitions(folder)) >= 6  # a tree, not one merge
    assert_same(dask, local)
    assert local.features["length"].infinities == 1
    assert local.features["width"].present == local.rows - 5
    assert local.features["site"].value_counts["atlantis"] > 0


def test_whole_numbers_blank_past_the_first_block_read_as_locally(
    tmp_path: Path, scheduler: str
) -> None:
    """Dask fixes each column's type from a file's first 256 KB; a whole-number
    column whose first blank comes later was refused (the benchmark's 10M rows).
    Read as floats, it gives the local path's summary."""
    path = tmp_path / "late_blank.csv"
    path.write_text("count,kind\n" + "3,a\n" * 100_000 + ",b\n", encoding="utf-8")
    [dask] = dask_engine.dask_statistics([path], {"count"}, scheduler)
    local = merged(statistics_of(c, {"count"}) for c in CsvSource(path).chunks())
    assert_same(dask, local)
    assert dask.features["count"].present == 100_000


@pytest.mark.parametrize("environment", ["training", "serving"])
def test_dask_finds_the_same_anomalies_and_drift(
    config: PipelineConfig,
    tables: tuple[Path, Path],
    scheduler: str,
    environment: Environment,
) -> None:
    folder, baseline = tables
    check = DataCheck.from_config(config)
    local = check.validate_data(folder, environment, baseline)
    dask = check.validate_data(folder, environment, baseline, "dask", scheduler)
    assert [str(a) for a in dask.anomalies] == [str(a) for a in local.anomalies]
    assert dask.drift == local.drift
    assert {a.feature for a in local.anomalies} >= {"site", "length"}
    assert any(c.fired for c in local.drift if c.feature == "width")


def test_without_a_scheduler_a_local_cluster_runs(
    config: PipelineConfig, tables: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, baseline = tables
    monkeypatch.setattr(dask_engine, "LOCAL_CLUSTER", LIGHT_CLUSTER)
    check = DataCheck.from_config(config)
    local = check.validate_data(folder, "training", baseline)
    dask = check.validate_data(folder, "training", baseline, "dask")
    assert dask == local


def test_the_cli_prints_what_the_local_engine_prints(
    config_path: Path,
    tables: tuple[Path, Path],
    scheduler: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder, baseline = tables
    arguments = ["validate-data", str(folder), "--config", str(config_path)]
    arguments += ["--baseline", str(baseline)]
    assert main(arguments) == 1
    local = capsys.readouterr().out
    assert main([*arguments, "--engine", "dask", "--scheduler", scheduler]) == 1
    assert capsys.readouterr().out == local


def errors_of(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1
    return error


def test_without_the_extra_the_error_says_how_to_install_it(
    config_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    arguments = ["validate-data", "--engine", "dask", "--config", str(config_path)]
    assert "`uv sync --extra dask`" in errors_of(arguments, capsys)


def test_unusable_input_is_one_line(
    config_path: Path,
    tmp_path: Path,
    scheduler: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = ["--config", str(config_path)]
    on_dask = ["--engine", "dask", "--scheduler", scheduler, *config]
    absent = str(tmp_path / "absent.csv")
    assert "no such file" in errors_of(["validate-data", absent, *on_dask], capsys)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty" in errors_of(["validate-data", str(empty), *on_dask], capsys)
    for name, content in {
        "ragged.csv": b"a,b\n1,2\n1,2,3\n",
        "latin1.csv": b"a,b\n\xe9t\xe9,1\n",
        # Dask fixes a column's type from the first 256 KB: text past it mismatches.
        "changing.csv": b"length\n" + b"1.5\n" * 100_000 + b"long\n",
    }.items():
        (tmp_path / name).write_bytes(content)
        error = errors_of(["validate-data", str(tmp_path / name), *on_dask], capsys)
        assert any(word in error for word in ("CSV", "UTF-8", "--engine local"))
    alone = ["validate-data", "--scheduler", scheduler, *config]
    assert "--engine dask" in errors_of(alone, capsys)
    monkeypatch.setattr(dask_engine, "CONNECT_SECONDS", 0.5)
    nowhere = ["validate-data", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    assert "no Dask scheduler" in errors_of([*nowhere, *config], capsys)


@pytest.mark.parametrize(
    "text, refusal",
    [("a,b\n", "header only"), ("a;b\n1;2\n", "semicolon-delimited")],
)
def test_dask_refuses_what_the_local_path_refuses_in_one_line(
    tmp_path: Path, text: str, refusal: str
) -> None:
    path = tmp_path / "table.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=refusal):
        dask_engine.partitions(path)
