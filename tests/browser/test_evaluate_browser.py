"""The Evaluate page in Chromium: upload through the real file input, confirm, evaluate, open the result."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.config import Settings
from lib.stores.demo import DEMO_EXPERIMENT
from lib.stores.tracking import TrackingStore
from tests.helpers import settle
from tests.private_store import private_copy
from tests.servers import served_app

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 120_000
UPLOAD = Path(__file__).resolve().parents[1] / "data" / "hostile.csv"
EXPERIMENT = "Uploads from the browser"


@pytest.fixture(scope="module")
def evaluate_app(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TrackingStore]]:
    """A server over its own store: evaluating logs a run, which the shared server's other tests must not see."""
    settings = private_copy(demo_settings, tmp_path_factory.mktemp("evaluate_store"))
    with served_app(settings, tmp_path_factory.mktemp("evaluate_server") / "server.log") as base:
        yield base, TrackingStore(settings.tracking_uri)


def test_upload_confirm_evaluate_and_open_in_overview(evaluate_app: tuple[str, TrackingStore], browser, tmp_path: Path) -> None:
    base, store = evaluate_app
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1440, "height": 1600})
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(f"{base}/evaluate")
        page.get_by_text("Evaluate a file of feedback").first.wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(UPLOAD))

        page.get_by_text("What is in each column?").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        main = page.locator('[data-testid="stMain"]')
        assert main.get_by_role("combobox", name="Review text").input_value() == "text"
        assert main.get_by_role("combobox", name="True sentiment (if known)").input_value() == "sentiment"
        assert main.get_by_role("combobox", name="Category (if any)").input_value() == "category"
        assert main.get_by_text("All 8 reviews will be scored.").is_visible()
        assert main.get_by_role("combobox", name="Save the result in the experiment").input_value() == DEMO_EXPERIMENT
        target = main.get_by_role("combobox", name="Save the result in the experiment")
        target.click()
        target.fill("New experiment")
        page.get_by_role("option", name="New experiment…").click()
        settle(page)
        main.get_by_label("Name of the new experiment").fill(EXPERIMENT)
        main.get_by_label("Name of the new experiment").press("Enter")
        settle(page)
        page.screenshot(path=str(tmp_path / "evaluate_mapping.png"), full_page=True)

        main.get_by_role("button", name="Evaluate 8 reviews").click()
        headline = main.get_by_text("The model labels").first
        headline.wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        assert "% of reviews correctly" in headline.inner_text()
        assert main.get_by_text(re.compile(r"Done: 8 reviews scored.*“hostile.csv · ")).is_visible()
        page.screenshot(path=str(tmp_path / "evaluate_result.png"), full_page=True)

        logged = store.runs(store.experiment_by_name(EXPERIMENT).experiment_id)
        assert len(logged) == 1 and logged[0].is_finished and logged[0].metrics["example_count"] == 8

        main.get_by_role("button", name="Open in Overview").click()
        page.get_by_text("How good is the model?").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        assert f"run={logged[0].run_id}" in page.url
        assert page.get_by_text("based on 8 reviews").first.is_visible()
        # The sidebar's own widgets follow, and stay put when the page runs again.
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_role("button", name="↻ Refresh").click()
        settle(page)
        assert sidebar.get_by_role("combobox", name="Experiment").input_value() == EXPERIMENT
        assert sidebar.get_by_role("combobox", name="Run (★ = baseline)").input_value().startswith("hostile.csv · ")
        assert page.get_by_text("based on 8 reviews").first.is_visible()
        assert dialogs == [], "review text must never run as script"
    finally:
        page.close()


def test_two_models_score_a_labelled_file_and_are_compared(evaluate_app: tuple[str, TrackingStore], browser, tmp_path: Path) -> None:
    base, store = evaluate_app
    page = browser.new_page(viewport={"width": 1440, "height": 1600})
    try:
        page.goto(f"{base}/evaluate")
        page.get_by_text("Evaluate a file of feedback").first.wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(UPLOAD.with_name("utf8_comma.csv")))
        page.get_by_text("Which models, and where to save the result?").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        main = page.locator('[data-testid="stMain"]')
        models = main.get_by_role("combobox", name="Models")
        models.click()
        models.fill("challenger")
        page.get_by_role("option", name="@challenger").first.click()
        page.keyboard.press("Escape")
        settle(page)
        target = main.get_by_role("combobox", name="Save the result in the experiment")
        target.click()
        target.fill("New experiment")
        page.get_by_role("option", name="New experiment…").click()
        settle(page)
        main.get_by_label("Name of the new experiment").fill("Two models from the browser")
        main.get_by_label("Name of the new experiment").press("Enter")
        settle(page)

        main.get_by_role("button", name="Evaluate 12 reviews with 2 models").click()
        main.get_by_text("Which model does better on this feedback?").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        assert main.get_by_text("On this feedback,").first.is_visible()
        assert main.get_by_text("of the same 12 reviews").first.is_visible()
        assert main.get_by_text("gets wrong;").first.is_visible()
        assert main.get_by_role("tab").count() == 2
        page.screenshot(path=str(tmp_path / "two_models_result.png"), full_page=True)

        runs = store.runs(store.experiment_by_name("Two models from the browser").experiment_id)
        assert len(runs) == 2 and all(run.is_finished for run in runs)
        assert len({run.dataset_hash for run in runs}) == 1 and len({run.model_uri for run in runs}) == 2
    finally:
        page.close()
