"""The same statistics on a Dask cluster, for tables past one machine's memory or
already on a cluster. Nothing is re-implemented here: Dask reads the files into
partitions, each partition is summarised by the local path's `statistics_of`, and
the summaries combine with the same `DatasetStatistics.merge` in a pairwise tree, so
no worker holds more than one partition and two summaries, and the result equals the
local path's. PySpark or Beam would need this glue and nothing more.

Dask is an optional extra (`uv sync --extra dask`), imported only when asked for, so
the default install neither carries nor needs it.
"""

import importlib
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import statistics_of
from research_guards.errors import ConfigError
from research_guards.errors import DataError
from research_guards.sources import MISSING_MARKERS
from research_guards.sources import PARQUET_SUFFIXES
from research_guards.sources import CsvSource
from research_guards.sources import table_files

# CSV bytes per partition: Dask's default, a few hundred thousand rows, the size of a
# local chunk.
BLOCK_BYTES = 64_000_000
# How `--engine dask` without `--scheduler` runs: a cluster of this machine's cores,
# one worker process each (Dask's defaults); tests ask for threads.
LOCAL_CLUSTER: dict[str, Any] = {}
CONNECT_SECONDS = 10
MISSING_EXTRA = "--engine dask needs the dask extra: run `uv sync --extra dask`"


def require_dask() -> None:
    """Fail in one line, before any work, when the extra is not installed."""
    try:
        importlib.import_module("dask.dataframe")
        importlib.import_module("distributed")
    except ImportError:
        raise ConfigError(MISSING_EXTRA) from None


def dask_statistics(
    locations: Sequence[Path | str], numeric: set[str], scheduler: str | None
) -> list[DatasetStatistics]:
    """Each location's statistics, computed together on one cluster: a new
    LocalCluster, or the scheduler at `scheduler` (e.g. tcp://host:8786)."""
    require_dask()
    from dask.delayed import delayed
    from distributed import Client
    from distributed import LocalCluster

    merge = delayed(DatasetStatistics.merge, pure=True)
    summarise = delayed(statistics_of, pure=True)
    with read_errors():  # Dask reads the start of each CSV file here
        totals = [
            _tree(merge, [summarise(part, numeric) for part in partitions(location)])
            for location in locations
        ]
    if scheduler is None:
        with LocalCluster(**LOCAL_CLUSTER) as cluster, Client(cluster) as client:
            return _computed(client, totals)
    try:
        connected = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"{scheduler}: no Dask scheduler answers there ({error})"
        ) from None
    with connected as client:
        return _computed(client, totals)


def _computed(client: Any, totals: list[Any]) -> list[DatasetStatistics]:
    with read_errors():  # and the rest on the workers
        return list(client.gather(client.compute(totals)))


@contextmanager
def read_errors() -> Iterator[None]:
    """A file Dask cannot read is the same one-line DataError as on the local path."""
    try:
        yield
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"not a well-formed UTF-8 CSV ({_cause(error)})") from None
    except ValueError as error:
        if "Mismatched dtypes" not in str(error):
            raise
        raise DataError(
            "a column's type changes past the start of a file (Dask fixes each "
            "column's type from the first 256 KB): validate it with --engine local"
        ) from None


def _cause(error: Exception) -> str:
    """pandas' own message: Dask wraps it in lines of its own."""
    return str(error).strip().splitlines()[-1].removeprefix("Original Message: ")


def partitions(location: Path | str) -> list[Any]:
    """One delayed pandas frame per partition of every file the location names."""
    import dask.dataframe as dd

    parts: list[Any] = []
    for path in table_files(location):
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        if path.suffix.lower() not in PARQUET_SUFFIXES:
            _refuse_as_local_does(path)
        try:
            frame = (
                dd.read_parquet(path)
                if path.suffix.lower() in PARQUET_SUFFIXES
                else dd.read_csv(
                    path,
                    blocksize=BLOCK_BYTES,
                    keep_default_na=False,
                    na_values=MISSING_MARKERS,
                    # Whole numbers as floats: a column's first blank cell may come
                    # after the 256 KB from which Dask fixes its types.
                    assume_missing=True,
                )
            )
        except pd.errors.EmptyDataError:
            raise DataError(f"{path}: file is empty") from None
        parts += frame.to_delayed()
    return parts


def _refuse_as_local_does(path: Path) -> None:
    """A header-only, binary or semicolon file is refused in the local path's one
    line; Dask would read it as rows, each a wall of anomalies."""
    next(CsvSource(path).chunks(rows=1))  # a first row, read and checked as local


def _tree(merge: Callable[[Any, Any], Any], summaries: list[Any]) -> Any:
    """Pairwise merges, level by level: log2(partitions) deep, so the merges run in
    parallel and none waits on a long chain."""
    while len(summaries) > 1:
        pairs = [
            merge(left, right) for left, right in zip(summaries[::2], summaries[1::2])
        ]
        summaries = pairs + summaries[len(pairs) * 2 :]
    return summaries[0]
