"""How data validation scales: N rows resampled (seeded) from the sample, and a copy
with drift, each size in its own files.

Measures whole processes, as a person runs them: `validate-data FILE --baseline OTHER`
(statistics read a chunk at a time, anomalies, drift) against one `pandas.read_csv` of
one file, in the same run. Wall time, and peak resident memory from the kernel's
accounting of each child (os.wait4), so C allocations count too. A figure to report,
never a test. Linux or macOS (ru_maxrss is KiB on Linux, bytes on macOS).

Run: uv run python benchmarks/bench_validation.py [ROWS ...] [--dask] [--continuous]
[--no-read] [--repeat=N] (default 1000000 rows, once). --dask also runs
`validate-data --engine dask` (a local cluster; its peak is the largest process's);
--continuous noises the decimal columns so that their histograms come from the
sketch, as a table of measurements' do; --no-read skips the one-file read, which at
100M rows needs 17 GB (validate-data needs 0.4); --repeat runs every command N times,
alternated, and reports the median, as one run on a shared machine varies by 15%.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from research_guards.config import DEFAULT_CONFIG
from research_guards.config import PipelineConfig
from research_guards.config import load_config
from research_guards.sources import CsvSource

SEED = 0
WRITE_ROWS = 1_000_000  # rows written at a time, so writing a large file stays small
READ = "pandas.read_csv, one file"
KIB = 1024 if sys.platform != "darwin" else 1024 * 1024


def write_inputs(
    folder: Path, rows: int, sample: Path, continuous: bool, shifted: str
) -> tuple[Path, Path]:
    """Resampled rows, written in pieces; in the copy the `shifted` column is 30%
    higher (the config's last numeric feature: the sample's body mass). With
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
        higher = piece.assign(**{shifted: piece[shifted] * 1.3})
        for path, table in ((current, piece), (drifted, higher)):
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
    child = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    code, errors = os.waitstatus_to_exitcode(status), child.communicate()[1]
    if code not in (0, 1) or errors:  # 1, silent: validate-data found the drift
        raise SystemExit(f"{command[:4]} exited {code}: {errors.decode()[-500:]}")
    return seconds, usage.ru_maxrss * KIB / 2**20


def report(rows: int, config: PipelineConfig, options: list[str], repeats: int) -> None:
    """Each command `repeats` times, alternated, so that a shared machine's noise
    falls on all of them alike; the median, with the fastest and slowest."""
    engines = ["local", "dask"] if "--dask" in options else ["local"]
    with tempfile.TemporaryDirectory() as folder:
        current, drifted = write_inputs(
            Path(folder),
            rows,
            config.data.train,
            "--continuous" in options,
            config.features.numeric[-1],
        )
        size = current.stat().st_size / 2**20
        commands = {
            f"validate-data --baseline --engine {engine}, two files": [
                sys.executable,
                "-m",
                "{{ cookiecutter.module_name }}",
                "validate-data",
                str(current),
                "--baseline",
                str(drifted),
                "--engine",
                engine,
            ]
            for engine in engines
        }
        if "--no-read" not in options:
            read = f"import pandas; pandas.read_csv({str(current)!r})"
            commands = {READ: [sys.executable, "-c", read], **commands}
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, command in commands.items():
                runs[name].append(measured(command))
    kind = "continuous (noised)" if "--continuous" in options else "resampled"
    print(
        f"rows per file: {rows:,}, {kind} ({size:,.0f} MiB of CSV), {repeats} runs each"
    )
    read_seconds = statistics.median(s for s, _ in runs[READ]) if READ in runs else None
    for name, figures in runs.items():
        seconds = [s for s, _ in figures]
        median = statistics.median(seconds)
        ratio = (
            f" ({median / read_seconds:.2f}x the read)"
            if read_seconds and name != READ
            else ""
        )
        print(
            f"{name}: {median:.2f} s{ratio} [{min(seconds):.2f}-{max(seconds):.2f}],"
            f" peak {max(peak for _, peak in figures):,.0f} MiB"
        )


def main(arguments: list[str]) -> None:
    config = load_config(DEFAULT_CONFIG)
    if not config.features.numeric:
        raise SystemExit("the copy shifts a numeric feature; the config names none")
    options = [argument for argument in arguments if argument.startswith("--")]
    repeats = next(
        (int(o.split("=")[1]) for o in options if o.startswith("--repeat=")), 1
    )
    sizes = [int(argument) for argument in arguments if not argument.startswith("--")]
    for rows in sizes or [1_000_000]:
        report(rows, config, options, repeats)


if __name__ == "__main__":
    main(sys.argv[1:])
