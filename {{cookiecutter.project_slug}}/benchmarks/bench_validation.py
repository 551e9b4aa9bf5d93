"""How data validation scales: N rows resampled (seeded) from the sample, and a copy
with drift, each size in its own files.

Measures whole processes, as a person runs them: `validate-data FILE --baseline OTHER`
(statistics read a chunk at a time, anomalies, drift) against one `pandas.read_csv` of
one file, in the same run. Wall time, and peak resident memory from the kernel's
accounting of each child (os.wait4), so C allocations count too. A figure to report,
never a test. Linux or macOS (ru_maxrss is KiB on Linux, bytes on macOS).

Run: uv run python benchmarks/bench_validation.py [ROWS ...] [--dask] [--continuous]
(default 1000000 rows). --dask also runs `validate-data --engine dask` (a local cluster;
its peak is the largest process's); --continuous noises the decimal columns so that
their histograms come from the sketch, as a table of measurements' do; --no-read skips
the one-file read, which at 100M rows needs 17 GB (validate-data needs 0.3).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from {{ cookiecutter.module_name }}.config import DEFAULT_CONFIG
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.sources import CsvSource

SEED = 0
WRITE_ROWS = 1_000_000  # rows written at a time, so writing a large file stays small
KIB = 1024 if sys.platform != "darwin" else 1024 * 1024


def write_inputs(
    folder: Path, rows: int, sample: Path, continuous: bool
) -> tuple[Path, Path]:
    """Resampled rows, written in pieces; the copy's body mass is 30% heavier. With
    `continuous`, the decimal columns get noise, so that they hold hundreds of
    thousands of distinct values (as measurements do) and are sketched, not counted."""
    frame = CsvSource(sample).read()
    generator = np.random.default_rng(SEED)
    current, drifted = folder / "current.csv", folder / "drifted.csv"
    for start in range(0, rows, WRITE_ROWS):
        count = min(WRITE_ROWS, rows - start)
        piece = frame.iloc[generator.integers(0, len(frame), count)]
        if continuous:
            decimals = piece.select_dtypes("float").columns
            noise = generator.uniform(-0.5, 0.5, (count, len(decimals)))
            piece = piece.assign(
                **{c: piece[c] + noise[:, i] for i, c in enumerate(decimals)}
            )
        heavier = piece.assign(body_mass_g=piece["body_mass_g"] * 1.3)
        for path, table in ((current, piece), (drifted, heavier)):
            table.to_csv(
                path, mode="a", header=start == 0, index=False, float_format="%.6g"
            )
    return current, drifted


def measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one child process. Bytecode is cached,
    as on a person's machine (a run first compiles every module it imports)."""
    environment = {
        k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"
    }
    subprocess.run(command[:3] + ["--help"], env=environment, capture_output=True)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=environment)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: validate-data found the drift it was given
        raise SystemExit(f"{command[:4]} exited {code}")
    return seconds, usage.ru_maxrss * KIB / 2**20


def report(
    rows: int, sample: Path, engines: list[str], continuous: bool, with_read: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        current, drifted = write_inputs(Path(folder), rows, sample, continuous)
        size = current.stat().st_size / 2**20
        read = (
            measured(
                [
                    sys.executable,
                    "-c",
                    f"import pandas; pandas.read_csv({str(current)!r})",
                ]
            )
            if with_read
            else None
        )
        validations = {
            engine: measured(
                [sys.executable, "-m", "{{ cookiecutter.module_name }}", "validate-data"]
                + [str(current), "--baseline", str(drifted), "--engine", engine]
            )
            for engine in engines
        }
    kind = "continuous (noised)" if continuous else "resampled"
    print(f"rows per file: {rows:,}, {kind} ({size:,.0f} MiB of CSV)")
    if read is not None:
        print(f"pandas.read_csv, one file: {read[0]:.1f} s, peak {read[1]:,.0f} MiB")
    for engine, (seconds, peak) in validations.items():
        ratio = f" ({seconds / read[0]:.2f}x the read of one file)" if read else ""
        print(
            f"validate-data --baseline --engine {engine}, two files: {seconds:.1f} s"
            f"{ratio}, peak {peak:,.0f} MiB"
        )


def main(arguments: list[str]) -> None:
    sample = load_config(DEFAULT_CONFIG).data.train
    engines = ["local", "dask"] if "--dask" in arguments else ["local"]
    sizes = [int(argument) for argument in arguments if not argument.startswith("--")]
    for rows in sizes or [1_000_000]:
        continuous, with_read = (
            "--continuous" in arguments,
            "--no-read" not in arguments,
        )
        report(rows, sample, engines, continuous, with_read)


if __name__ == "__main__":
    main(sys.argv[1:])
