"""Fitting, seeded so that the same config and data give the same model."""

from {{ cookiecutter.module_name }}.datatypes import Classifier
from {{ cookiecutter.module_name }}.datatypes import Dataset
from {{ cookiecutter.module_name }}.datatypes import FeatureTransformer
from {{ cookiecutter.module_name }}.datatypes import ModelArtifact
from {{ cookiecutter.module_name }}.errors import ConfigError


class Trainer:
    """Fits the transformer and the classifier on training rows only."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def train(
        self, transformer: FeatureTransformer, estimator: Classifier, train: Dataset
    ) -> ModelArtifact:
        self._seed(estimator)
        encoded = transformer.fit(train.features).transform(train.features)
        try:
            estimator.fit(encoded, train.labels.to_numpy())
        except (TypeError, ValueError) as error:
            first_line = str(error).splitlines()[0]
            raise ConfigError(f"[model] the estimator cannot be fitted: {first_line}")
        return ModelArtifact(
            transformer=transformer,
            estimator=estimator,
            feature_names=tuple(train.features.columns),
            label=str(train.labels.name),
        )

    def _seed(self, estimator: Classifier) -> None:
        """Estimators with randomness take the run's seed unless the config set one."""
        params = estimator.get_params()
        if "random_state" in params and params["random_state"] is None:
            estimator.set_params(random_state=self.seed)
