"""The Mistakes page in Chromium: hostile review text stays text; annotating changes the corrected-label metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from lib.config import Settings
from lib.scoring.evaluation import log_evaluation_run
from lib.stores import contract
from lib.stores.demo import DEMO_MODEL_NAME
from lib.stores.tracking import TrackingStore
from tests.helpers import settle, wait_for_text, wait_until
from tests.private_store import private_copy
from tests.servers import served_app

pytestmark = pytest.mark.browser

HOSTILE = [
    "<img src=x onerror=alert(1)> what a great product",
    "<script>alert('boom')</script> terrible, terrible service",
    '"><svg onload=alert(2)> I loved it',
    '=HYPERLINK("http://example.invalid","click") awful',
]


@pytest.fixture(scope="module")
def hostile_run(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A server over a store holding one run whose reviews try to inject HTML and script."""
    settings = private_copy(demo_settings, tmp_path_factory.mktemp("hostile_store"))
    store = TrackingStore(settings.tracking_uri)
    experiment_id = store.ensure_experiment("Hostile input check")
    predictions = pd.DataFrame(
        {
            contract.REVIEW_ID: [f"h{i}" for i in range(len(HOSTILE))],
            contract.TEXT: HOSTILE,
            contract.TRUE_LABEL: ["negative", "positive", "negative", "positive"],
            contract.PREDICTED_LABEL: ["positive", "negative", "positive", "negative"],
            contract.CATEGORY: ["<b>web</b>", "app", "app", "web"],
        }
    )
    run_id = log_evaluation_run(
        store,
        experiment_id=experiment_id,
        run_name="<i>hostile</i> run",
        predictions=predictions,
        dataset_name="hostile",
        dataset_source="test",
        model_uri=f"models:/{DEMO_MODEL_NAME}/1",
    )
    with served_app(settings, tmp_path_factory.mktemp("hostile_server") / "server.log") as base:
        yield base, experiment_id, run_id


def test_hostile_review_text_shows_as_text_and_runs_nothing(browser, hostile_run, tmp_path) -> None:
    base, experiment_id, run_id = hostile_run
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}/mistakes?experiment={experiment_id}&run={run_id}")
    wait_for_text(page, "Mistakes to review")
    page.get_by_text("Blue words pushed the model").wait_for(timeout=60_000)
    review = page.get_by_test_id("stHtml").filter(has_text="what a great product")
    review.wait_for(timeout=60_000)
    shown = review.inner_text()
    assert "<img src=x onerror=alert(1)>" in shown  # the markup is visible as characters
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("svg[onload]").count() == 0
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
    settle(page)
    assert dialogs == []
    page.close()


def last_saved(page) -> str | None:
    """The confirmation of this person's last save written above the annotation form, if any."""
    confirmation = page.get_by_text("Last saved: review")
    return confirmation.first.inner_text() if confirmation.count() else None


def test_annotating_two_reviews_changes_the_corrected_label_metrics(browser, app_url, tmp_path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    page.goto(f"{app_url}/mistakes")
    wait_for_text(page, "Mistakes to review")
    page.get_by_label("Your name, shown next to your annotations").fill("Browser Tester")
    page.get_by_role("button", name="Start annotating").click()
    for _ in range(2):
        page.get_by_text("Your verdict").first.wait_for(timeout=60_000)
        # Wait until the previous review's form and text are gone before reading this one.
        wait_until(lambda: page.get_by_role("radiogroup", name="Verdict").count() == 1 and page.get_by_text("the model said").count() == 1)
        said = page.get_by_text("the model said").first.inner_text().split("the model said ")[1].rstrip(".")
        saved_before = last_saved(page)
        verdicts = page.get_by_role("radiogroup", name="Verdict")
        verdicts.get_by_text("The given label is wrong").click()
        settle(page)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Corrected label").click()
        page.get_by_role("option", name=said, exact=True).click()
        settle(page)
        page.get_by_role("button", name="Save and go to the next review").click()
        page.get_by_text("Saved.").first.wait_for(timeout=30_000)
        settle(page)
        # The toast is gone in seconds; what was saved stays written above the next review's form.
        wait_until(
            lambda before=saved_before: last_saved(page) not in (None, before), what="the saved verdict is not confirmed on the page"
        )
        assert f"corrected label “{said}”" in last_saved(page)
    page.get_by_role("link", name="Overview").click()
    toggle = page.get_by_text("Use corrected labels (2 reviews corrected by annotators)")
    toggle.wait_for(timeout=60_000)
    toggle.click()
    # st.dataframe draws on a canvas; its header cells exist (hidden) for accessibility.
    page.locator("th", has_text="With 2 corrected labels").first.wait_for(state="attached", timeout=30_000)
    page.screenshot(path=str(tmp_path / "corrected.png"), full_page=True)
    page.close()


def test_the_label_error_search_runs_when_its_tab_is_opened(browser, app_url) -> None:
    """The tab runs only when chosen (seconds on a big run); chosen, it lists the flagged reviews with their chance."""
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{app_url}/mistakes")
    wait_for_text(page, "Mistakes to review")
    assert page.get_by_text("Confident learning flags").count() == 0
    page.get_by_role("tab", name="Likely label errors").click()
    wait_for_text(page, "Confident learning flags")
    flagged = page.get_by_text("Confident learning flags").first.inner_text()
    assert int(flagged.split("flags ")[1].split()[0].replace(",", "")) > 0
    page.locator("th", has_text="Chance the given label is right").first.wait_for(state="attached", timeout=30_000)
    page.close()
