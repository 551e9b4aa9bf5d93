"""The What-If page in a real Chromium (Playwright driving the system's browser, never
one it downloads): edit a row and see both models' predictions change, pick a
strategy and see the thresholds move, on binary, multiclass and regression tables,
with nothing fetched from anywhere but the page's own server."""

import os
import shutil
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import views_of
from playwright.sync_api import Browser
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from research_guards.config import load_config
from research_guards.testing import write_project
from research_guards.whatif_server import server

# Debian's chromium, GitHub's Ubuntu runners' Chrome, or the one CHROMIUM names.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FOUND = os.environ.get("CHROMIUM") or next(
    filter(None, map(shutil.which, BROWSERS)), None
)
# As root (CI here) Chromium needs --no-sandbox; background networking would try
# Google's hosts, which a closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    FOUND is None, reason=f"no Chromium found ({', '.join(BROWSERS)}, or CHROMIUM)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=FOUND, args=FLAGS)
        yield launched
        launched.close()


class Served:
    """A page on its own server, with every URL the page asked for and every error
    its script raised."""

    def __init__(self, browser: Browser, root: Path, kind: str) -> None:
        config_path = write_project(root / kind, kind)
        self.server = server(
            views_of(load_config(config_path)), config_path, "127.0.0.1", 0
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.requested: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.origin + "/")
        self.page.wait_for_selector("body[data-ready=true]")
        self.page.wait_for_selector(".prediction")

    def answers(self) -> dict[str, str]:
        """Each model's shown prediction and probabilities, as text."""
        boxes = self.page.query_selector_all(".prediction")
        return {str(box.get_attribute("data-model")): box.inner_text() for box in boxes}

    def edit(self, feature: str, value: str) -> None:
        """Edit one feature and wait for both answers (the history's next line).
        The page's policy forbids eval, so waits are Playwright's locators."""
        history = self.page.locator("#history li")
        count = history.count()
        self.page.fill(f"#feature-{feature}", value)
        expect(history).to_have_count(count + 1)

    def close(self) -> None:
        self.page.close()
        self.server.shutdown()
        self.server.server_close()
        assert not self.errors, self.errors
        foreign = [
            url for url in self.requested if not url.startswith(self.origin + "/")
        ]
        assert not foreign, f"the page fetched from elsewhere: {foreign}"


@pytest.fixture
def open_page(browser: Browser, tmp_path: Path) -> Iterator[Callable[[str], Served]]:
    opened: list[Served] = []

    def opening(kind: str) -> Served:
        opened.append(Served(browser, tmp_path, kind))
        return opened[-1]

    yield opening
    for served in opened:
        served.close()


@pytest.mark.parametrize("kind", ["binary", "multiclass", "regression"])
def test_editing_a_row_changes_both_models_predictions(
    open_page: Callable[[str], Served], kind: str
) -> None:
    served: Served = open_page(kind)
    before = served.answers()
    assert set(before) == {"production", "candidate"}
    served.edit("length", "80")
    served.edit("width", "60")
    after = served.answers()
    for name in before:
        assert after[name] != before[name], f"{name}: {before[name]!r} unchanged"
    assert served.page.inner_text("#history").count("width = 60") == 1
    served.page.click("#revert")
    expect(served.page.locator("#history li").last).to_contain_text("reverted")
    assert served.answers() == before


def test_a_strategy_moves_the_thresholds(open_page: Callable[[str], Served]) -> None:
    served: Served = open_page("binary")
    page = served.page
    page.click("#tab-performance")
    page.select_option("#slice", "site")
    shown = page.locator("[data-model=production] .threshold-value")
    expect(shown).to_have_count(3)
    single = shown.all_inner_texts()
    assert len(set(single)) == 1
    page.check("input[name=strategy][value=group]")
    expect(shown).not_to_have_text(single)
    group = shown.all_inner_texts()
    assert group != single
    assert page.is_disabled("[data-model=production] .write-threshold")
    assert page.query_selector_all("[data-model=candidate] svg[aria-label^=ROC]")


@pytest.mark.parametrize(
    ("kind", "shown"),
    [("multiclass", "table.confusion"), ("regression", "table.errors")],
)
def test_other_tasks_show_their_performance_per_slice(
    open_page: Callable[[str], Served], kind: str, shown: str
) -> None:
    served: Served = open_page(kind)
    served.page.click("#tab-performance")
    served.page.select_option("#slice", "shift")
    served.page.wait_for_selector(f"[data-model=candidate] {shown}")
    expect(served.page.locator("#binary-controls")).to_be_hidden()
