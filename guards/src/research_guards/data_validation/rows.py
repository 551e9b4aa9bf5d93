"""Row-level checks, for where a person must see which rows broke the schema: serving
input. pandera collects every failure at once (lazy mode)."""

import numpy as np
import pandas as pd
import pandera.pandas as pa

from research_guards.data_validation.schema import FeatureSchema
from research_guards.data_validation.schema import Schema
from research_guards.data_validation.statistics import MODEL_MAX_MAGNITUDE

# Data rows start on line 2 of a CSV file, under the header.
FIRST_DATA_LINE = 2
LINES_SHOWN = 5


def _column(feature: FeatureSchema) -> pa.Column:
    checks = []
    # One check per bound: an inferred schema often keeps only a sign (min 0, no
    # max), and pandera's in_range needs both.
    if feature.minimum is not None:
        checks.append(pa.Check.ge(feature.minimum))
    if feature.maximum is not None:
        checks.append(pa.Check.le(feature.maximum))
    if feature.numeric and feature.disallow_inf:
        checks.append(pa.Check(lambda values: ~np.isinf(values), name="finite"))
    if feature.numeric:
        # NaN and infinities are other checks' findings: only finite numbers here.
        checks.append(
            pa.Check(
                lambda values: ~(
                    np.isfinite(values) & (np.abs(values) > MODEL_MAX_MAGNITUDE)
                ),
                name="within_model_range",
            )
        )
    if feature.domain is not None and feature.min_domain_mass >= 1.0:
        checks.append(pa.Check.isin(list(feature.domain)))
    return pa.Column(
        float if feature.numeric else str,
        checks=checks,
        nullable=True,
        required=False,
        coerce=feature.numeric,
    )


def failing_lines(schema: Schema, frame: pd.DataFrame) -> dict[str, str]:
    """CSV line numbers of the rows that break each feature's rules."""
    columns = {name: _column(feature) for name, feature in schema.features.items()}
    try:
        pa.DataFrameSchema(columns).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _lines_per_column(errors.failure_cases)
    return {}


def _lines_per_column(failures: pd.DataFrame) -> dict[str, str]:
    named: dict[str, str] = {}
    rows = failures.dropna(subset=["column", "index"])
    for column, cases in rows.groupby("column"):
        lines = sorted({int(index) + FIRST_DATA_LINE for index in cases["index"]})
        shown = ", ".join(str(line) for line in lines[:LINES_SHOWN])
        more = (
            f" and {len(lines) - LINES_SHOWN} more" if len(lines) > LINES_SHOWN else ""
        )
        named[str(column)] = (
            f"line {shown}{more}" if len(lines) == 1 else f"lines {shown}{more}"
        )
    return named
