"""Run records: enough about each run (config, data, code, packages) to repeat it."""

import hashlib
import json
import platform
import subprocess
from datetime import UTC
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from {{ cookiecutter.module_name }}.storage import write_json

TRACKED_PACKAGES = ("numpy", "pandas", "pandera", "scikit-learn")


def config_hash(config: dict[str, Any]) -> str:
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _git(directory: Path, *arguments: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=directory,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip()


def git_commit(directory: Path) -> str | None:
    """The checked-out commit, or None outside a git repository."""
    return _git(directory, "rev-parse", "HEAD")


def git_dirty(directory: Path) -> bool | None:
    """Whether files differ from that commit: then the commit alone does not repeat
    the run."""
    status = _git(directory, "status", "--porcelain", "--untracked-files=no")
    return None if status is None else status != ""


def package_versions() -> dict[str, str]:
    versions = {name: metadata.version(name) for name in TRACKED_PACKAGES}
    versions["python"] = platform.python_version()
    return versions


class RunRecorder:
    """Writes one JSON record per run under the runs directory."""

    def __init__(self, runs_dir: Path, project_dir: Path) -> None:
        self.runs_dir = runs_dir
        self.project_dir = project_dir

    def new_run_id(self, config: dict[str, Any]) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return f"{stamp}-{config_hash(config)[:8]}"

    def run_dir(self, run_id: str) -> Path:
        return self.runs_dir / run_id

    def record(
        self,
        run_id: str,
        config: dict[str, Any],
        data_hashes: dict[str, str],
        results: dict[str, Any],
    ) -> Path:
        """`results`: what the run found (metrics, data checks, the gate's verdict)."""
        path = self.run_dir(run_id) / "record.json"
        write_json(
            path,
            {
                "run_id": run_id,
                "config": config,
                "config_hash": config_hash(config),
                "data_hashes": data_hashes,
                "seed": config["seed"],
                "git_commit": git_commit(self.project_dir),
                "git_dirty": git_dirty(self.project_dir),
                "packages": package_versions(),
                **results,
                "finished_at": datetime.now(UTC).isoformat(),
            },
        )
        return path

    def history(self) -> list[dict[str, Any]]:
        """Every readable run record, oldest first (run ids start with the time)."""
        records = []
        for path in sorted(self.runs_dir.glob("*/record.json")):
            try:
                records.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # a run killed mid-write left no record to list
        return records
