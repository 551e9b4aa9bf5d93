from pathlib import Path

import pytest

from {{ cookiecutter.module_name }}.config import NOT_WORSE
from {{ cookiecutter.module_name }}.config import load_config
from {{ cookiecutter.module_name }}.errors import ConfigError


def write_config(config_path: Path, tmp_path: Path, replace: str, by: str) -> Path:
    text = config_path.read_text(encoding="utf-8").replace(replace, by)
    path = tmp_path / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_resolves_paths_relative_to_the_file(config_path: Path) -> None:
    config = load_config(config_path)
    assert config.data.train == config_path.parent.parent / "data/sample/penguins.csv"
    assert config.data.train.is_file()
    assert (
        config.features.columns == config.features.numeric + config.features.categorical
    )
    assert config.as_dict()["data"]["train"] == "../data/sample/penguins.csv"
    assert "root" not in config.as_dict()


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "absent.toml")


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("seed = = 3", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a readable TOML file"):
        load_config(path)


@pytest.mark.parametrize(
    ("replace", "by", "message"),
    [
        ("seed = 42", 'seed = "x"', "seed = 'x' is not allowed: use an integer"),
        ("test_fraction = 0.25", "test_fraction = 1.5", r"\[split\] test_fraction"),
        ("test_fraction = 0.25", "test_fraction = true", "between 0 and 1"),
        ('label = "species"', 'label = ""', r"\[data\] label"),
        ('categorical = ["island", "sex"]', "categorical = [1]", "column names"),
        ("\n[model.params]\n", "\nparams = 3\n[unused]\n", r"\[model\] params"),
        ('sensitive_feature = "sex"', 'sensitive_feature = "year"', "one of the"),
        ('feature_keys = ["sex"]', 'feature_keys = ["species"]', "feature_keys"),
        ('feature_keys = ["sex"]', "feature_keys = []", "feature_keys"),
        ('higher_is_better"\nabsolute', 'up"\nabsolute', "'higher_is_better' or"),
        ('direction = "lower_is_better"\n', "", r"thresholds\] direction"),
        ("lower_bound = 0.9\n", "", "a threshold with a bound or a change"),
        (
            'slice = { sex = "female" }',
            'slice = { year = "2007" }',
            r"\['year'\] are not",
        ),
        (
            'slice = { sex = "female" }',
            'slices = { sex = "female" }',
            "slices is not a",
        ),
        ('metric = "log_loss"', 'metric = "logloss"', "use accuracy, balanced_"),
        ("lower_bound = 0.85", "lower_bound = 0.85\nupper_bound = 0.5", "at or above"),
    ],
)
def test_bad_values_name_the_key(
    config_path: Path, tmp_path: Path, replace: str, by: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(config_path, tmp_path, replace, by))


def test_no_features_is_refused(config_path: Path, tmp_path: Path) -> None:
    path = write_config(
        config_path,
        tmp_path,
        'numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", '
        '"body_mass_g"]\ncategorical = ["island", "sex"]',
        "numeric = []\ncategorical = []",
    )
    with pytest.raises(ConfigError, match="at least one"):
        load_config(path)


def test_validation_relaxations_are_read(config_path: Path, tmp_path: Path) -> None:
    extra = (
        "\n[validation.features.island]\n"
        'extra_domain = ["Anvers"]\nmin_domain_mass = 0.9\ndrift_threshold = 0.3\n'
        "\n[validation.features.body_mass_g]\nmin = 2000\nmax = 7000.5\n"
    )
    line = "drift_threshold = 0.1\n"
    path = write_config(config_path, tmp_path, line, line + extra)
    validation = load_config(path).validation
    island = validation.features["island"]
    assert island.extra_domain == ("Anvers",)
    assert (island.min_domain_mass, island.drift_threshold) == (0.9, 0.3)
    assert validation.drift_threshold == 0.1
    mass = validation.features["body_mass_g"]
    assert (mass.minimum, mass.maximum, mass.skew_threshold) == (2000.0, 7000.5, None)


def test_a_relaxation_must_be_a_number(config_path: Path, tmp_path: Path) -> None:
    extra = '\n[validation.features.island]\nmin = "low"\n'
    path = write_config(config_path, tmp_path, "drift_threshold = 0.1\n", extra)
    with pytest.raises(ConfigError, match=r"\[validation.features.island\] min"):
        load_config(path)


def test_the_label_is_not_a_feature(config_path: Path, tmp_path: Path) -> None:
    path = write_config(
        config_path,
        tmp_path,
        'categorical = ["island", "sex"]',
        'categorical = ["island", "sex", "species"]',
    )
    with pytest.raises(ConfigError, match="features without the label 'species'"):
        load_config(path)


def test_without_thresholds_the_gate_is_not_worse_than_production(
    config_path: Path, tmp_path: Path
) -> None:
    text = config_path.read_text(encoding="utf-8")
    path = tmp_path / "pipeline.toml"
    path.write_text(text[: text.index("[evaluation]")], encoding="utf-8")
    evaluation = load_config(path).evaluation
    assert evaluation.slices == () and evaluation.sensitive_feature is None
    assert evaluation.thresholds == (NOT_WORSE,)
    assert NOT_WORSE.direction == "higher_is_better" and NOT_WORSE.absolute == -1e-10


def test_shipped_thresholds_and_slices(config_path: Path) -> None:
    evaluation = load_config(config_path).evaluation
    assert ("island", "sex") in evaluation.slices
    female = [t for t in evaluation.thresholds if t.slice == (("sex", "female"),)]
    assert female and female[0].lower_bound is not None
