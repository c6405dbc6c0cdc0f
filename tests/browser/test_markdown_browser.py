"""escape_markdown against Streamlit's real Markdown renderer: payloads show as typed, nothing renders live, nothing is fetched."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.markdown import WORD_JOINER
from tests.browser.conftest import START_TIMEOUT_S, free_port, stop_process_group, wait_until_healthy
from tests.test_markdown import PAYLOADS

pytestmark = pytest.mark.browser

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("markdown_payloads_app.py")
TIMEOUT_MS = 60_000
# What Markdown would have made of a payload: links, images, HTML, headings, lists, quotes, code, maths, emphasis, icons.
LIVE_ELEMENTS = "a, img, h1, h2, h3, h4, h5, h6, ul ul, ol, blockquote, code, pre, strong, em, del, .katex, [data-testid='stIconMaterial']"


@pytest.fixture(scope="module")
def payloads_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("markdown_app") / "server.log"
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
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)
        page.locator(f".st-key-payload_{len(PAYLOADS) - 1}").wait_for(timeout=TIMEOUT_MS)
        for i, payload in enumerate(PAYLOADS):
            block = page.locator(f".st-key-payload_{i}")
            expected = " ".join(payload.split())  # one line; the browser collapses runs of spaces
            markdown = block.locator('[data-testid="stMarkdownContainer"]')
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
