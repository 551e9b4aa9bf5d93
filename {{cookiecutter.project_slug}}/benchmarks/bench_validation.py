"""How data validation scales: 1M rows resampled from the sample, and a drifted copy.

Reports wall time and peak traced memory of statistics + anomalies + drift over
the two files (already read), against one `pandas.read_csv` of one file in the same
run. A figure to report, never a test.

Run: uv run python benchmarks/bench_validation.py [ROWS]
"""

import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from {{ cookiecutter.module_name }}.config import DEFAULT_CONFIG
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.data_validation import DataValidator
from {{ cookiecutter.module_name }}.data_validation import Schema

SEED = 0


def measured(work: Callable[[], Any]) -> tuple[float, float]:
    """Seconds and peak traced MiB of one call."""
    tracemalloc.start()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak


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
        read_seconds, read_peak = measured(lambda: pd.read_csv(current))
        frames = [CsvSource(path).read() for path in (current, drifted)]

        def validate_both() -> None:
            left, right = (validator.statistics(frame) for frame in frames)
            validator.anomalies(left, "training")
            validator.anomalies(right, "training")
            validator.compare(left, right, "drift")

        seconds, peak = measured(validate_both)
    print(f"rows per file: {rows:,}")
    print(f"pandas.read_csv, one file: {read_seconds:.2f} s, peak {read_peak:.0f} MiB")
    print(
        f"statistics + anomalies + drift, two files: {seconds:.2f} s, "
        f"peak {peak:.0f} MiB"
    )
    print(f"ratio: {seconds / read_seconds:.2f}x time, {peak / read_peak:.2f}x memory")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
