"""A static statistics page, as TFDV's visualize_statistics(lhs, rhs) shows: per feature
the summary numbers and both datasets' histograms overlaid, anomalies and drift in red.
Figures are inline SVG from matplotlib: the page opens offline in any browser."""

import html
from collections.abc import Collection

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from research_guards.data_validation.comparators import BINS
from research_guards.data_validation.comparators import Comparison
from research_guards.data_validation.statistics import DatasetStatistics
from research_guards.data_validation.statistics import FeatureStatistics
from research_guards.datatypes import Anomaly
from research_guards.html_page import category_ticks
from research_guards.html_page import legend_outside
from research_guards.html_page import page
from research_guards.html_page import svg

TOP_VALUES = 10
EMPTY = "empty in every row"
NOT_DRAWN = "not one of the model's features ([features] in the config): not drawn"


def statistics_page(
    datasets: dict[str, DatasetStatistics],
    anomalies: list[Anomaly],
    comparisons: list[Comparison],
    notes: list[tuple[str, str]] | None = None,
    drawn: Collection[str] | None = None,
) -> str:
    """`notes` are (feature, line) for checks within sampling noise, shown unflagged.
    `datasets` maps a name shown in the legend to its statistics (one or two).
    `drawn` are the columns charted (the model's features and label; None: all):
    another column (an identifier adopt left out) keeps its numbers and checks,
    since validate-data checks it too, but a chart of its values would invite
    reading it as an input."""
    names = list(datasets)
    first = datasets[names[0]]
    rows = [
        _feature_row(
            name,
            {label: stats.features.get(name) for label, stats in datasets.items()},
            [a for a in anomalies if a.feature == name],
            [c for c in comparisons if c.feature == name],
            [line for feature, line in notes or [] if feature == name],
            drawn is None or name in drawn,
        )
        for name in first.features
    ]
    counts = ", ".join(f"{html.escape(n)}: {s.rows} rows" for n, s in datasets.items())
    dataset_lines = "".join(
        f'<p class="problem">{html.escape(str(a))}</p>'
        for a in anomalies
        if a.feature == "<dataset>"
    )
    return page(
        "Data statistics",
        f"<p>{counts}</p>{dataset_lines}"
        "<table><tr><th>feature</th><th>statistics</th><th>distribution</th></tr>"
        + "".join(rows)
        + "</table>",
    )


def _feature_row(
    name: str,
    features: dict[str, FeatureStatistics | None],
    anomalies: list[Anomaly],
    comparisons: list[Comparison],
    unjudged: list[str],
    charted: bool,
) -> str:
    present = {label: f for label, f in features.items() if f is not None}
    flagged = anomalies or any(c.fired for c in comparisons)
    problems = [str(a) for a in anomalies] + [str(c) for c in comparisons]
    notes = "".join(
        f'<p class="{"problem" if flagged else ""}">{html.escape(p)}</p>'
        for p in problems
    ) + "".join(f"<p>{html.escape(line)}</p>" for line in unjudged)
    summary = "".join(_summary(label, f) for label, f in present.items())
    figure = _figure(present) if charted else f"<p>{html.escape(NOT_DRAWN)}</p>"
    return (
        f'<tr class="{"flagged" if flagged else ""}"><td><b>{html.escape(name)}</b>'
        f"{notes}</td><td>{summary}</td><td>{figure}</td></tr>"
    )


def _summary(label: str, feature: FeatureStatistics) -> str:
    numbers = [
        ("count", f"{feature.rows}"),
        ("missing", f"{feature.missing_fraction:.1%}"),
    ]
    if feature.numeric:
        numbers += [
            (key, "" if value is None else f"{value:.4g}")
            for key, value in (
                ("min", feature.minimum),
                ("max", feature.maximum),
                ("mean", feature.mean),
                ("std", feature.std),
            )
        ]
    else:
        top = sorted(feature.value_counts.items(), key=lambda item: -item[1])
        numbers.append(("top", ", ".join(f"{v} ({n})" for v, n in top[:3])))
    cells = "".join(
        f"{html.escape(key)}: {html.escape(value)}<br>" for key, value in numbers
    )
    empty = "" if _has_values(feature) else f"<b>{EMPTY}</b><br>"
    return f"<p><i>{html.escape(label)}</i><br>{empty}{cells}</p>"


def _has_values(feature: FeatureStatistics) -> bool:
    return bool(feature.count if feature.numeric else feature.value_counts)


def _figure(features: dict[str, FeatureStatistics]) -> str:
    """A file whose column is empty draws nothing (a density of no values is 0/0):
    the summary beside it says so, and with no values anywhere the plot does too."""
    figure = Figure(figsize=(4.5, 2.4))  # no pyplot: no global state, no display
    axes = figure.subplots()
    drawn = {label: f for label, f in features.items() if _has_values(f)}
    if not drawn:
        axes.text(0.5, 0.5, EMPTY, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return svg(figure)
    first = next(iter(drawn.values()))
    if first.numeric:
        spans = [f.finite_range for f in drawn.values() if f.finite_range]
        low, high = min(s[0] for s in spans), max(s[1] for s in spans)
        edges = np.linspace(low, high if high > low else low + 1.0, BINS + 1)
        for label, feature in drawn.items():
            density = feature.histogram(edges) / (feature.count * np.diff(edges))
            axes.stairs(density, edges, fill=True, alpha=0.5, label=label)
        legend_outside(axes)
    else:
        _bars(axes, drawn)
    return svg(figure)


def _bars(axes: Axes, features: dict[str, FeatureStatistics]) -> None:
    """Share of each of the most common values, side by side per dataset."""
    counts = next(iter(features.values())).value_counts
    values = sorted(counts, key=lambda value: -counts[value])[:TOP_VALUES]
    width = 0.8 / len(features)
    for offset, (label, feature) in enumerate(features.items()):
        total = max(feature.present, 1)
        shares = [feature.value_counts.get(value, 0) / total for value in values]
        positions = np.arange(len(values)) + offset * width
        axes.bar(positions, shares, width=width, alpha=0.7, label=label)
    legend_outside(axes)
    category_ticks(axes, list(np.arange(len(values)) + 0.4 - width / 2), values)
