"""The standard's metrics on hand-made predictions."""

import math

import pandas as pd

from research_guards.metrics import demographic_parity


def test_demographic_parity_on_hand_made_predictions() -> None:
    predicted = pd.Series(["a", "a", "b", "b", "a", "b", "b", "b"])
    groups = pd.Series(["x", "x", "x", "x", "y", "y", "y", "y"])
    # P(a | x) = 0.5, P(a | y) = 0.25; P(b | x) = 0.5, P(b | y) = 0.75
    assert demographic_parity(predicted, groups) == 0.25
    assert math.isnan(demographic_parity(pd.Series([], dtype=str), pd.Series([])))
