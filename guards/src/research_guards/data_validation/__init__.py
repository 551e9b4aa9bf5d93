"""Data validation with TensorFlow Data Validation's semantics on pandas and pandera:
statistics computed once per column, checked against a reviewed schema (anomalies), and
compared between datasets (skew: training vs serving; drift: previous vs current)."""

from dataclasses import replace
from typing import Literal

import pandas as pd

from research_guards.config import ValidationConfig
from research_guards.data_validation.anomalies import anomalies_of
from research_guards.data_validation.anomalies import presence_notes
from research_guards.data_validation.comparators import Comparison
from research_guards.data_validation.comparators import compare
from research_guards.data_validation.comparators import without_control
from research_guards.data_validation.schema import Schema
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import statistics_of
from research_guards.datatypes import Anomaly
from research_guards.datatypes import Environment

__all__ = ["Comparison", "DataValidator", "Schema"]

ComparisonKind = Literal["skew", "drift"]


class DataValidator:
    """Checks datasets against the schema as relaxed by the config's reviewers."""

    def __init__(
        self,
        schema: Schema,
        config: ValidationConfig,
        serving: tuple[str, ...] | None = None,
    ) -> None:
        """`serving`: the columns serving needs (the model's features); any other
        column of the schema may be absent from serving rows. None: every column
        but the label."""
        self.schema = schema.relaxed(config.features)
        self.config = config
        self.serving = serving

    def statistics(self, frame: pd.DataFrame) -> DatasetStatistics:
        return statistics_of(frame, self.schema.numeric_names)

    def validate(self, frame: pd.DataFrame, environment: Environment) -> list[Anomaly]:
        return self.with_lines(
            self.anomalies(self.statistics(frame), environment), frame, environment
        )

    def with_lines(
        self, anomalies: list[Anomaly], frame: pd.DataFrame, environment: Environment
    ) -> list[Anomaly]:
        """Serving anomalies name the CSV lines at fault: a person fixes rows."""
        # Imported here: pandera, which finds those lines, takes 0.2 s to import, and
        # only a serving table with anomalies needs it.
        from research_guards.data_validation.rows import failing_lines

        if environment == "serving" and anomalies:
            lines = failing_lines(self.schema, frame)
            return [
                (
                    replace(a, observed=f"{a.observed} ({lines[a.feature]})")
                    if a.feature in lines
                    else a
                )
                for a in anomalies
            ]
        return anomalies

    def anomalies(
        self, statistics: DatasetStatistics, environment: Environment
    ) -> list[Anomaly]:
        return anomalies_of(
            self.schema, statistics, environment, self.config.min_examples, self.serving
        )

    def notes(self, statistics: DatasetStatistics) -> dict[str, str]:
        """Feature -> what was not judged: presence below the floor by no more than
        sampling noise ("too few rows to judge"), said where anomalies are shown."""
        return presence_notes(self.schema, statistics)

    def compare(
        self,
        reference: DatasetStatistics,
        current: DatasetStatistics,
        kind: ComparisonKind,
    ) -> list[Comparison]:
        """Every feature of the current data is compared and reported, fired or
        not; one the reference lacks is an anomaly, not a silent pass."""
        return [
            (
                compare(
                    reference.features[name],
                    current.features[name],
                    self._threshold(name, kind),
                )
                if name in reference.features
                else without_control(name, self._threshold(name, kind))
            )
            for name in self.schema.features
            if name in current.features
        ]

    def _threshold(self, name: str, kind: ComparisonKind) -> float:
        relaxation = self.config.features.get(name)
        override = None
        if relaxation is not None:
            override = (
                relaxation.skew_threshold
                if kind == "skew"
                else relaxation.drift_threshold
            )
        default = (
            self.config.skew_threshold
            if kind == "skew"
            else self.config.drift_threshold
        )
        return default if override is None else override
