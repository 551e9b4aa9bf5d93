"""The What-If views on binary, multiclass and regression tables the tests make:
an edited row answered by both models (a category outside the domain warned about
as the Predictor would refuse it), the nearest counterfactual by the What-If tool's
distance, partial dependence, performance per slice, and the decision threshold
a binary model then predicts with."""

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import ProjectFactory
from conftest import split_rows
from conftest import train
from conftest import views_of

from research_guards.config import load_config
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema
from research_guards.errors import ConfigError
from research_guards.sources import CsvSource
from research_guards.testing import table
from research_guards.testing import write_project
from research_guards.whatif import RequestError
from research_guards.whatif import WhatIf


def wit_distance(
    views: WhatIf, row: dict[str, Any], other: dict[str, Any], distance: str
) -> float:
    """The What-If tool's distance, feature by feature."""
    parts = []
    for name, feature in views.features.items():
        mine, theirs = row[name], other[name]
        if mine is None or theirs is None:
            parts.append(0.0 if mine is None and theirs is None else 1.0)
        elif feature.numeric:
            parts.append(abs(mine - theirs) / feature.spread)
        else:
            parts.append(0.0 if mine == theirs else 1.0)
    return sum(parts) if distance == "L1" else float(sum(p * p for p in parts) ** 0.5)


def first_row(views: WhatIf) -> dict[str, Any]:
    row = views.table()["rows"][0]
    return dict(zip(views.table()["columns"], row))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, WhatIf]:
    """One set of views per kind, for the tests that only read them."""
    root = tmp_path_factory.mktemp("whatif")
    views = {}
    for kind in ("binary", "multiclass", "regression"):
        views[kind] = views_of(load_config(write_project(root / kind, kind)))
    return views


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_an_edit_changes_what_both_models_answer(
    made: dict[str, WhatIf], kind: str
) -> None:
    views = made[kind]
    row = first_row(views)
    before = views.predict(row)["predictions"]
    after = views.predict({**row, "length": 80.0, "width": 60.0})["predictions"]
    assert set(before) == {"production", "candidate"}
    for name in before:
        changed = before[name] != after[name]
        assert changed, f"{name} answered the edited row as the original"
    if kind != "regression":
        probabilities = after["production"]["probabilities"]
        assert sum(probabilities.values()) == pytest.approx(1.0)


def test_a_category_outside_the_domain_is_answered_with_the_predictors_warning(
    made: dict[str, WhatIf],
) -> None:
    answer = made["binary"].predict({**first_row(made["binary"]), "site": "mars"})
    assert "prediction" in answer["predictions"]["production"]
    assert answer["warnings"] == [
        "site: ENUM_TYPE_UNEXPECTED_STRING_VALUES: observed 'mars' in 100.00% of "
        "present values (line 2); allowed one of ['east', 'north', 'south'] "
        "(out-of-domain share at most 0.00%)"
    ]


def test_a_column_no_model_takes_is_no_warning(tmp_path: Path) -> None:
    """The page edits the models' features; the schema's other columns (a batch
    number here) are absent from its rows, which serving them would not need."""
    frame = table("binary").assign(batch=7)
    views = views_of(load_config(write_project(tmp_path, "binary", frame)))
    assert "batch" not in views.features
    assert views.predict(first_row(views))["warnings"] == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"colour": 1}, "unknown feature(s) ['colour']: the features are length"),
        ({"length": "long"}, "'length' takes a number or null, not 'long'"),
        ({"length": True}, "'length' takes a number or null"),
        ({"site": 3}, "'site' takes one of its categories as text or null"),
        ([1, 2], "'row' must be an object"),
    ],
)
def test_a_row_the_models_cannot_take_is_refused_in_one_line(
    made: dict[str, WhatIf], row: Any, message: str
) -> None:
    with pytest.raises(RequestError, match=re.escape(message)) as refused:
        made["binary"].predict(row)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("distance", ["L1", "L2"])
def test_the_counterfactual_is_the_nearest_row_predicted_otherwise(
    made: dict[str, WhatIf], kind: str, distance: str
) -> None:
    views = made[kind]
    row = first_row(views)
    found = views.counterfactual(row, "production", distance)
    assert found["found"]
    mine = views.predict(row)["predictions"]["production"]["prediction"]
    predicted = views.table()["predicted"]["production"]
    if kind == "regression":
        assert abs(found["prediction"] - mine) >= found["delta"]
    else:
        assert found["prediction"] != mine
    # No row predicted otherwise is nearer: the distance, recomputed row by row.
    table = views.table()
    others = [dict(zip(table["columns"], values)) for values in table["rows"]]
    otherwise = [
        wit_distance(views, row, other, distance)
        for other, value in zip(others, predicted)
        if (
            abs(value - mine) >= found["delta"]
            if kind == "regression"
            else value != mine
        )
    ]
    assert found["distance"] == pytest.approx(min(otherwise))
    assert set(found["differs"]) <= set(views.features)


def test_the_counterfactual_compares_only_the_models_own_features(
    project: ProjectFactory,
) -> None:
    """A column the model does not take (shift, here) neither counts nor differs."""
    config = project("binary")
    narrow = replace(config, features=replace(config.features, categorical=("site",)))
    train_rows, test = split_rows(config, CsvSource(config.data.train).read())
    model = train(narrow, train_rows)
    validator = DataValidator(Schema.load(config.data.schema), config.validation)
    views = WhatIf(test.features, test.labels, {"production": model}, validator)
    assert "shift" not in views.features
    row = {name: value for name, value in first_row(views).items()}
    found = views.counterfactual(row, "production", "L1")
    assert found["found"] and "shift" not in found["differs"]


def test_a_request_for_an_unknown_model_or_distance_is_refused(
    made: dict[str, WhatIf],
) -> None:
    views = made["binary"]
    with pytest.raises(
        RequestError, match="unknown model 'staging': use production, candidate"
    ):
        views.counterfactual(first_row(views), "staging", "L1")
    with pytest.raises(RequestError, match="distance must be one of L1, L2"):
        views.counterfactual(first_row(views), "production", "cosine")


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_partial_dependence_for_a_row_and_over_the_rows(
    made: dict[str, WhatIf], kind: str
) -> None:
    views = made[kind]
    row = first_row(views)
    ice = views.dependence(row, "width")
    assert len(ice["grid"]) == 20 and ice["grid"] == sorted(ice["grid"])
    assert set(ice["curves"]) == {"production", "candidate"}
    for curves in ice["curves"].values():
        assert all(len(values) == 20 for values in curves.values())
    # The ICE curve at the row's own value is the row's prediction.
    at = int(np.argmin([abs(g - row["width"]) for g in ice["grid"]]))
    edited = views.predict({**row, "width": ice["grid"][at]})["predictions"][
        "production"
    ]
    key = "probabilities" if kind != "regression" else None
    curves = ice["curves"]["production"]
    if key:
        for name, value in edited[key].items():
            assert curves[name][at] == pytest.approx(value)
    else:
        assert curves["label"][at] == pytest.approx(edited["prediction"])
    sites = views.dependence(None, "site")
    assert sites["grid"] == ["east", "north", "south"]
    with pytest.raises(RequestError, match="unknown feature 'colour'"):
        views.dependence(row, "colour")


def test_binary_strategies_move_the_thresholds(made: dict[str, WhatIf]) -> None:
    views = made["binary"]
    single = views.performance({"slice": "site", "strategy": "single"})
    group = views.performance({"slice": "site", "strategy": "group"})
    assert single["slices"] == ["east", "north", "south"]
    ones = [s["threshold"] for s in single["models"]["production"]["slices"]]
    each = [s["threshold"] for s in group["models"]["production"]["slices"]]
    assert len(set(ones)) == 1 and ones != each
    for scores in group["models"]["production"]["slices"]:
        assert (
            scores["tp"] + scores["fp"] + scores["fn"] + scores["tn"] == scores["rows"]
        )
        assert len(scores["roc"]["fpr"]) == 101
    custom = views.performance(
        {"slice": "site", "strategy": "custom", "thresholds": [0.2, 0.5, 0.8]}
    )
    assert [s["threshold"] for s in custom["models"]["candidate"]["slices"]] == [
        0.2,
        0.5,
        0.8,
    ]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"strategy": "fastest"}, "unknown strategy 'fastest': use custom, single"),
        ({"strategy": "custom"}, "custom needs 'thresholds': 1 number"),
        ({"cost_ratio": -1}, "cost_ratio must be a number above 0, not -1"),
        ({"slice": "colour"}, "unknown slice feature 'colour'"),
    ],
)
def test_a_performance_request_it_cannot_answer_is_refused(
    made: dict[str, WhatIf], request_: dict[str, Any], message: str
) -> None:
    with pytest.raises(RequestError, match=message):
        made["binary"].performance(request_)


def test_multiclass_has_a_confusion_matrix_and_regression_its_errors_per_slice(
    made: dict[str, WhatIf],
) -> None:
    multiclass = made["multiclass"].performance({"slice": "shift"})
    for scores in multiclass["models"]["production"]["slices"]:
        assert np.asarray(scores["confusion"]).shape == (3, 3)
        assert np.asarray(scores["confusion"]).sum() == scores["rows"]
    regression = made["regression"].performance({"slice": "count"})
    slices = regression["models"]["candidate"]["slices"]
    assert sum(s["rows"] for s in slices) == len(made["regression"].rows)
    for scores in slices:
        assert scores["mean_squared_error"] >= scores["mean_absolute_error"] ** 2 - 1e-9


def test_performance_needs_labelled_rows(made: dict[str, WhatIf]) -> None:
    views = made["binary"]
    unlabelled = WhatIf(views.rows, None, views.models, views.validator)
    with pytest.raises(RequestError, match="these rows have no 'label' column"):
        unlabelled.performance({})


def test_a_decision_threshold_decides_the_binary_prediction(
    made: dict[str, WhatIf],
) -> None:
    model = made["binary"].models["production"]
    rows = made["binary"].rows
    positive = model.classes[1]
    low = replace(model, threshold=0.0).predict(rows)
    high = replace(model, threshold=1.01).predict(rows)
    assert (low == positive).all() and (high != positive).all()
    score = model.predict_proba(rows)[:, 1]  # type: ignore[index]
    at_half = replace(model, threshold=0.3).predict(rows)
    assert ((at_half == positive).to_numpy() == (score >= 0.3)).all()


def test_the_config_takes_a_decision_threshold_from_0_to_1(
    project: ProjectFactory, tmp_path: Path
) -> None:
    config = project("binary")
    path = tmp_path / "binary" / "configs" / "pipeline.toml"
    assert config.evaluation.decision_threshold is None
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("[evaluation]", "[evaluation]\ndecision_threshold = 0.3"),
        encoding="utf-8",
    )
    assert load_config(path).evaluation.decision_threshold == 0.3
    path.write_text(
        text.replace("[evaluation]", "[evaluation]\ndecision_threshold = 1.5"),
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError,
        match="decision_threshold = 1.5 is not allowed: use a number from 0 to 1",
    ):
        load_config(path)


def test_rows_a_frame_of_other_columns_still_show(made: dict[str, WhatIf]) -> None:
    views = made["binary"]
    table = views.table()
    assert table["columns"] == list(views.features)
    assert len(table["rows"]) == len(views.rows) == len(table["labels"])
    assert pd.isna(views.rows["length"]).any() and any(
        row[0] is None for row in table["rows"]
    ), "a missing value is sent as null"
