"""The schema: inferred once from training data, then reviewed and versioned like code.

Fields follow TFDV's schema: presence (`min_fraction_present`), numeric domain
(`min`, `max`, `disallow_nan`, `disallow_inf`), string domain, and the label that
serving data lacks.
"""

import json
import math
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import is_integer_dtype
from pandas.api.types import is_numeric_dtype

from research_guards.config import FeatureRelaxation
from research_guards.data_validation.statistics import FeatureStatistics
from research_guards.data_validation.statistics import merged
from research_guards.data_validation.statistics import statistics_of
from research_guards.datatypes import Task
from research_guards.errors import DataError
from research_guards.storage import write_text

TYPES = ("float", "int", "string")
NUMERIC_TYPES = ("float", "int")
# A text column with more distinct values than this is free text, not a category.
MAX_DOMAIN_SIZE = 50
RARE_COUNT = 5


@dataclass(frozen=True)
class FeatureSchema:
    name: str
    type: str
    min_fraction_present: float
    minimum: float | None = None
    maximum: float | None = None
    disallow_nan: bool = False
    # TFDV's float_domain.disallow_inf; true unless the schema says otherwise, so an
    # infinity never reaches a model that cannot take it (the Trainer refuses one a
    # reviewer allowed). Inference always sets it.
    disallow_inf: bool = True
    domain: tuple[str, ...] | None = None
    min_domain_mass: float = 1.0

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    def relaxed(self, relaxation: FeatureRelaxation) -> "FeatureSchema":
        """A reviewer's allowance from the config, applied on top of the schema."""
        domain = self.domain
        if domain is not None and relaxation.extra_domain:
            domain = tuple(sorted({*domain, *relaxation.extra_domain}))
        return replace(
            self,
            minimum=_widest(self.minimum, relaxation.minimum, min),
            maximum=_widest(self.maximum, relaxation.maximum, max),
            domain=domain,
            min_domain_mass=(
                self.min_domain_mass
                if relaxation.min_domain_mass is None
                else relaxation.min_domain_mass
            ),
        )

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": self.type,
            "min_fraction_present": self.min_fraction_present,
        }
        if self.numeric:
            document |= {
                "min": self.minimum,
                "max": self.maximum,
                "disallow_nan": self.disallow_nan,
                "disallow_inf": self.disallow_inf,
            }
        elif self.domain is not None:
            document["domain"] = list(self.domain)
            document["min_domain_mass"] = self.min_domain_mass
        return document


def _widest(current: float | None, wanted: float | None, pick: Any) -> float | None:
    if wanted is None or current is None:
        return current
    widest: float = pick(current, wanted)
    return widest


@dataclass(frozen=True)
class Schema:
    label: str
    features: dict[str, FeatureSchema]

    @property
    def task(self) -> Task:
        """What the label's type implies: a float label is regressed, text or
        integer labels are classes."""
        label = self.features.get(self.label)
        return "regression" if label and label.type == "float" else "classification"

    @property
    def numeric_names(self) -> set[str]:
        return {name for name, feature in self.features.items() if feature.numeric}

    @classmethod
    def infer_from(cls, frame: pd.DataFrame, label: str) -> "Schema":
        return cls.infer(lambda: iter([frame]), label)

    @classmethod
    def infer(
        cls, chunks: Callable[[], Iterator[pd.DataFrame]], label: str
    ) -> "Schema":
        """Columns pandas reads as numbers in every chunk are numeric, as whole numbers
        when the file spells them so ("45", not "45.0"): a sample of whole floats is
        no promise that the next has only whole ones. The rest are text. Two passes:
        the types first, then the statistics, each a chunk at a time."""
        numeric, whole, columns = set[str](), set[str](), list[str]()
        for number, chunk in enumerate(chunks()):
            names = [str(name) for name in chunk.columns]
            columns = columns or names
            chunk_numeric = {n for n in names if is_numeric_dtype(chunk[n])}
            chunk_whole = {n for n in names if is_integer_dtype(chunk[n])}
            numeric = chunk_numeric if number == 0 else numeric & chunk_numeric
            whole = chunk_whole if number == 0 else whole & chunk_whole
        if label not in columns:
            raise DataError(f"label column {label!r} is not in the data")
        statistics = merged(statistics_of(chunk, numeric) for chunk in chunks())
        features = {
            name: _infer_feature(feature, name in whole)
            for name, feature in sorted(statistics.features.items())
        }
        return cls(label=label, features=features)

    @classmethod
    def load(cls, path: Path) -> "Schema":
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            features = {
                name: _feature_from_json(name, spec)
                for name, spec in document["features"].items()
            }
            return cls(label=document["label"], features=features)
        except FileNotFoundError:
            raise DataError(
                f"{path}: no such schema file; create it with `infer-schema`"
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise DataError(f"{path}: not a valid schema ({error!r})") from None

    def write(self, path: Path) -> None:
        document = {
            "label": self.label,
            "features": {
                name: feature.as_json() for name, feature in self.features.items()
            },
        }
        write_text(path, json.dumps(document, indent=2, sort_keys=True) + "\n")

    def relaxed(self, relaxations: dict[str, FeatureRelaxation]) -> "Schema":
        features = {
            name: feature.relaxed(relaxations[name]) if name in relaxations else feature
            for name, feature in self.features.items()
        }
        return replace(self, features=features)


def _infer_feature(statistics: FeatureStatistics, whole: bool) -> FeatureSchema:
    """The inference policy: what a fresh sample of the same distribution would also
    meet, as TFDV's infer_schema intends. No numeric range is pinned to the observed
    min and max (TFDV sets none); only the sign the data always had is kept, so a
    negative mass or count is still caught."""
    presence = _presence_floor(statistics)
    if statistics.numeric and statistics.invalid == 0:
        integral = whole and statistics.present > 0
        minimum, maximum = statistics.minimum, statistics.maximum
        return FeatureSchema(
            name=statistics.name,
            type="int" if integral and statistics.nan == 0 else "float",
            min_fraction_present=presence,
            minimum=0.0 if minimum is not None and minimum >= 0 else None,
            maximum=0.0 if maximum is not None and maximum <= 0 else None,
            disallow_nan=statistics.nan == 0,
            # Never inferred as allowed: the model cannot take an infinity, so one in
            # the sample is an anomaly to fix, not a rule to learn.
            disallow_inf=True,
        )
    values = statistics.value_counts
    if len(values) > MAX_DOMAIN_SIZE:
        return FeatureSchema(statistics.name, "string", presence)
    return FeatureSchema(
        name=statistics.name,
        type="string",
        min_fraction_present=presence,
        domain=tuple(sorted(values)),
        min_domain_mass=_domain_mass(values),
    )


def _presence_floor(statistics: FeatureStatistics) -> float:
    """Always present stays required (TFDV: min_fraction 1.0); a column with gaps may
    have gaps, but not be mostly empty: half its observed presence, floored."""
    if statistics.present == statistics.rows:
        return 1.0
    return math.floor(statistics.fraction_present * 50) / 100


def _domain_mass(values: dict[str, int]) -> float:
    """Values seen fewer than RARE_COUNT times say other rare values exist that this
    sample missed: allow twice their share outside the domain; none, allow none."""
    total = sum(values.values())
    rare = sum(count for count in values.values() if count < RARE_COUNT)
    if not total or not rare:
        return 1.0
    return max(0.0, math.floor((1 - 2 * rare / total) * 100) / 100)


def _feature_from_json(name: str, spec: dict[str, Any]) -> FeatureSchema:
    if spec["type"] not in TYPES:
        raise ValueError(f"{name}: type must be one of {', '.join(TYPES)}")
    domain = spec.get("domain")
    return FeatureSchema(
        name=name,
        type=spec["type"],
        min_fraction_present=float(spec["min_fraction_present"]),
        minimum=spec.get("min"),
        maximum=spec.get("max"),
        disallow_nan=bool(spec.get("disallow_nan", False)),
        disallow_inf=bool(spec.get("disallow_inf", True)),
        domain=None if domain is None else tuple(str(value) for value in domain),
        min_domain_mass=float(spec.get("min_domain_mass", 1.0)),
    )
