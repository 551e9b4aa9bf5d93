"""Atomic writes: a crash mid-write never leaves half a file where a good one stood,
and a crash mid-promotion never leaves half a production model."""

import fcntl
import json
import math
import numbers
import os
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from typing import Any

from research_guards.config import blocking_file
from research_guards.datatypes import ModelArtifact
from research_guards.errors import DataError

MODEL_FILE = "model.joblib"
PRODUCTION = "production"
LOCK_FILE = ".lock"
# Written beside a null that stands for a number JSON cannot hold.
UNDEFINED = {
    "nan": "undefined (not a number): e.g. a metric of a slice with one class, or a "
    "statistic of an empty sample",
    "inf": "not finite (+infinity): no finite value measures it",
    "-inf": "not finite (-infinity): no finite value measures it",
}


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write beside the target, flush to disk, then rename over it in one step. A
    full disk or a folder we may not write in is one line naming the file, and
    leaves the target as it was."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise _unwritable(path, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from the group
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _unwritable(path, error) from None
        raise


def _unwritable(path: Path, error: OSError) -> DataError:
    problem = output_problem(path)
    if problem is not None:
        return DataError(problem)
    reason = error.strerror or str(error)
    return DataError(f"{path}: cannot write ({reason})")


def output_problem(path: Path) -> str | None:
    """Why no file can be written at `path` (it is a folder, or a file stands where
    a folder above it must be), None when nothing in the way is known."""
    if path.is_dir():
        return f"{path}: is a folder: name a file to write"
    blocking = blocking_file(path.parent)
    if blocking is not None:
        return f"{path}: cannot write: {blocking} is a file, not a folder"
    return None


def check_output(path: Path) -> None:
    """Refuse an output path no file can be written at, before the work that would
    fill it."""
    problem = output_problem(path)
    if problem is not None:
        raise DataError(problem)


def _strict_json(value: Any) -> Any:
    """JSON has no NaN or infinity, and readers other than Python reject them: a
    number that is not finite is written as null, and the dict holding it says why in
    a sibling "<key>_undefined" field, so null never passes for a measured zero or
    for a field nobody filled."""
    if isinstance(value, dict):
        strict: dict[Any, Any] = {}
        for key, item in value.items():
            strict[key] = _strict_json(item)
            reason = _undefined(item)
            if reason is not None:
                strict[f"{key}_undefined"] = reason
        return strict
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    if _not_finite(value):
        return None
    return value


def _not_finite(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, numbers.Integral)
        and not math.isfinite(value)
    )


def _undefined(value: Any) -> str | None:
    """Why a value is written as null (or holds nulls), None when it is whole."""
    if _not_finite(value):
        return UNDEFINED[str(float(value))]
    if isinstance(value, (list, tuple)):
        places = [str(index) for index, item in enumerate(value) if _not_finite(item)]
        if places:
            return f"null at index {', '.join(places)}: not a finite number"
    return None


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


def saved_model(folder: Path) -> Path:
    """The model file a run folder holds, refused in one line when it holds none:
    what `evaluate --candidate` and `whatif --candidate` are given."""
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder; pass e.g. runs/<run id>")
    if not (folder / MODEL_FILE).is_file():
        raise DataError(
            f"{folder}: no {MODEL_FILE} in it; pass a run folder, e.g. runs/<run id>"
        )
    return folder / MODEL_FILE


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
    lock = models_dir / LOCK_FILE
    refuse_unusable_lock(models_dir)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a")
    except OSError as error:
        problem = output_problem(lock)
        raise DataError(
            problem or f"{lock}: cannot open the lock ({error.strerror or error})"
        ) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def refuse_unusable_lock(models_dir: Path) -> None:
    """A folder where the lock file belongs cannot be opened to lock: say so (a run
    asks before it fits anything)."""
    lock = models_dir / LOCK_FILE
    if lock.is_dir():
        raise DataError(
            f"{lock}: is a folder, not the lock file a run takes: remove it "
            f"(rmdir {lock}) and the next run makes the file"
        )


def production_model(models_dir: Path) -> Path:
    """Where the Predictor serves from: a link to one whole release folder."""
    return models_dir / PRODUCTION / MODEL_FILE


def production_problem(models_dir: Path) -> str | None:
    """Why models/production cannot be served or gated against, None when it is a
    link to a release holding a model, or absent (no model promoted yet). A link
    whose release is gone is not a first run: gating against nothing would
    rubber-stamp whatever comes next."""
    link = models_dir / PRODUCTION
    if link.is_symlink():
        if (link / MODEL_FILE).is_file():
            return None
        return (
            f"{link} points at {os.readlink(link)}, which holds no {MODEL_FILE} (its "
            f"release folder was moved or deleted): point it at a release that has "
            f"one (ln -sfn <run id> {link}), or remove the link (rm {link}) to start "
            "a new line of models"
        )
    if link.exists():
        return (
            f"{link} is a real {'folder' if link.is_dir() else 'file'}, not a link to "
            f"a release, so promoting cannot repoint it: move it aside "
            f"(mv {link} {models_dir}/<name>) and link it (ln -s <name> {link})"
        )
    return None


def promote_release(
    models_dir: Path, candidate: Path, version: str, page: Path | None = None
) -> Path:
    """Copy the candidate (and its evaluation page, so models/production/ always
    holds the served model's page) into its own release folder, then repoint the
    production link with one rename. A crash before the rename leaves the old link,
    after it the new one; both point at a complete folder. A failure (a full disk)
    leaves the old link and no release folder of its own making. Releases stay, so
    rolling back is repointing the link (see README)."""
    link = models_dir / PRODUCTION
    if link.exists() and not link.is_symlink():
        problem = production_problem(models_dir)
        raise DataError(problem or f"{link}: not a link")
    release = models_dir / version
    made = not release.exists()
    payload = candidate.read_bytes()
    pending = models_dir / f".{PRODUCTION}.next"
    try:
        _write_atomically(release / MODEL_FILE, lambda stream: stream.write(payload))
        if page is not None and page.is_file():
            text = page.read_bytes()
            _write_atomically(release / page.name, lambda stream: stream.write(text))
        try:
            pending.unlink(missing_ok=True)  # left by a crash between these steps
            pending.symlink_to(version, target_is_directory=True)
            os.replace(pending, link)
        except OSError as error:
            pending.unlink(missing_ok=True)
            raise DataError(
                f"{link}: cannot repoint it at {release} "
                f"({error.strerror or error}); production is unchanged"
            ) from None
    except BaseException:
        if made:
            shutil.rmtree(release, ignore_errors=True)
        raise
    return release
