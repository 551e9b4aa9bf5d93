"""Check rows against the reviewed schema before anything learns or predicts."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from {{ cookiecutter.module_name }}.datatypes import Anomaly
from {{ cookiecutter.module_name }}.datatypes import Environment
from {{ cookiecutter.module_name }}.errors import DataError

PANDAS_TYPES = {"float": float, "int": int, "string": str}
EXAMPLES_SHOWN = 3


@dataclass(frozen=True)
class FeatureSchema:
    """What one column may hold: type, range or domain, and whether it may be empty."""

    name: str
    type: str
    nullable: bool
    minimum: float | None = None
    maximum: float | None = None
    domain: tuple[str, ...] | None = None

    def column(self, required: bool) -> pa.Column:
        checks = []
        if self.minimum is not None or self.maximum is not None:
            checks.append(pa.Check.in_range(self.minimum, self.maximum))
        if self.domain is not None:
            checks.append(pa.Check.isin(list(self.domain)))
        return pa.Column(
            PANDAS_TYPES[self.type],
            checks=checks,
            nullable=self.nullable,
            required=required,
            coerce=self.type != "string",
        )

    @property
    def allowed_range(self) -> str:
        return f"[{self.minimum}, {self.maximum}]"


@dataclass(frozen=True)
class Schema:
    """The schema file under version control; read here, never rewritten."""

    label: str
    features: tuple[FeatureSchema, ...]

    @classmethod
    def load(cls, path: Path) -> "Schema":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                label=document["label"],
                features=tuple(
                    _feature(name, spec) for name, spec in document["features"].items()
                ),
            )
        except FileNotFoundError:
            raise DataError(f"{path}: no such schema file") from None
        except (ValueError, KeyError, TypeError) as error:
            raise DataError(f"{path}: not a valid schema ({error!r})") from None

    def feature(self, name: str) -> FeatureSchema:
        return next(feature for feature in self.features if feature.name == name)


def _feature(name: str, spec: dict[str, Any]) -> FeatureSchema:
    if spec["type"] not in PANDAS_TYPES:
        raise ValueError(f"{name}: type must be one of {sorted(PANDAS_TYPES)}")
    domain = spec.get("domain")
    return FeatureSchema(
        name=name,
        type=spec["type"],
        nullable=bool(spec["nullable"]),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        domain=None if domain is None else tuple(domain),
    )


class DataValidator:
    """Reports every anomaly at once (pandera's lazy mode), not just the first."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def validate(self, frame: pd.DataFrame, environment: Environment) -> list[Anomaly]:
        try:
            self._pandera_schema(environment).validate(frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            return self._anomalies(errors.failure_cases, environment)
        return []

    def _pandera_schema(self, environment: Environment) -> pa.DataFrameSchema:
        """The label is required in training and optional in serving, as in TFDV."""
        columns = {
            feature.name: feature.column(
                required=environment == "training" or feature.name != self.schema.label
            )
            for feature in self.schema.features
        }
        return pa.DataFrameSchema(columns, strict=True)

    def _anomalies(
        self, failures: pd.DataFrame, environment: Environment
    ) -> list[Anomaly]:
        anomalies: list[Anomaly] = []
        for (column, check), cases in failures.groupby(
            ["column", "check"], dropna=False, sort=True
        ):
            anomalies.extend(self._describe(column, str(check), cases, environment))
        return _without_consequences_of_wrong_types(anomalies)

    def _describe(
        self, column: Any, check: str, cases: pd.DataFrame, environment: Environment
    ) -> list[Anomaly]:
        values = cases["failure_case"]
        if check == "column_in_dataframe":
            return [
                Anomaly(
                    str(name), "missing column", "absent", f"present in {environment}"
                )
                for name in values
            ]
        if check == "column_in_schema":
            return [
                Anomaly(
                    str(name), "unexpected column", "present", "only schema columns"
                )
                for name in values
            ]
        feature = self.schema.feature(str(column))
        observed = _examples(values)
        if check == "not_nullable":
            return [
                Anomaly(feature.name, "missing values", observed, "no missing values")
            ]
        if check.startswith("in_range"):
            allowed = feature.allowed_range
            return [Anomaly(feature.name, "out of range", observed, allowed)]
        if check.startswith("isin"):
            allowed = f"one of {list(feature.domain or ())}"
            return [Anomaly(feature.name, "outside domain", observed, allowed)]
        return [Anomaly(feature.name, "wrong type", observed, f"type {feature.type}")]


def _without_consequences_of_wrong_types(anomalies: list[Anomaly]) -> list[Anomaly]:
    """Text in a numeric column also fails its range check; the type is the cause."""
    mistyped = {
        anomaly.feature for anomaly in anomalies if anomaly.kind == "wrong type"
    }
    return [
        anomaly
        for anomaly in anomalies
        if anomaly.feature not in mistyped or anomaly.kind == "wrong type"
    ]


def _examples(values: "pd.Series[Any]") -> str:
    distinct = [str(value) for value in values.drop_duplicates().head(EXAMPLES_SHOWN)]
    return f"{len(values)} value(s) such as {', '.join(distinct)}"
