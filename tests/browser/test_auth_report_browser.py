"""Sign-in as a viewer in Chromium, and the exported report opened with the network cut off."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from lib.config import Settings
from lib.stores.demo import DEMO_EXPERIMENT
from tests.helpers import settle
from tests.servers import PROJECT_ROOT, START_TIMEOUT_S, app_server_command, free_port, stop_process_group, wait_until_healthy

pytestmark = pytest.mark.browser

APP_TIMEOUT_MS = 120_000
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SECRETS = f"""
[access.users.viewer]
role = "viewer"
password_hash = "{FAST.hash("client pass")}"
experiment_prefixes = ["Sentiment demo"]
"""


@pytest.fixture(scope="module")
def auth_app_url(demo_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second Streamlit server over the demo store, with password sign-in from a temporary secrets file."""
    with server_with_secrets(demo_settings, tmp_path_factory.mktemp("auth_server"), SECRETS) as url:
        yield url


@contextmanager
def server_with_secrets(demo_settings: Settings, folder: Path, secrets_text: str) -> Iterator[str]:
    """A Streamlit server over the demo store reading only the given secrets (as a file in ``folder``)."""
    secrets = folder / "secrets.toml"
    secrets.write_text(secrets_text)
    log = folder / "server.log"
    port = free_port()
    env = {
        **os.environ,
        "SENTIMENT_REVIEW_DATA_DIR": str(demo_settings.data_dir),
        "MLFLOW_TRACKING_URI": demo_settings.tracking_uri,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    # Streamlit's own option for where secrets live: the repository's .streamlit/ is never touched.
    command = app_server_command(port, "--secrets.files", str(secrets))
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/_stcore/health", process, log, START_TIMEOUT_S)
        yield base
    finally:
        stop_process_group(process)


def test_a_secrets_file_that_does_not_parse_stops_a_real_server(demo_settings: Settings, browser, tmp_path: Path) -> None:
    """Streamlit itself reads a broken secrets file as "no secrets", which used to make everyone the local admin."""
    broken = SECRETS.replace('role = "viewer"', "role = viewer")
    with server_with_secrets(demo_settings, tmp_path, broken) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        try:
            page.goto(url)
            page.get_by_text("is not valid TOML").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
            settle(page)
            text = page.locator('[data-testid="stApp"]').inner_text()
            assert f"The secrets file {tmp_path / 'secrets.toml'} is not valid TOML: Invalid value (at line 3, column 8)" in text
            assert DEMO_EXPERIMENT not in text and "Local admin" not in text and "argon2" not in text
            assert page.get_by_role("combobox").count() == 0
        finally:
            page.close()


def sign_in(page, url: str, password: str = "client pass") -> None:
    page.goto(url)
    page.get_by_label("Username").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
    page.get_by_label("Username").fill("viewer")
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    settle(page)


def test_viewer_signs_in_and_sees_no_upload_or_annotate_controls(auth_app_url: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(auth_app_url)
        page.get_by_label("Username").wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        settle(page)
        page.screenshot(path=str(tmp_path / "sign-in.png"), full_page=True)
        assert page.locator('[data-testid="stPageLink-NavLink"]').count() == 0  # no menu before signing in

        sign_in(page, auth_app_url, password="not it")
        page.get_by_text("The username or password is not right.").wait_for(state="visible", timeout=APP_TIMEOUT_MS)

        sign_in(page, auth_app_url)
        page.get_by_text("The model labels").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert sidebar.get_by_role("combobox", name="Experiment").input_value() == DEMO_EXPERIMENT
        assert sidebar.get_by_text("Signed in as").is_visible()
        links = sidebar.locator('[data-testid="stPageLink-NavLink"]').all_inner_texts()
        assert any("Client report" in link for link in links)
        assert not any("Evaluate" in link or "Mistakes" in link for link in links)
        assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0

        sidebar.get_by_text("Presentation mode").click()
        settle(page)
        page.get_by_text("Out of every 100 reviews").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.screenshot(path=str(tmp_path / "presentation.png"), full_page=True)

        # Typing the upload page's address opens a new session: sign in again, and it is not there.
        sign_in(page, f"{auth_app_url}/evaluate")
        page.get_by_text("The model labels").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        assert page.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0
        assert page.get_by_text("Evaluate a file of feedback").count() == 0
    finally:
        page.close()


def test_exported_report_renders_offline_without_a_single_request(auth_app_url: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    try:
        sign_in(page, auth_app_url)
        page.get_by_text("The model labels").first.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        page.locator('[data-testid="stPageLink-NavLink"]', has_text="Client report").click()
        download_button = page.get_by_role("button", name="Download the report (HTML)")
        download_button.wait_for(state="visible", timeout=APP_TIMEOUT_MS)
        settle(page)
        page.screenshot(path=str(tmp_path / "report-page.png"), full_page=True)
        with page.expect_download(timeout=APP_TIMEOUT_MS) as download:
            download_button.click()
        saved = tmp_path / "report.html"
        download.value.save_as(saved)
        assert download.value.suggested_filename.startswith("Sentiment report - Sentiment demo")
    finally:
        page.close()

    document = saved.read_text(encoding="utf-8")
    offline = browser.new_context(offline=True, viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    report = offline.new_page()
    try:
        report.on("request", lambda request: requests.append(request.url))
        report.route("**/*", lambda route: route.abort())
        report.set_content(document, wait_until="load")
        headline = report.get_by_text("The model labels").first
        assert headline.is_visible()
        assert "of reviews correctly" in headline.inner_text()
        charts = report.locator("figure svg")
        assert charts.count() == 2
        for i in range(2):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 150 and box["height"] > 150
        assert report.locator("script, link, img, iframe").count() == 0
        report.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        report.emulate_media(media="print")
        report.screenshot(path=str(tmp_path / "report-print.png"), full_page=True)
        assert requests == []
    finally:
        offline.close()
