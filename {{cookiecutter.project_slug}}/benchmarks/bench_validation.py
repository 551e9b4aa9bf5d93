"""How data validation scales: 1M rows resampled from the sample, and a drifted copy.

Reports statistics + anomalies + drift over the two files (already read) against one
`pandas.read_csv` of one file, as ratios. Time is the median of three runs in this
process. Memory is the peak resident size above the live size just before the work,
each piece in a fresh process: tracemalloc would miss what C libraries allocate, and
its tracing slows Python code more than the read. The memory figure needs Linux's
/proc. A figure to report, never a test.

Run: uv run python benchmarks/bench_validation.py [ROWS]
"""

import contextlib
import ctypes
import gc
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from {{ cookiecutter.module_name }}.config import DEFAULT_CONFIG
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.data_validation import Schema
from {{ cookiecutter.module_name }}.sources import CsvSource

SEED = 0
REPEATS = 3
PEAK_RESET = Path("/proc/self/clear_refs")


def validate_both(validator: DataValidator, frames: list[pd.DataFrame]) -> None:
    left, right = (validator.statistics(frame) for frame in frames)
    validator.anomalies(left, "training")
    validator.anomalies(right, "training")
    validator.compare(left, right, "drift")


def median_seconds(work: Callable[[], Any]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _status_mib(field: str) -> float:
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def _settle() -> float:
    """Hand freed memory back, reset the peak, and return the live size in MiB."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    PEAK_RESET.write_text("5", encoding="ascii")
    return _status_mib("VmRSS")


def measure_in_this_process(piece: str, current: Path, drifted: Path) -> None:
    """The child's side: one piece of work, its peak above the live size before."""
    if piece == "read":
        before = _settle()
        pd.read_csv(current)
    else:
        config = load_config(DEFAULT_CONFIG)
        validator = DataValidator(Schema.load(config.data.schema), config.validation)
        frames = [CsvSource(path).read() for path in (current, drifted)]
        before = _settle()
        validate_both(validator, frames)
    print(_status_mib("VmHWM") - before)


def peak_mib(piece: str, current: Path, drifted: Path) -> float | None:
    if not PEAK_RESET.exists():
        return None
    arguments = ["--measure", piece, str(current), str(drifted)]
    completed = subprocess.run(
        [sys.executable, __file__, *arguments],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(completed.stdout)


def write_inputs(folder: Path, rows: int, sample: Path) -> tuple[Path, Path]:
    frame = CsvSource(sample).read().sample(n=rows, replace=True, random_state=SEED)
    current, drifted = folder / "current.csv", folder / "drifted.csv"
    frame.to_csv(current, index=False)
    frame.assign(body_mass_g=frame["body_mass_g"] * 1.3).to_csv(drifted, index=False)
    return current, drifted


def main(rows: int) -> None:
    config = load_config(DEFAULT_CONFIG)
    validator = DataValidator(Schema.load(config.data.schema), config.validation)
    with tempfile.TemporaryDirectory() as folder:
        current, drifted = write_inputs(Path(folder), rows, config.data.train)
        read_seconds = median_seconds(lambda: pd.read_csv(current))
        frames = [CsvSource(path).read() for path in (current, drifted)]
        seconds = median_seconds(lambda: validate_both(validator, frames))
        read_peak = peak_mib("read", current, drifted)
        peak = peak_mib("validate", current, drifted)
    print(f"rows per file: {rows:,}")
    print(f"pandas.read_csv, one file: {read_seconds:.2f} s")
    print(f"statistics + anomalies + drift, two files: {seconds:.2f} s")
    print(f"time: {seconds / read_seconds:.2f}x the read")
    if read_peak is None or peak is None:
        print("memory: not measured (needs Linux's /proc/self/clear_refs)")
        return
    print(
        f"memory above the live size: read {read_peak:.0f} MiB, "
        f"validation {peak:.0f} MiB, {peak / read_peak:.2f}x the read"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure_in_this_process(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
