"""Static report pages: one style and one way to inline a figure, so every page opens
offline in any browser (no script, no style or image fetched from anywhere)."""

import html
import io

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
