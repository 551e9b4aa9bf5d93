"""Static report pages: one style and one way to inline a figure, so every page opens
offline in any browser (no script, no style or image fetched from anywhere)."""

import html
import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; display: block; overflow-x: auto; max-width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: .5rem; vertical-align: top; }
th { text-align: left; }
tr.flagged { background: #fde8e8; }
.problem { color: #b00020; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; }
"""
LONGEST_LABEL = 20  # characters of a category's name under its bar or point


def legend_outside(axes: Axes) -> None:
    """The legend right of the axes, never over a bar, a curve or a point: the
    data may fill any corner, and `bbox_inches="tight"` widens the page to fit."""
    axes.legend(
        fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0
    )


def category_ticks(axes: Axes, positions: Sequence[float], names: list[str]) -> None:
    """Category names under their positions: horizontal when they fit side by side,
    turned upright when any two would overlap (measured, not guessed: a font's
    widths vary), and cut to LONGEST_LABEL characters. Call it once the data is
    drawn, as the limits that place the ticks are then final."""
    shown = [_shortened(name) for name in names]
    axes.set_xticks(positions, shown)
    figure = axes.get_figure(root=True)
    assert isinstance(figure, Figure)
    figure.draw_without_rendering()
    boxes = [label.get_window_extent() for label in axes.get_xticklabels()]
    if any(left.overlaps(right) for left, right in zip(boxes, boxes[1:])):
        axes.tick_params(axis="x", labelrotation=90)


def _shortened(name: str) -> str:
    return name if len(name) <= LONGEST_LABEL else name[: LONGEST_LABEL - 1] + "…"


def svg(figure: Figure) -> str:
    """The figure as inline SVG. No date in the metadata: the same data gives the
    same page."""
    stream = io.StringIO()
    figure.savefig(stream, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = stream.getvalue()
    return text[text.index("<svg") :]


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )
