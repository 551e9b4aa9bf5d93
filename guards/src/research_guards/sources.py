"""Where rows come from: a CSV or Parquet file, or a folder or glob of them. Read whole
for training; read in bounded chunks for statistics, so validating a table takes the
memory of one chunk, not of the file. Every way a file can be unreadable becomes one
DataError line."""

import ctypes
import glob
import hashlib
import sys
import threading
import time
import warnings
from abc import ABC
from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from typing import TextIO

import pandas as pd
import pyarrow.parquet as pq

from research_guards.errors import DataError

# A column that turns from numbers to text inside a chunk is read as text there, and the
# statistics count that text as invalid: pandas' warning (give a dtype) is not for the
# person validating the table.
warnings.filterwarnings("ignore", category=pd.errors.DtypeWarning, module=__name__)

# Cells that mean "no value". A literal NaN is a value (TFDV tells the two apart), so
# pandas' default list, which includes it, is not used.
MISSING_MARKERS = ["", "NA", "N/A", "NULL", "null", "None"]
SNIFFED_BYTES = 8192
OTHER_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
# Cells (rows times columns) per chunk, so that a wide table reads fewer rows at a time
# and memory is bounded whatever the width: 500,000 rows of an 8-column table, 40,000
# of a 100-column one. Measured in benchmarks/bench_validation.py: half of it takes 10%
# longer, twice of it 60% more memory for no time.
CHUNK_CELLS = 4_000_000
# glibc's mallopt parameters and the sizes chunked reads want (reuse_freed_memory)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEPT_FREE_BYTES, HEAP_BLOCK_BYTES = 256 << 20, 64 << 20
PARQUET_SUFFIXES = (".parquet", ".pq")
TABLE_SUFFIXES = (".csv", *PARQUET_SUFFIXES)


class DataSource(Protocol):
    """Anything that yields a raw table: files here, a warehouse elsewhere."""

    @property
    def location(self) -> str: ...

    def read(self) -> pd.DataFrame: ...

    def chunks(self, rows: int | None = None) -> Iterator[pd.DataFrame]: ...

    def fingerprint(self) -> str: ...


class FileSource(ABC):
    """One file on disk: what CSV and Parquet files share."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.digest: str | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    def read(self) -> pd.DataFrame:
        return pd.concat(list(self.chunks(rows=0)), ignore_index=True)

    @abstractmethod
    def chunks(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        """Pieces of at most `rows` rows (None: CHUNK_CELLS' worth; 0: as few as the
        format reads at once)."""

    def fingerprint(self) -> str:
        """Hashed once: a run's record and its search's study name both ask."""
        self.digest = self.digest or fingerprint_of([self.path])
        return self.digest


class CsvSource(FileSource):
    """A CSV file."""

    def chunks(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        """Pieces of at most `rows` rows (None: CHUNK_CELLS' worth; 0: the whole
        file)."""
        self._refuse_binary()
        try:
            header = self._header()
            if rows is None:
                rows = chunk_rows(len(header))
            if rows == 0:
                yield self._checked(
                    pd.read_csv(
                        self.path, keep_default_na=False, na_values=MISSING_MARKERS
                    )
                )
                return
            with pd.read_csv(
                self.path,
                keep_default_na=False,
                na_values=MISSING_MARKERS,
                chunksize=rows,
            ) as reader:
                read = 0
                for piece in reader:
                    yield self._checked(piece) if read == 0 else piece
                    read += len(piece)
            if read == 0:
                raise DataError(f"{self.path}: header only, no rows")
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.path}: file is empty") from None
        except UnicodeDecodeError:
            raise DataError(f"{self.path}: not UTF-8 text") from None
        except pd.errors.ParserError as error:
            raise DataError(f"{self.path}: not a well-formed CSV ({error})") from None

    def _header(self) -> list[str]:
        """The column names as written. pandas renames a repeated name (`x`, `x.1`),
        and the copy would pass for a column of its own: a feature, or a label."""
        header = pd.read_csv(
            self.path, header=None, nrows=1, dtype=str, keep_default_na=False
        )
        names = [str(name) for name in header.iloc[0]] if len(header) else []
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            shown = ", ".join(repr(name) for name in repeated)
            raise DataError(
                f"{self.path}: column name(s) {shown} appear more than once in the "
                "header: give every column its own name"
            )
        return names

    def _checked(self, first: pd.DataFrame) -> pd.DataFrame:
        if first.empty:
            raise DataError(f"{self.path}: header only, no rows")
        self._refuse_other_delimiters(first)
        return first

    def _refuse_binary(self) -> None:
        try:
            with self.path.open("rb") as stream:
                head = stream.read(SNIFFED_BYTES)
        except FileNotFoundError:
            raise DataError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise DataError(f"{self.path}: is a directory, not a CSV file") from None
        if b"\x00" in head:
            raise DataError(f"{self.path}: binary data, not CSV text")

    def _refuse_other_delimiters(self, frame: pd.DataFrame) -> None:
        header = str(frame.columns[0])
        if frame.shape[1] == 1:
            for delimiter, name in OTHER_DELIMITERS.items():
                if delimiter in header:
                    raise DataError(
                        f"{self.path}: one column named {header!r}; the file looks "
                        f"{name}-delimited: use commas"
                    )


class ParquetSource(FileSource):
    """A Parquet file, read a batch of rows at a time."""

    def chunks(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        try:
            table = pq.ParquetFile(self.path)
        except FileNotFoundError:
            raise DataError(f"{self.path}: no such file") from None
        except (OSError, ValueError) as error:  # pyarrow's ArrowIOError, ArrowInvalid
            raise DataError(f"{self.path}: not a Parquet file ({error})") from None
        if table.metadata.num_rows == 0:
            raise DataError(f"{self.path}: no rows")
        names = table.schema_arrow.names
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise DataError(
                f"{self.path}: column name(s) {', '.join(map(repr, repeated))} appear "
                "more than once: give every column its own name"
            )
        if rows is None:
            rows = chunk_rows(table.metadata.num_columns)
        for batch in table.iter_batches(batch_size=rows or table.metadata.num_rows):
            yield batch.to_pandas()


def chunk_rows(columns: int) -> int:
    return max(1, CHUNK_CELLS // max(1, columns))


class FilesSource:
    """Several files as one table, in name order: a folder or a glob's matches."""

    def __init__(self, pattern: str, paths: list[Path]) -> None:
        self.pattern = pattern
        self.paths = paths
        self.digest: str | None = None

    @property
    def location(self) -> str:
        return self.pattern

    def read(self) -> pd.DataFrame:
        return pd.concat([file_source(p).read() for p in self.paths], ignore_index=True)

    def chunks(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        for path in self.paths:
            yield from file_source(path).chunks(rows)

    def fingerprint(self) -> str:
        self.digest = self.digest or fingerprint_of(self.paths)
        return self.digest


def file_source(path: Path) -> FileSource:
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return ParquetSource(path)
    return CsvSource(path)


def source_for(location: Path | str) -> DataSource:
    """A CSV or Parquet file by its suffix; a folder's tables, or a glob's matches."""
    text = str(location)
    paths = table_files(text)
    if glob.has_magic(text) or Path(text).is_dir():
        return FilesSource(text, paths)
    return file_source(paths[0])


def table_files(location: Path | str) -> list[Path]:
    """The files a location names, in name order: itself, a folder's tables, or a
    glob's matches. Every engine reads the same files."""
    text = str(location)
    if not (glob.has_magic(text) or Path(text).is_dir()):
        return [Path(text)]
    pattern = text if glob.has_magic(text) else str(Path(text) / "*")
    paths = sorted(
        Path(found)
        for found in glob.glob(pattern)
        if Path(found).suffix.lower() in TABLE_SUFFIXES
    )
    if not paths:
        raise DataError(f"{text}: no .csv or .parquet files match")
    return paths


def fingerprint_of(paths: list[Path]) -> str:
    """SHA-256 of the files' bytes in order: a run record pins exactly what it read."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class ReadProgress:
    """One line on a terminal for every table being read, whichever thread reads
    it (`a.csv: 2,000,000 rows read; b.csv: 1,750,000 rows read`), once reading
    takes more than a few seconds."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.rows: dict[str, int] = {}
        self.started = self.shown = time.monotonic()
        self.lock = threading.Lock()

    def count(self, location: str, rows: int) -> None:
        with self.lock:
            self.rows[location] = self.rows.get(location, 0) + rows
            now = time.monotonic()
            if self.stream.isatty() and now - self.started > 3 and now - self.shown > 1:
                read = (f"{where}: {n:,} rows read" for where, n in self.rows.items())
                self.stream.write("\r" + "; ".join(read))
                self.stream.flush()
                self.shown = now

    def close(self) -> None:
        if self.stream.isatty() and self.shown > self.started:
            self.stream.write("\n")


def reuse_freed_memory() -> None:
    """Every chunk allocates arrays of the same sizes and frees them. glibc, by
    default, hands each block back to the kernel and faults fresh pages in for the
    next chunk: a third of validate-data's system time, 7% of its wall time at 10M
    rows (benchmarks/bench_validation.py). Kept for reuse, the same peak serves every
    chunk. Nothing changes where malloc is not glibc's (macOS, musl)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):  # no mallopt; Windows' CDLL(None)
        return
    mallopt(M_MMAP_THRESHOLD, HEAP_BLOCK_BYTES)
    mallopt(M_TRIM_THRESHOLD, KEPT_FREE_BYTES)


def with_progress(
    source: DataSource, progress: ReadProgress | None = None
) -> Iterator[pd.DataFrame]:
    """The source's chunks, counted on `progress` (its own line if None)."""
    reuse_freed_memory()
    shown = progress or ReadProgress()
    for chunk in source.chunks():
        shown.count(source.location, len(chunk))
        yield chunk
    if progress is None:
        shown.close()
