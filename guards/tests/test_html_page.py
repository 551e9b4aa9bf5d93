"""The pages' shared drawing: legends beside the data, category names that never
cover each other."""

import pytest
from figures import legends_over_data
from figures import overlapping_labels
from matplotlib.figure import Figure

from research_guards.html_page import LONGEST_LABEL
from research_guards.html_page import category_ticks
from research_guards.html_page import legend_outside


def bars(names: list[str]) -> Figure:
    figure = Figure(figsize=(4.5, 2.4))
    axes = figure.subplots()
    axes.bar(range(len(names)), range(1, len(names) + 1), label="counts")
    legend_outside(axes)
    category_ticks(axes, list(range(len(names))), names)
    return figure


def test_short_names_stay_level() -> None:
    figure = bars(["Europe", "Japan", "USA"])
    assert [label.get_rotation() for label in figure.axes[0].get_xticklabels()] == [
        0.0
    ] * 3
    assert overlapping_labels(figure) == []


@pytest.mark.parametrize(
    "names",
    [
        [f"2012-01-{day:02d}" for day in range(1, 11)],
        ["chevrolet chevelle malibu", "ford pinto", "amc hornet sportabout (sw)"] * 3,
    ],
)
def test_names_that_would_overlap_stand_upright_and_long_ones_are_cut(
    names: list[str],
) -> None:
    figure = bars(names)
    labels = figure.axes[0].get_xticklabels()
    assert {label.get_rotation() for label in labels} == {90.0}
    assert overlapping_labels(figure) == []
    assert max(len(label.get_text()) for label in labels) <= LONGEST_LABEL


def test_the_legend_sits_beside_the_bars_it_names() -> None:
    """The tallest bar reaches the top right corner, where a legend would go."""
    assert legends_over_data(bars(["a", "b", "c"])) == []
