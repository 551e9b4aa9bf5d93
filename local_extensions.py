"""Jinja filters the template needs beyond cookiecutter's own."""

import json

from cookiecutter.utils import simple_filter


@simple_filter
def quoted(text: str) -> str:
    """Quote free text once for TOML, YAML and Python alike.

    A JSON string without ASCII escaping is a valid basic string in all three; Jinja's
    ``tojson`` escapes astral characters as surrogate pairs, which TOML rejects.
    """
    return json.dumps(text, ensure_ascii=False)
