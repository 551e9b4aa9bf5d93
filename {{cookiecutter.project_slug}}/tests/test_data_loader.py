from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.errors import DataError


def test_reads_the_sample(config: PipelineConfig) -> None:
    source = CsvSource(config.data.train)
    frame = source.read()
    assert len(frame) == 344
    assert source.location == str(config.data.train)
    assert len(source.fingerprint()) == 64
    assert source.fingerprint() == source.fingerprint()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"a,b,c\n", "header only"),
        (b"a,b\n\xff\xfe\xfa,1\n", "not UTF-8"),
        (b'a,b\n"1,2\n', "not a well-formed CSV"),
    ],
)
def test_unreadable_files_are_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        CsvSource(path).read()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        CsvSource(tmp_path / "absent.csv").read()
    with pytest.raises(DataError, match="is a directory"):
        CsvSource(tmp_path).read()


def test_dataset_drops_unlabelled_rows(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    sample.loc[0, "species"] = None
    dataset = loader.to_dataset(sample)
    assert len(dataset) == 343
    assert "species" not in dataset.features.columns
    assert list(dataset.features.columns) == list(loader.feature_names)


def test_split_is_stratified_and_reproducible(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    dataset = loader.to_dataset(sample)
    train, test = loader.split(dataset)
    again, _ = loader.split(dataset)
    assert len(train) + len(test) == len(dataset)
    assert set(train.features.index).isdisjoint(test.features.index)
    assert set(test.labels) == set(dataset.labels)
    assert list(train.features.index) == list(again.features.index)
