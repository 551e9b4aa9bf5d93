"""How long the What-If page takes to load and to show both models' answers to an
edit, in Chromium, on a table of ROWS rows (default 5,000) explored with two
forests of 100 trees.

    uv run python benchmarks/bench_whatif.py [ROWS] [EDITS]

Prints the load time (from navigation to the first row's two predictions shown) and
the median, fastest and slowest of EDITS edits (default 20), each from typing a
value to both predictions shown. Needs a Chromium (see tests/test_whatif_page.py).
"""

import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from research_guards.config import load_config
from research_guards.data_validation import DataValidator
from research_guards.data_validation import Schema
from research_guards.datatypes import ModelArtifact
from research_guards.testing import CATEGORICAL
from research_guards.testing import LABEL
from research_guards.testing import NUMERIC
from research_guards.testing import table
from research_guards.testing import write_project
from research_guards.whatif import WhatIf
from research_guards.whatif_server import server

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def forest(rows: pd.DataFrame, seed: int) -> ModelArtifact:
    columns = ColumnTransformer(
        [
            ("numeric", SimpleImputer(), list(NUMERIC)),
            ("categorical", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
        ]
    )
    model = make_pipeline(columns, RandomForestClassifier(100, random_state=seed))
    model.fit(rows.drop(columns=[LABEL]), rows[LABEL])
    return ModelArtifact(
        model, (*NUMERIC, *CATEGORICAL), LABEL, "classification", f"forest-{seed}"
    )


def views(root: Path, rows: int) -> tuple[WhatIf, Path]:
    frame = table("binary", rows * 2, seed=0).dropna(subset=[LABEL])
    config_path = write_project(root, "binary", frame)
    config = load_config(config_path)
    training, explored = frame.iloc[:rows], frame.iloc[rows:]
    models = {
        "production": forest(training.iloc[: rows // 2], 1),
        "candidate": replace(forest(training, 2), version="forest-2"),
    }
    validator = DataValidator(Schema.load(config.data.schema), config.validation)
    features = explored.drop(columns=[LABEL])
    made = WhatIf(features, explored[LABEL], models, validator)
    return made, config_path


def main(rows: int, edits: int) -> None:
    browser_path = next(filter(None, map(shutil.which, BROWSERS)), None)
    if browser_path is None:
        sys.exit(f"no Chromium found ({', '.join(BROWSERS)})")
    with tempfile.TemporaryDirectory() as folder:
        made, config_path = views(Path(folder), rows)
        running = server(made, config_path, "127.0.0.1", 0)
        threading.Thread(target=running.serve_forever, daemon=True).start()
        address = f"http://127.0.0.1:{running.server_address[1]}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=browser_path, args=FLAGS
            )
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(address)
            expect(page.locator(".prediction")).to_have_count(2, timeout=120_000)
            loaded = time.perf_counter() - started
            history = page.locator("#history li")
            took = []
            for edit in range(edits):
                count = history.count()
                started = time.perf_counter()
                page.fill("#feature-length", str(30 + edit))
                expect(history).to_have_count(count + 1, timeout=60_000)
                took.append(time.perf_counter() - started)
            browser.close()
        running.shutdown()
    print(f"{len(made.rows)} rows, 2 models of 100 trees")
    print(f"page load to both first predictions: {loaded * 1000:.0f} ms")
    print(
        f"edit to both predictions, {edits} edits: median "
        f"{statistics.median(took) * 1000:.0f} ms, fastest {min(took) * 1000:.0f} ms, "
        f"slowest {max(took) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 20,
    )
