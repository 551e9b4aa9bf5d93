"""Atomic writes: a crash mid-write never leaves half a file where a good one stood."""

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO
from typing import Any

import joblib

from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.errors import DataError


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


def write_json(path: Path, document: dict[str, Any]) -> None:
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    _write_atomically(path, lambda stream: stream.write(text.encode("utf-8")))


def save_artifact(path: Path, artifact: ModelArtifact) -> None:
    _write_atomically(path, lambda stream: joblib.dump(artifact, stream))


def load_artifact(path: Path) -> ModelArtifact:
    if not path.is_file():
        raise DataError(f"{path}: no model yet; run `make pipeline` first")
    try:
        artifact = joblib.load(path)
    except Exception as error:  # a truncated or foreign file fails in many ways
        raise DataError(f"{path}: not a readable model artifact ({error!r})") from None
    if not isinstance(artifact, ModelArtifact):
        raise DataError(f"{path}: not a model artifact of this project")
    return artifact
