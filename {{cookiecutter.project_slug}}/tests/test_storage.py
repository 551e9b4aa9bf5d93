import json
from pathlib import Path

import joblib
import pytest

from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.errors import DataError
from {{ cookiecutter.module_name }}.storage import load_artifact
from {{ cookiecutter.module_name }}.storage import save_artifact
from {{ cookiecutter.module_name }}.storage import write_json


def test_artifact_round_trip(tmp_path: Path, artifact: ModelArtifact) -> None:
    path = tmp_path / "models" / "model.joblib"
    save_artifact(path, artifact)
    assert load_artifact(path).feature_names == artifact.feature_names
    assert [p.name for p in path.parent.iterdir()] == ["model.joblib"]


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, artifact: ModelArtifact, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.joblib"
    save_artifact(path, artifact)
    before = path.read_bytes()

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(joblib, "dump", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        save_artifact(path, artifact)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]


def test_load_refuses_what_is_not_an_artifact(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    joblib.dump({"not": "a model"}, path)
    with pytest.raises(DataError, match="not a model artifact"):
        load_artifact(path)


def test_write_json_is_sorted_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    write_json(path, {"b": 1, "a": [1, 2]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"a": [1, 2], "b": 1}
    assert path.read_text(encoding="utf-8").index('"a"') < path.read_text().index('"b"')


def test_a_damaged_artifact_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="not a readable model artifact"):
        load_artifact(path)
