from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.module_name }}.config import PipelineConfig
from {{ cookiecutter.module_name }}.data_loader import CsvSource
from {{ cookiecutter.module_name }}.data_loader import DataLoader
from {{ cookiecutter.module_name }}.errors import ConfigError
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
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not CSV text"),
        (b"a;b;c\n1;2;3\n", "looks semicolon-delimited: use commas"),
        (b"a\tb\n1\t2\n", "looks tab-delimited: use commas"),
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


def test_missing_markers_are_missing_but_nan_is_a_value(tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    path.write_bytes(b"a,b\n1.5,x\nNA,\nNaN,NaN\n")
    frame = CsvSource(path).read()
    assert frame["a"].isna().tolist() == [False, True, False]
    assert frame["b"].isna().tolist() == [False, True, False]


def test_dataset_makes_numeric_features_numbers(loader: DataLoader) -> None:
    frame = pd.DataFrame(
        {
            "species": ["Adelie", "Gentoo"],
            "island": ["Dream", "Biscoe"],
            "sex": ["male", None],
            "bill_length_mm": ["39.1", "NaN"],
            "bill_depth_mm": [18.7, 17.4],
            "flipper_length_mm": [181.0, 186.0],
            "body_mass_g": [3750.0, 3800.0],
        }
    )
    features = loader.to_dataset(frame).features
    assert features["bill_length_mm"].dtype == "float64"
    assert features["bill_length_mm"].isna().tolist() == [False, True]


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


def test_a_feature_missing_from_the_data_is_one_line(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    with pytest.raises(DataError, match=r"features \['island'\] are not columns"):
        loader.to_dataset(sample.drop(columns=["island"]))


def test_a_split_too_small_for_every_class_is_a_config_error(
    loader: DataLoader, sample: pd.DataFrame
) -> None:
    tiny = DataLoader(loader.label, loader.numeric, loader.categorical, 0.001, 1)
    with pytest.raises(ConfigError, match=r"\[split\] cannot split the data"):
        tiny.split(tiny.to_dataset(sample))
