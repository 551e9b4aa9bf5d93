"""`make check` time in a default bake, as a researcher meets it on every change.

The environment is installed once first and not timed: `make check` then measures
the gates themselves (black, isort, flake8, mypy, import-linter, pytest), not uv.
Prints each run and the median. A figure to report, never a test that can flake.
Usage: uv run python benchmarks/bench_check.py [RUNS]
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1]


def environment() -> dict[str, str]:
    """This venv's bin (uv) first on PATH; without VIRTUAL_ENV, so the baked
    project's uv uses the project's own .venv."""
    variables = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    variables["PATH"] = (
        str(Path(sys.executable).parent) + os.pathsep + variables["PATH"]
    )
    return variables


def bake(output_dir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", str(TEMPLATE)]
        + ["-o", str(output_dir)],
        check=True,
        capture_output=True,
    )
    (project,) = output_dir.iterdir()
    return project


def make_seconds(project: Path, target: str) -> float:
    """Wall time of one make target; its output is shown only when it fails."""
    started = time.perf_counter()
    completed = subprocess.run(
        ["make", target],
        cwd=project,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"make {target} failed:\n{completed.stdout[-4000:]}")
    return time.perf_counter() - started


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as output_dir:
        project = bake(Path(output_dir))
        warm_up = make_seconds(project, "install")
        print(f"make install (warm-up, not in the median): {warm_up:.1f} s")
        timings = [make_seconds(project, "check") for _ in range(runs)]
    for number, seconds in enumerate(timings, start=1):
        print(f"make check {number}: {seconds:.1f} s")
    print(f"median of {runs}: {statistics.median(timings):.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
