"""Statistics checked against the schema, with TFDV's anomaly types as the kinds."""

import math
from collections.abc import Callable
from typing import Any

from research_guards.data_validation.schema import FeatureSchema
from research_guards.data_validation.schema import Schema
from research_guards.data_validation.statistics import MAX_DISTINCT
from research_guards.data_validation.statistics import MODEL_MAX_MAGNITUDE
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import FeatureStatistics
from research_guards.datatypes import Anomaly
from research_guards.datatypes import Environment

SHOWN_VALUES = 8
# Presence below the floor fires when a sample at the floor reads this few or fewer
# at most this often: once in a thousand tables of one distribution.
PRESENCE_ALPHA = 0.001
FeatureCheck = Callable[[FeatureSchema, FeatureStatistics], Anomaly | None]


def anomalies_of(
    schema: Schema,
    statistics: DatasetStatistics,
    environment: Environment,
    min_examples: int,
    serving: tuple[str, ...] | None = None,
) -> list[Anomaly]:
    found = _columns(schema, statistics, environment, serving)
    if environment == "training" and statistics.rows < min_examples:
        found.append(
            Anomaly(
                "<dataset>",
                "DATASET_LOW_NUM_EXAMPLES",
                f"{statistics.rows} rows",
                f"at least {min_examples} rows",
            )
        )
    for name, feature in schema.features.items():
        if name in statistics.features:
            observed = statistics.features[name]
            found.extend(a for check in CHECKS if (a := check(feature, observed)))
    return found


def _columns(
    schema: Schema,
    statistics: DatasetStatistics,
    environment: Environment,
    serving: tuple[str, ...] | None,
) -> list[Anomaly]:
    """Serving data may lack the label, and serving and evaluation data any column
    the model does not take (`serving`, when given): TFDV's environments, which
    they are not in."""
    needed = None
    if environment != "training" and serving is not None:
        needed = {*serving, schema.label}
    missing = [
        Anomaly(
            name, "SCHEMA_MISSING_COLUMN", "column absent", f"present in {environment}"
        )
        for name, feature in schema.features.items()
        if name not in statistics.features
        and feature.min_fraction_present > 0
        and not (environment == "serving" and name == schema.label)
        and (needed is None or name in needed)
    ]
    new = [
        Anomaly(
            name, "SCHEMA_NEW_COLUMN", "column present", "only the schema's columns"
        )
        for name in statistics.features
        if name not in schema.features
    ]
    if environment == "serving" and schema.label in statistics.features:
        # TFDV: a feature not in the environment is new there. The label in serving
        # rows is a leak: whatever reads them could learn the answer.
        new.append(
            Anomaly(
                schema.label,
                "SCHEMA_NEW_COLUMN",
                "the label is present in serving data",
                "no label when serving (not in the SERVING environment)",
            )
        )
    return missing + new


def _presence(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    """Fires only when the rows present are below the floor and fewer than a sample
    of this size from a column at the floor reads but once in 1 / PRESENCE_ALPHA:
    a 50-row split of a column present in 3% of rows reads none two times in three."""
    chance = presence_chance(feature, observed)
    if chance is None or chance > PRESENCE_ALPHA:
        return None
    return Anomaly(
        feature.name,
        "FEATURE_TYPE_LOW_FRACTION_PRESENT",
        _present(observed),
        f"at least {feature.min_fraction_present:.2%}",
    )


def presence_chance(
    feature: FeatureSchema, observed: FeatureStatistics
) -> float | None:
    """The chance that a sample of these rows from a column present in exactly the
    schema's floor of rows reads this few present, or fewer (one-sided binomial);
    None when the presence meets the floor. A floor of 1.0 gives 0: a required
    column fires on one blank cell, as in TFDV."""
    if observed.rows == 0 or observed.fraction_present >= feature.min_fraction_present:
        return None
    # Imported here: scipy.stats takes a second to import, and only a column below
    # its floor needs it.
    from scipy.stats import binom

    floor = feature.min_fraction_present
    return float(binom.cdf(observed.present, observed.rows, floor))


def presence_notes(schema: Schema, statistics: DatasetStatistics) -> dict[str, str]:
    """Presence below the floor by no more than sampling noise: said, not fired, as
    the comparators say a distance within the noise (comparators.Comparison)."""
    notes = {}
    for name, feature in schema.features.items():
        observed = statistics.features.get(name)
        if observed is None:
            continue
        chance = presence_chance(feature, observed)
        if chance is not None and chance > PRESENCE_ALPHA:
            notes[name] = (
                f"{name}: FEATURE_TYPE_LOW_FRACTION_PRESENT: observed"
                f" {_present(observed)}; allowed at least"
                f" {feature.min_fraction_present:.2%}: too few rows to judge"
                f" ({chance:.1%} of samples of {observed.rows} rows from a column at"
                " the floor read this few)"
            )
    return notes


def _present(observed: FeatureStatistics) -> str:
    return (
        f"{observed.fraction_present:.2%} of rows present"
        f" ({observed.present} of {observed.rows})"
    )


def _data_type(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    wrong = observed.invalid if feature.numeric else 0
    if feature.type == "int":
        wrong += observed.non_integral
    if wrong == 0:
        return None
    return Anomaly(
        feature.name,
        "UNEXPECTED_DATA_TYPE",
        f"{wrong} value(s) that are not {feature.type}",
        f"type {feature.type}",
    )


def _nan(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    if not (feature.numeric and feature.disallow_nan and observed.nan):
        return None
    return Anomaly(feature.name, "FLOAT_TYPE_HAS_NAN", f"{observed.nan} NaN", "no NaN")


def _infinite(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    """TFDV's FLOAT_TYPE_HAS_INF (float_domain_util.cc): no range check sees an
    infinity that the schema's bounds leave open."""
    if not (feature.numeric and feature.disallow_inf and observed.infinities):
        return None
    return Anomaly(
        feature.name,
        "FLOAT_TYPE_HAS_INF",
        f"{observed.infinities} infinite value(s)",
        "finite numbers (set disallow_inf false in the schema to allow them)",
    )


def _too_large(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    """A finite number no model can take: float32, in which tree estimators compute,
    makes it infinite, and the scaler's variance overflows, so the whole column turns
    to NaN. No schema setting allows one (TFDV has no such kind: its models are not
    this pipeline's); a bound a reviewer left open must not let it through."""
    if not (feature.numeric and observed.huge):
        return None
    low, high = observed.finite_range or (0.0, 0.0)
    largest = high if abs(high) >= abs(low) else low
    return Anomaly(
        feature.name,
        "FLOAT_TYPE_TOO_LARGE_FOR_MODEL",
        f"{observed.huge} value(s) of magnitude above {MODEL_MAX_MAGNITUDE:.4g}"
        f" (the largest {written(largest)})",
        f"magnitudes up to {MODEL_MAX_MAGNITUDE:.4g} (float32's largest number)",
    )


def _small(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    low, seen = feature.minimum, observed.minimum
    below = seen is not None and low is not None and seen < low
    return _outside(feature, "SMALL", "min", seen, low) if below else None


def _big(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    high, seen = feature.maximum, observed.maximum
    above = seen is not None and high is not None and seen > high
    return _outside(feature, "BIG", "max", seen, high) if above else None


def _outside(
    feature: FeatureSchema, size: str, bound_name: str, seen: Any, bound: Any
) -> Anomaly:
    """TFDV names the anomaly after the type: FLOAT_TYPE_BIG_FLOAT, INT_TYPE_BIG_INT."""
    kind = (
        f"INT_TYPE_{size}_INT" if feature.type == "int" else f"FLOAT_TYPE_{size}_FLOAT"
    )
    return Anomaly(
        feature.name,
        kind,
        f"{bound_name} {written(seen)}",
        f"{bound_name} {written(bound)}",
    )


def written(number: float) -> str:
    """As the data would spell it: 17031000000, not 1.7031e+10; 52.1, not 52.1000."""
    if math.isfinite(number) and number.is_integer() and abs(number) < 1e18:
        return str(int(number))
    return repr(float(number))


def shortened(values: tuple[str, ...]) -> str:
    """A long domain as its first values and a count, so an anomaly stays a line."""
    if len(values) <= SHOWN_VALUES:
        return str(list(values))
    shown = ", ".join(repr(value) for value in values[:SHOWN_VALUES])
    return f"[{shown}, ... {len(values) - SHOWN_VALUES} more]"


def _domain(feature: FeatureSchema, observed: FeatureStatistics) -> Anomaly | None:
    """TFDV fires when the out-of-domain share exceeds 1 - min_domain_mass."""
    if feature.domain is None or observed.present == 0:
        return None
    outside = {
        value: count
        for value, count in observed.value_counts.items()
        if value not in feature.domain
    }
    # Values past the statistics' bound on distinct values are not named: they count
    # as outside the domain, which can only make the check stricter.
    share = (sum(outside.values()) + observed.other_values) / observed.present
    if share <= 1 - feature.min_domain_mass + 1e-12:
        return None
    named = [repr(value) for value in sorted(outside)[:3]]
    if observed.other_values:
        named.append(f"{observed.other_values} values past the first {MAX_DISTINCT}")
    shown = ", ".join(named)
    return Anomaly(
        feature.name,
        "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
        f"{shown} in {share:.2%} of present values",
        f"one of {shortened(feature.domain)}"
        f" (out-of-domain share at most {1 - feature.min_domain_mass:.2%})",
    )


# Every environment: TFDV judges presence in serving data too, so a serving file whose
# feature column is blank, or mostly blank, is refused like a training file.
CHECKS: tuple[FeatureCheck, ...] = (
    _presence,
    _data_type,
    _nan,
    _infinite,
    _too_large,
    _small,
    _big,
    _domain,
)
