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

from research_guards.errors import DataError
from research_guards.storage import write_json
from research_guards.storage import write_text

TRACKED_PACKAGES = ("numpy", "optuna", "pandas", "pandera", "scikit-learn")
# A record's "promotion": the run was not meant to release ("experiment"), the gate
# refused ("refused"), the project changed under it ("withheld"), or the record was
# written just before the production link moved ("pending") and after it ("done").
PROMOTED = "done"
# What a record.json holds instead of an object, in JSON's words.
JSON_SHAPES = {list: "array", str: "string", int: "number", float: "number"}
JSON_SHAPES |= {bool: "true or false", type(None): "null"}
PENDING = "pending"


def _why(error: Exception) -> str:
    """The first line of an error, for a one-line message."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text.splitlines()[0]


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

    def attach(self, run_dir: Path, file: Path) -> None:
        """Keep a file written after the record (the evaluation page) with the run."""
        write_text(run_dir / file.name, file.read_text(encoding="utf-8"))

    def history(self) -> list[dict[str, Any]]:
        """Every readable run record, oldest first (run ids start with the time)."""
        return self.scan()[0]

    def scan(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Every readable run record, oldest first (run ids start with the time),
        and one line for each record.json that cannot be read, so a listing never
        leaves a run out without a word. A run cut short before its record has no
        record.json, and is not a damaged one."""
        records, unreadable = [], []
        for path in sorted(self.runs_dir.glob("*/record.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                unreadable.append(f"{path}: unreadable run record ({_why(error)})")
                continue
            if not isinstance(record, dict):
                shape = JSON_SHAPES.get(type(record), type(record).__name__)
                unreadable.append(
                    f"{path}: unreadable run record (a JSON {shape}, not an object)"
                )
                continue
            if not isinstance(record.get("run_id"), str):
                unreadable.append(f"{path}: unreadable run record (no run_id)")
                continue
            records.append(record)
        return records, unreadable

    def mark_promoted(self, run_id: str) -> None:
        """After the production link was repointed: the record, written before it,
        said "pending"; now it says promoted. A record never claims a promotion
        that did not happen; "pending" is left only by a run stopped between its
        record and this line, and `runs` shows whether that run is serving."""
        path = self.run_dir(run_id) / "record.json"
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise DataError(f"{path}: cannot read it back ({_why(error)})") from None
        write_json(path, record | {"promoted": True, "promotion": PROMOTED})
