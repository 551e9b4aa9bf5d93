"""The report as a terminal table and as one self-contained HTML page (no network, no
server: the script that sorts and filters is inline)."""

import html
from collections.abc import Sequence

from fleet.report import Row

COLUMNS = (
    "repository",
    "release",
    "target",
    "status",
    "files that would change",
    "requires ci-ok",
    "coverage",
    "last CI",
    "CI reaches template",
)


def cells(row: Row) -> list[str]:
    detail = ", ".join(row.files) if row.files else row.note
    return [
        row.repository,
        row.release,
        row.target,
        row.standing,
        detail,
        row.requires_ci_ok,
        row.coverage,
        row.last_ci,
        row.reaches_template,
    ]


def table(rows: Sequence[Row]) -> str:
    """Columns padded to their widest cell; the summary line last."""
    grid = [list(COLUMNS), *(cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in grid) for column in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
        for line in grid
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([*lines, summary(rows)])


def summary(rows: Sequence[Row]) -> str:
    counts = {
        status: sum(row.status == status for row in rows)
        for status in ("current", "behind", "error")
    }
    unprotected = sum(row.requires_ci_ok == "no" for row in rows)
    uncovered = sum(row.coverage == "none" for row in rows)
    cut_off = sum(row.reaches_template.startswith("no") for row in rows)
    return (
        f"{len(rows)} repositories: {counts['current']} current, {counts['behind']} "
        f"behind, {counts['error']} unreadable; {unprotected} without ci-ok required; "
        f"{uncovered} without coverage; {cut_off} whose CI cannot reach the template"
    )


SCRIPT = """
const table = document.querySelector("table");
const body = table.tBodies[0];
document.getElementById("filter").addEventListener("input", (event) => {
  const needle = event.target.value.toLowerCase();
  for (const row of body.rows) {
    row.hidden = !row.textContent.toLowerCase().includes(needle);
  }
});
table.querySelectorAll("th").forEach((header, column) => {
  header.addEventListener("click", () => {
    const ascending = header.dataset.order !== "ascending";
    table.querySelectorAll("th").forEach((other) => delete other.dataset.order);
    header.dataset.order = ascending ? "ascending" : "descending";
    const rows = [...body.rows].sort((a, b) => {
      const left = a.cells[column].textContent, right = b.cells[column].textContent;
      const order = left.localeCompare(right, undefined, {numeric: true});
      return ascending ? order : -order;
    });
    body.append(...rows);
  });
});
"""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; }
th { cursor: pointer; background: #f3f3f3; }
th[data-order="ascending"]::after { content: " \\25B2"; }
th[data-order="descending"]::after { content: " \\25BC"; }
tr.behind td { background: #fff4d6; }
tr.error td { background: #fde2e2; }
"""


def page(rows: Sequence[Row], title: str) -> str:
    """The HTML page: a filter box, a table whose headers sort it, the summary."""
    escape = html.escape
    head = "".join(f"<th>{escape(column)}</th>" for column in COLUMNS)
    body = "\n".join(
        f'<tr class="{escape(row.status)}">'
        + "".join(f"<td>{escape(cell)}</td>" for cell in cells(row))
        + "</tr>"
        for row in rows
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p>{escape(summary(rows))}</p>
<p><input id="filter" type="search" placeholder="Filter" aria-label="Filter"></p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
<script>{SCRIPT}</script>
</body>
</html>
"""
