"""Files as tables: read whole, or in chunks whose statistics merge to the whole's;
every way a file can be unreadable is one line."""

import ctypes
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROWS

from research_guards import sources
from research_guards.config import PipelineConfig
from research_guards.errors import DataError
from research_guards.sources import CsvSource
from research_guards.sources import FilesSource
from research_guards.sources import ParquetSource
from research_guards.sources import ReadProgress
from research_guards.sources import source_for
from research_guards.sources import with_progress


def test_reads_the_table(config: PipelineConfig) -> None:
    source = CsvSource(config.data.train)
    frame = source.read()
    assert len(frame) == ROWS
    assert source.location == str(config.data.train)
    assert len(source.fingerprint()) == 64
    assert source.fingerprint() == source.fingerprint()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"a,b,c\n", "header only"),
        (b"a,b\n\xff\xfe\xfa,1\n", "not UTF-8"),
        (b'a,b\n"1,2\n', "not a well-formed CSV"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not CSV text"),
        (b"a;b;c\n1;2;3\n", "looks semicolon-delimited: use commas"),
        (b"a\tb\n1\t2\n", "looks tab-delimited: use commas"),
        # pandas would read the second as `a.1`, a column of its own
        (b"a,b,a\n1,2,3\n", "'a' appear more than once"),
    ],
)
def test_unreadable_files_are_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        CsvSource(path).read()


def test_a_repeated_column_name_is_refused_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "repeated.csv"
    path.write_text("a,b,a,b,c\n1,2,3,4,5\n", encoding="utf-8")
    with pytest.raises(DataError, match="'a', 'b' appear more than once"):
        next(CsvSource(path).chunks())
    parquet = tmp_path / "repeated.parquet"
    pq.write_table(
        pa.Table.from_arrays([pa.array([1]), pa.array([2])], ["a", "a"]), parquet
    )
    with pytest.raises(DataError, match="'a' appear more than once"):
        ParquetSource(parquet).read()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        CsvSource(tmp_path / "absent.csv").read()
    with pytest.raises(DataError, match="is a directory"):
        CsvSource(tmp_path).read()


def test_a_source_hashes_its_bytes_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tuned run asks for the fingerprint twice (its study's name, its record):
    a large table is hashed once."""
    hashed: list[list[Path]] = []

    def fingerprint_of(paths: list[Path]) -> str:
        hashed.append(paths)
        return "sha"

    monkeypatch.setattr(sources, "fingerprint_of", fingerprint_of)
    (tmp_path / "a.csv").write_text("a\n1\n", encoding="utf-8")
    for source in (source_for(tmp_path / "a.csv"), source_for(tmp_path)):
        assert source.fingerprint() == source.fingerprint() == "sha"
    assert len(hashed) == 2


def test_missing_markers_are_missing_but_nan_is_a_value(tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_bytes(b"a,b\n1.5,x\nNA,\nNaN,NaN\n")
    frame = CsvSource(path).read()
    assert frame["a"].isna().tolist() == [False, True, False]
    assert frame["b"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("rows", [1, 7, 1000])
def test_chunks_hold_every_row_once_in_order(config: PipelineConfig, rows: int) -> None:
    source = CsvSource(config.data.train)
    pieces = list(source.chunks(rows))
    assert all(len(piece) <= rows for piece in pieces)
    pd.testing.assert_frame_equal(
        pd.concat(pieces, ignore_index=True).astype(str), source.read().astype(str)
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_chunk_holds_a_bounded_number_of_cells_however_wide_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """Memory is bounded by cells, not rows: a table ten times wider reads ten
    times fewer rows at a time."""
    monkeypatch.setattr(sources, "CHUNK_CELLS", 200)
    rows = {}
    for columns in (2, 20):
        frame = pd.DataFrame(
            np.ones((150, columns)), columns=[f"c{i}" for i in range(columns)]
        )
        path = tmp_path / f"{columns}{suffix}"
        frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
        pieces = list(source_for(path).chunks())
        assert sum(len(piece) for piece in pieces) == 150
        rows[columns] = max(len(piece) for piece in pieces)
    assert rows == {2: 100, 20: 10}


class MallocInfo(ctypes.Structure):
    """glibc's struct mallinfo2: what the allocator holds, in bytes."""

    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            *("arena", "ordblks", "smblks", "hblks", "hblkhd"),
            *("usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"),
        )
    ]


@pytest.mark.skipif(
    not hasattr(ctypes.CDLL(None), "mallinfo2"), reason="malloc is not glibc's"
)
def test_memory_one_chunk_frees_is_kept_for_the_next() -> None:
    """By default glibc hands a freed 32 MB block back to the kernel, and the next
    chunk faults fresh pages in; read in chunks, the block stays for reuse."""
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallocInfo
    sources.reuse_freed_memory()
    block = np.ones(32 << 17)
    del block
    assert mallinfo2().fordblks >= 32 << 20


READ_IN_CHUNKS = """
import sys
from pathlib import Path
from research_guards.sources import CsvSource
print(sum(len(chunk) for chunk in CsvSource(Path(sys.argv[1])).chunks()))
"""


def test_text_turning_up_inside_a_chunk_reads_without_a_warning(
    tmp_path: Path,
) -> None:
    """pandas warns (mixed types, give a dtype) when a column turns to text inside a
    chunk; the statistics count that text as invalid, so the person checking the
    table sees the anomaly, not pandas' advice."""
    wide = pd.DataFrame(np.zeros((20_000, 128), dtype=np.int64)).astype(object)
    wide.loc[15_000, 0] = "text"
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    read = subprocess.run(
        [sys.executable, "-c", READ_IN_CHUNKS, str(path)],
        capture_output=True,
        text=True,
    )
    assert (read.returncode, read.stdout.strip(), read.stderr) == (0, "20000", "")


def test_a_header_only_file_is_refused_in_chunks_too(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="header only"):
        list(CsvSource(path).chunks(10))


def test_parquet_folders_and_globs_read_as_one_table(
    config: PipelineConfig, tmp_path: Path
) -> None:
    frame = CsvSource(config.data.train).read()
    half = len(frame) // 2
    frame.iloc[:half].to_csv(tmp_path / "a.csv", index=False)
    frame.iloc[half:].to_parquet(tmp_path / "b.parquet", index=False)
    (tmp_path / "notes.txt").write_text("not a table", encoding="utf-8")
    for location in (tmp_path, str(tmp_path / "*")):
        source = source_for(location)
        assert isinstance(source, FilesSource)
        assert len(source.read()) == len(frame) == ROWS
        assert sum(len(chunk) for chunk in source.chunks(5)) == len(frame)
        assert len(source.fingerprint()) == 64
    parquet = source_for(tmp_path / "b.parquet")
    assert isinstance(parquet, ParquetSource)
    assert parquet.location.endswith("b.parquet")
    assert [len(chunk) for chunk in parquet.chunks(100)] == [len(frame) - half]


def test_unreadable_parquet_and_empty_globs_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match="not a Parquet file"):
        source_for(tmp_path / "bad.parquet").read()
    with pytest.raises(DataError, match="no such file"):
        ParquetSource(tmp_path / "absent.parquet").read()
    pd.DataFrame({"a": np.empty(0)}).to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(DataError, match="no rows"):
        ParquetSource(tmp_path / "empty.parquet").read()
    with pytest.raises(DataError, match="no .csv or .parquet files match"):
        source_for(str(tmp_path / "*.tsv"))


class Terminal:
    """A stream that says it is a terminal and keeps what is written."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        return None


def test_progress_shows_on_a_terminal_once_reading_takes_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([0.0, 1.0, 5.0, 9.0])
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    terminal = Terminal()
    source = CsvSource(Path("big.csv"))
    monkeypatch.setattr(
        source, "chunks", lambda: iter([pd.DataFrame({"a": range(1000)})] * 3)
    )
    progress = ReadProgress(terminal)  # type: ignore[arg-type]
    assert len(list(with_progress(source, progress))) == 3
    progress.close()
    assert terminal.written == [
        "\rbig.csv: 2,000 rows read",
        "\rbig.csv: 3,000 rows read",
        "\n",
    ]


def test_tables_read_together_share_one_progress_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two threads reading two tables never overwrite each other's count."""
    clock = iter([0.0, 4.0, 9.0])
    monkeypatch.setattr(time, "monotonic", lambda: next(clock))
    terminal = Terminal()
    progress = ReadProgress(terminal)  # type: ignore[arg-type]
    progress.count("a.csv", 1000)
    progress.count("b.csv", 500)
    progress.close()
    assert terminal.written == [
        "\ra.csv: 1,000 rows read",
        "\ra.csv: 1,000 rows read; b.csv: 500 rows read",
        "\n",
    ]
