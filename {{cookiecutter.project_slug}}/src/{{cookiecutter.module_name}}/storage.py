"""Atomic writes: a crash mid-write never leaves half a file where a good one stood,
and a crash mid-promotion never leaves half a production model."""

import fcntl
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from typing import Any

from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.errors import DataError

MODEL_FILE = "model.joblib"
PRODUCTION = "production"
LOCK_FILE = ".lock"


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write beside the target, flush to disk, then rename over it in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from the group
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _strict_json(value: Any) -> Any:
    """NaN becomes null: JSON has no NaN, and readers other than Python reject it."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    return value


def write_text(path: Path, text: str) -> None:
    _write_atomically(path, lambda stream: stream.write(text.encode("utf-8")))


def copy_file(source: Path, target: Path) -> None:
    with source.open("rb") as stream:
        _write_atomically(target, lambda out: shutil.copyfileobj(stream, out))


def write_json(path: Path, document: dict[str, Any]) -> None:
    strict = _strict_json(document)
    write_text(
        path, json.dumps(strict, indent=2, sort_keys=True, allow_nan=False) + "\n"
    )


def save_artifact(path: Path, artifact: ModelArtifact) -> None:
    import joblib  # here, not at the top: the data commands never load a model

    _write_atomically(path, lambda stream: joblib.dump(artifact, stream))


def load_artifact(path: Path) -> ModelArtifact:
    if not path.is_file():
        raise DataError(f"{path}: no model yet; run `make pipeline` first")
    import joblib

    try:
        artifact = joblib.load(path)
    except Exception as error:  # a truncated or foreign file fails in many ways
        raise DataError(f"{path}: not a readable model artifact ({error!r})") from None
    if not isinstance(artifact, ModelArtifact):
        raise DataError(f"{path}: not a model artifact of this project")
    return artifact


@contextmanager
def production_lock(models_dir: Path) -> Iterator[None]:
    """One run at a time judges against production and promotes: a second waits, then
    is judged against whatever the first promoted, never against a model that
    production no longer is. The lock is the OS's, so a killed run releases it."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def production_model(models_dir: Path) -> Path:
    """Where the Predictor serves from: a link to one whole release folder."""
    return models_dir / PRODUCTION / MODEL_FILE


def promote_release(models_dir: Path, candidate: Path, version: str) -> Path:
    """Copy the candidate into its own release folder, then repoint the production
    link with one rename. A crash before the rename leaves the old link, after it the
    new one; both point at a complete folder. Releases stay, so rolling back is
    repointing the link (see README)."""
    release = models_dir / version
    payload = candidate.read_bytes()
    _write_atomically(release / MODEL_FILE, lambda stream: stream.write(payload))
    pending = models_dir / f".{PRODUCTION}.next"
    pending.unlink(missing_ok=True)  # left by a crash between these two steps
    pending.symlink_to(version, target_is_directory=True)
    os.replace(pending, models_dir / PRODUCTION)
    return release
