"""In Chromium: upload unlabelled feedback, evaluate, see the estimate, label the proposed check sample, see the combined figure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.config import Settings
from lib.quality.checks import MIN_CHECKED_REVIEWS
from lib.stores import contract
from lib.stores.demo import load_demo_data
from lib.stores.tracking import TrackingStore
from tests.helpers import settle
from tests.private_store import private_copy
from tests.servers import served_app

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 180_000
REVIEWS = 300


@pytest.fixture(scope="module")
def check_app(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TrackingStore]]:
    """A server over its own store: the test logs a run and annotations other browser tests must not see."""
    settings = private_copy(demo_settings, tmp_path_factory.mktemp("check_store"))
    with served_app(settings, tmp_path_factory.mktemp("check_server") / "server.log") as base:
        yield base, TrackingStore(settings.tracking_uri)


def test_upload_estimate_check_sample_and_combined_figure(check_app: tuple[str, TrackingStore], browser, tmp_path: Path) -> None:
    base, store = check_app
    test = load_demo_data().query("split == 'test'")
    one_line = ~test[contract.TEXT].str.contains('["\\r\\n]', regex=True) & (test[contract.TEXT].str.strip() == test[contract.TEXT])
    test_split = test[one_line].drop_duplicates(contract.TEXT).sample(REVIEWS, random_state=3)
    truth = dict(zip(test_split[contract.TEXT], test_split["label"], strict=True))
    # The commonest export of unlabelled feedback: one column of reviews, one per line, no header row.
    upload = tmp_path / "last_week.csv"
    upload.write_text("\n".join(test_split[contract.TEXT]) + "\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    main = page.locator('[data-testid="stMain"]')
    try:
        page.goto(f"{base}/evaluate")
        page.get_by_text("Evaluate a file of feedback").first.wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(upload))
        main.get_by_role("button", name=f"Evaluate {REVIEWS} reviews").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        main.get_by_role("button", name=f"Evaluate {REVIEWS} reviews").click()
        main.get_by_role("button", name="Open in Overview").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        main.get_by_role("button", name="Open in Overview").click()

        # The Overview of the unlabelled run leads with the estimate and invites a check.
        main.get_by_text("Checked by your team").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        assert main.get_by_text(re.compile(r"estimat", re.IGNORECASE)).first.is_visible()
        main.get_by_role("link", name="Check the figures on a sample of reviews").click()
        main.get_by_role("button", name="Propose the sample").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        main.get_by_role("button", name="Propose the sample").click()
        main.get_by_text("Review 1 of 50").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)
        main.get_by_label("Your name, shown next to your annotations").fill("Alice")
        main.get_by_role("button", name="Start annotating").click()
        settle(page)

        for number in range(1, MIN_CHECKED_REVIEWS + 1):
            main.get_by_text(f"Review {number} of 50").wait_for(timeout=APP_TIMEOUT_MS)
            settle(page)
            text = main.locator('[data-testid="stText"]').first.inner_text()
            main.get_by_role("combobox", name="Corrected label").click()
            page.get_by_role("option", name=truth[text], exact=True).click()
            main.get_by_role("button", name="Save and show the next review").click()
        main.get_by_text(f"Review {MIN_CHECKED_REVIEWS + 1} of 50").wait_for(timeout=APP_TIMEOUT_MS)
        settle(page)

        headline = main.get_by_text(
            f"From the {MIN_CHECKED_REVIEWS} reviews your team checked plus the model's confidence on all {REVIEWS}"
        )
        assert headline.is_visible()
        assert re.search(r": \d+% right \(95% interval \d+%–\d+%\)", headline.inner_text())
        assert main.get_by_text(re.compile(rf"The checked reviews alone: \d+ of {MIN_CHECKED_REVIEWS} right")).is_visible()
        page.screenshot(path=str(tmp_path / "check.png"), full_page=True)

        run = next(
            r
            for r in store.runs(store.experiment_by_name("Sentiment demo (VADER reviews)").experiment_id)
            if r.name.startswith("last_week")
        )
        assert run.metrics[contract.CHECK_SAMPLE_SIZE] == MIN_CHECKED_REVIEWS
        assert run.tags[contract.TAG_CHECK_METHOD] == "ppi++"
    finally:
        page.close()
