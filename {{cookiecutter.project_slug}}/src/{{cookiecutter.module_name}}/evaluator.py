"""Held-out metrics overall and per slice, as TFMA slices them. Which slices and which
sensitive feature are this project's choice (the config's [evaluation]); the metrics
are the standard's (research_guards.metrics), so every repository's gate judges the
same numbers."""

from research_guards.datatypes import Dataset
from research_guards.datatypes import Evaluation
from research_guards.datatypes import ModelArtifact
from research_guards.metrics import evaluate


class Evaluator:
    """Scores an artifact on a labelled dataset; knows metrics, not models.

    `slices` are TFMA's feature keys: ("site",) makes one slice per site,
    ("site", "shift") one per pair. `sensitive_feature` adds the demographic-parity
    difference of the predictions across its values.
    """

    def __init__(
        self,
        slices: tuple[tuple[str, ...], ...] = (),
        sensitive_feature: str | None = None,
    ) -> None:
        self.slices = slices
        self.sensitive_feature = sensitive_feature

    def evaluate(self, artifact: ModelArtifact, test: Dataset) -> Evaluation:
        return evaluate(artifact, test, self.slices, self.sensitive_feature)
