"""The schema inference policy: a schema inferred from one sample must accept another
sample of the same distribution, and still catch what that distribution never has."""

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.datasets import load_diabetes
from sklearn.datasets import load_wine

from research_guards.config import ValidationConfig
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema


def gappy_table(rows: int = 400) -> pd.DataFrame:
    """Missing values, a rare category and signed numbers, as real tables have."""
    generator = np.random.default_rng(1)
    colour = generator.choice(
        ["red", "blue", "green", "violet"], rows, p=[0.5, 0.3, 0.19, 0.01]
    )
    weight = generator.normal(50, 10, rows).round(1)
    weight[generator.random(rows) < 0.2] = np.nan
    return pd.DataFrame(
        {
            "colour": colour,
            "weight": weight,
            "change": generator.normal(0, 1, rows),
            "count": generator.poisson(3, rows),
            "label": generator.choice(["a", "b"], rows),
        }
    )


TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "breast_cancer": lambda: load_breast_cancer(as_frame=True).frame,
    "wine": lambda: load_wine(as_frame=True).frame,
    "diabetes": lambda: load_diabetes(as_frame=True, scaled=False).frame,
    "gappy": gappy_table,
}


@pytest.mark.parametrize("name", TABLES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_random_half_meets_the_schema_inferred_from_the_other_half(
    name: str, seed: int
) -> None:
    frame = TABLES[name]().sample(frac=1.0, random_state=seed)
    first, second = frame.iloc[: len(frame) // 2], frame.iloc[len(frame) // 2 :]
    label = "target" if "target" in frame.columns else "label"
    validator = DataValidator(Schema.infer_from(first, label), ValidationConfig())
    assert validator.validate(second.reset_index(drop=True), "training") == []


def test_a_sign_the_data_never_had_is_caught() -> None:
    table = gappy_table()
    validator = DataValidator(Schema.infer_from(table, "label"), ValidationConfig())
    schema = validator.schema.features
    assert schema["count"].minimum == 0 and schema["count"].maximum is None
    assert schema["change"].minimum is None and schema["change"].maximum is None
    negative = table.assign(count=-table["count"] - 1)
    found = validator.validate(negative, "training")
    assert [(a.feature, a.kind) for a in found] == [("count", "INT_TYPE_SMALL_INT")]


def test_an_infinity_in_the_sample_is_never_inferred_as_allowed() -> None:
    """The model cannot take an infinity, so inference does not learn one as a rule:
    the sample it came from is refused until the value is fixed."""
    table = pd.DataFrame(
        {"weight": [1.0, 2.0, math.inf, 4.0] * 5, "label": ["a", "b"] * 10}
    )
    schema = Schema.infer_from(table, "label")
    assert schema.features["weight"].disallow_inf
    found = DataValidator(schema, ValidationConfig()).validate(table, "training")
    assert [(a.feature, a.kind) for a in found] == [("weight", "FLOAT_TYPE_HAS_INF")]


def test_a_column_always_present_must_stay_so_and_gaps_may_not_grow_to_most(
    tmp_path: Path,
) -> None:
    table = gappy_table()
    schema = Schema.infer_from(table, "label")
    assert schema.features["colour"].min_fraction_present == 1.0
    assert 0.35 <= schema.features["weight"].min_fraction_present <= 0.45
    path = tmp_path / "schema.json"
    schema.write(path)
    assert Schema.load(path) == schema
    mostly_empty = table.assign(weight=table["weight"].where(table.index % 5 == 0))
    validator = DataValidator(schema, ValidationConfig())
    found = validator.validate(mostly_empty, "training")
    assert [(a.feature, a.kind) for a in found] == [
        ("weight", "FEATURE_TYPE_LOW_FRACTION_PRESENT")
    ]


def test_rare_values_leave_room_outside_the_domain_and_common_ones_do_not() -> None:
    schema = Schema.infer_from(gappy_table(), "label")
    assert schema.features["colour"].min_domain_mass < 1.0
    assert schema.features["label"].min_domain_mass == 1.0
