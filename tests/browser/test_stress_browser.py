"""The Stress test page in a real browser: run a test on the demo's champion, read the sentences and examples."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.config import Settings
from lib.stores.tracking import RunSummary, TrackingStore
from tests.private_store import private_copy
from tests.servers import served_app
from tests.stress_runs import champion_run

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def served_champion(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RunSummary]]:
    """A server over a store of its own holding a run of the champion (stress tests are stored with the run)."""
    settings = private_copy(demo_settings, tmp_path_factory.mktemp("stress_store"))
    run = champion_run(TrackingStore(settings.tracking_uri))
    with served_app(settings, tmp_path_factory.mktemp("stress_server") / "server.log") as base:
        yield base, run


def test_stress_test_on_the_champion_shows_sentences_and_highlighted_examples(
    served_champion: tuple[str, RunSummary], browser, tmp_path: Path
) -> None:
    base, run = served_champion
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    try:
        page.goto(f"{base}/stress_test?experiment={run.experiment_id}&run={run.run_id}")
        page.get_by_text("has not been stress-tested yet").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.get_by_role("spinbutton", name="Reviews to change").fill("300")
        page.get_by_role("button", name="Run the stress test").click()
        page.get_by_text("Stress test finished and stored with the run.").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.locator("mark").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and page.locator('[data-testid="stException"]').count() == 0
        assert re.search(r"of reviews \(95% interval \d+(\.\d)?%–\d+(\.\d)?%, from \d[\d,]* reviews\)", body)
        assert "Giskard reports that typos change the answer of public sentiment models on 13%–15% of reviews. This model:" in body
        assert "Tested on a sample of 300 reviews (seed 0)" in body
        assert body.count("Original review") >= 1 and body.count("Changed review") >= 1
        assert re.search(r"The model said (negative|neutral|positive), then (negative|neutral|positive)\.", body)
        page.screenshot(path=str(tmp_path / "stress_test.png"), full_page=True)
        assert (tmp_path / "stress_test.png").stat().st_size > 50_000
    finally:
        page.close()
