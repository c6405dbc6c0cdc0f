"""Messages in a real browser: escaped payloads show as typed (nothing live, nothing fetched); errors show no details."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.wording.markdown import WORD_JOINER
from tests.servers import START_TIMEOUT_S, free_port, stop_process_group, wait_until_healthy
from tests.test_markdown import PAYLOADS

pytestmark = pytest.mark.browser

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("messages_app.py")
TIMEOUT_MS = 60_000
# What Markdown would have made of a payload: links, images, HTML, headings, lists, quotes, code, maths, emphasis, icons.
LIVE_ELEMENTS = "a, img, h1, h2, h3, h4, h5, h6, ul ul, ol, blockquote, code, pre, strong, em, del, .katex, [data-testid='stIconMaterial']"


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("messages_app") / "server.log"


@pytest.fixture(scope="module")
def payloads_url(server_log: Path) -> Iterator[str]:
    port, log = free_port(), server_log
    command = [sys.executable, "-m", "streamlit", "run", str(SCRIPT), "--server.address", "127.0.0.1", "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(f"{base}/_stcore/health", process, log, START_TIMEOUT_S)
        yield base
    finally:
        stop_process_group(process)


def test_escaped_payloads_render_as_plain_text_in_the_browser(payloads_url: str, browser) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(payloads_url)
        page.locator(f".st-key-payload_{len(PAYLOADS) - 1}").wait_for(timeout=TIMEOUT_MS)
        # The script has drawn everything only once it stops running (checked after the last block exists).
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)
        for i, payload in enumerate(PAYLOADS):
            block = page.locator(f".st-key-payload_{i}")
            expected = " ".join(payload.split())  # one line; the browser collapses runs of spaces
            markdown = block.locator('[data-testid="stMarkdownContainer"]')
            markdown.nth(5).wait_for(state="attached", timeout=TIMEOUT_MS)  # each block draws six texts
            assert markdown.count() >= 6, payload
            for j in range(markdown.count()):
                container = markdown.nth(j)
                assert container.locator(LIVE_ELEMENTS).count() == 0, (payload, container.inner_html())
                text = container.inner_text().replace(WORD_JOINER, "")
                if j == 0:  # the list item: exactly the payload followed by the sentence
                    assert " ".join(text.split()) == f"{expected} is in line with the average", container.inner_html()
        assert not [url for url in requested if "evil" in url or "host/" in url], requested
    finally:
        page.close()


def test_an_error_shows_no_details_in_the_browser_and_a_redacted_traceback_in_the_log(payloads_url: str, server_log: Path, browser) -> None:
    page = browser.new_page()
    try:
        page.goto(payloads_url)
        page.get_by_role("button", name="Break").click(timeout=TIMEOUT_MS)
        error = page.locator('[data-testid="stException"]')
        error.wait_for(timeout=TIMEOUT_MS)
        shown = page.locator('[data-testid="stMain"]').inner_text()
        assert "This app has encountered an error" in error.inner_text()
        assert "/srv/private" not in shown and "hunter2" not in shown and "RuntimeError" not in shown and "Traceback" not in shown
    finally:
        page.close()
    log = server_log.read_text()
    assert "/srv/private/store.db" in log and "Traceback" in log
    assert "hunter2" not in log and "https://***@mlflow.example/" in log
