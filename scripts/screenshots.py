"""Take full-page screenshots of every page of a running app (for looking at it as a user).

Usage: python scripts/screenshots.py http://127.0.0.1:8501 [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PAGES = ["overview", "categories", "compare", "evaluate", "mistakes", "report"]


def main() -> None:
    """Open each page and save a PNG per page."""
    base = sys.argv[1].rstrip("/")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        for name in PAGES:
            # The default page (Overview) is served at the root; /overview would be "not found".
            page.goto(base if name == PAGES[0] else f"{base}/{name}")
            page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=60_000)
            # Streamlit shows a running indicator until the script finishes.
            page.wait_for_timeout(1500)
            page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print("saved", out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
