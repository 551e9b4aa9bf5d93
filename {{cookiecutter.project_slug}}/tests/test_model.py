import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from {{ cookiecutter.module_name }}.config import ModelConfig
from {{ cookiecutter.module_name }}.errors import ConfigError
from {{ cookiecutter.module_name }}.model import Model


def test_builds_the_configured_classifier_with_its_params() -> None:
    config = ModelConfig("sklearn.linear_model.LogisticRegression", {"C": 0.5})
    estimator = Model(config).build()
    assert isinstance(estimator, LogisticRegression)
    assert estimator.C == 0.5


def test_default_params() -> None:
    config = ModelConfig("sklearn.ensemble.RandomForestClassifier")
    assert isinstance(Model(config).build(), RandomForestClassifier)


@pytest.mark.parametrize(
    ("estimator", "params", "message"),
    [
        ("sklearn.ensemble.NoSuchForest", {}, "is not importable"),
        ("nowhere.Model", {}, "is not importable"),
        ("RandomForestClassifier", {}, "is not importable"),
        (
            "sklearn.linear_model.LinearRegression",
            {},
            "is not a classifier",
        ),
        ("sklearn.linear_model", {}, "is not a class"),
        ("sklearn.ensemble.RandomForestClassifier", {"trees": 3}, "do not fit"),
    ],
)
def test_bad_model_config_is_one_line(
    estimator: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        Model(ModelConfig(estimator, params)).build()
    assert "\n" not in str(raised.value)
