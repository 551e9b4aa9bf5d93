"""Bake time, as a user meets it: `cookiecutter --no-input` in a fresh process.

Prints each run and the median. A figure to report, never a test that can flake.
Usage: uv run python benchmarks/bench_bake.py [RUNS]
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]


def bake_seconds() -> float:
    with tempfile.TemporaryDirectory() as output_dir:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE)]
            + ["-o", output_dir],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - started


def main(runs: int) -> None:
    timings = [bake_seconds() for _ in range(runs)]
    for number, seconds in enumerate(timings, start=1):
        print(f"bake {number}: {seconds:.3f} s")
    print(f"median of {runs}: {statistics.median(timings):.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
