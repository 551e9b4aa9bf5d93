"""What a reader sees in a page's figures, measured on the figures themselves: the
inline SVG draws its text as outlines, so a test keeps each Figure a page inlines
and asks matplotlib where its legends and labels landed."""

from itertools import combinations
from types import ModuleType

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text


def kept(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[Figure]:
    """Every figure `module` inlines from now on, in page order."""
    figures: list[Figure] = []
    inline = module.svg

    def keep(figure: Figure) -> str:
        figures.append(figure)
        return str(inline(figure))

    monkeypatch.setattr(module, "svg", keep)
    return figures


def legends_over_data(figure: Figure) -> list[str]:
    """The x labels of the axes whose legend overlaps their plotting area."""
    figure.draw_without_rendering()
    return [
        axes.get_xlabel()
        for axes in figure.axes
        if (legend := axes.get_legend()) is not None
        and legend.get_window_extent().overlaps(axes.get_window_extent())
    ]


def overlapping_labels(figure: Figure) -> list[tuple[str, str]]:
    """Pairs of tick labels of one axis that cover each other."""
    figure.draw_without_rendering()
    pairs = []
    for axes in figure.axes:
        for labels in (axes.get_xticklabels(), axes.get_yticklabels()):
            shown = [label for label in labels if _visible(label)]
            for one, other in combinations(shown, 2):
                if one.get_window_extent().overlaps(other.get_window_extent()):
                    pairs.append((one.get_text(), other.get_text()))
    return pairs


def _visible(label: Text) -> bool:
    return bool(label.get_text()) and label.get_visible()
