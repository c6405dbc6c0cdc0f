"""Benchmark (issue 15): open Overview then Mistakes on 20 freshly started servers; every page settles.

Run from the project root (needs Debian's chromium)::

    .venv/bin/python -m benchmarks.bench_fresh_starts [--servers 20]

Before the fix, about one fresh server in five hung on the Mistakes page: the label-error
search forked a ``multiprocessing.Pool`` from the server's script thread. For each fresh
server this opens Overview, follows the sidebar link to Mistakes, opens its "Likely label
errors" tab (the search runs only then), then Evaluate a file and
Client report in the same browser session (a hung script left grey placeholders there), and
waits for each page to settle (``data-test-script-state="notRunning"`` plus the page's own
element), with a time limit per page. Baseline, measured in the same run: the same walk with
Overview only, so the ratio shows what the other pages add. Bounded: it stops after
``--servers`` servers, and each page gets at most ``PAGE_LIMIT_S``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from lib.config import load_settings
from lib.stores.demo import seed_demo
from lib.stores.tracking import TrackingStore
from tests.servers import CHROMIUM, CHROMIUM_ARGS, PROJECT_ROOT, serve_app, stop_process_group

PAGE_LIMIT_S = 60
SETTLED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# (sidebar link or "tab:" + a tab of the page, an element that only a finished page shows)
WALK = [
    ("Mistakes", '[data-testid="stTab"]'),
    # The label-error search (the search that hung) runs when its tab is opened.
    ("tab:Likely label errors", "text=Confident learning flags"),
    ("Evaluate a file", '[data-testid="stFileUploaderDropzoneInput"]'),
    ("Client report", '[data-testid="stDownloadButton"]'),
]


def demo_store(workdir: Path):
    """Settings of a seeded demo store: the project's own when it exists, else a new one."""
    own = PROJECT_ROOT / "data" / "store"
    if (own / "mlflow.db").exists():
        return load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(own)}, secrets_file=workdir / "none.toml")
    settings = load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(workdir / "seed")}, secrets_file=workdir / "none.toml")
    seed_demo(settings, TrackingStore(settings.tracking_uri))
    return settings


def fresh_copy(source, target: Path):
    """A private copy of a store's database, so each server starts on a store it alone uses."""
    target.mkdir(parents=True)
    for database in source.data_dir.glob("mlflow.db*"):
        shutil.copy2(database, target / database.name)
    return load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(target)}, secrets_file=target / "none.toml")


class PageDidNotSettle(Exception):
    """A page's script was still running (or its element missing) after ``PAGE_LIMIT_S``."""


def settle(page, name: str, selector: str) -> float:
    """Seconds until the page's script finished and ``selector`` is on screen."""
    from playwright.sync_api import Error as PlaywrightError

    started = time.perf_counter()
    try:
        page.locator(selector).first.wait_for(state="attached", timeout=PAGE_LIMIT_S * 1000)
        page.locator(SETTLED).wait_for(timeout=PAGE_LIMIT_S * 1000)
    except PlaywrightError as error:
        raise PageDidNotSettle(f"{name} did not settle within {PAGE_LIMIT_S} s") from error
    return time.perf_counter() - started


def walk(browser, base: str, pages: list[tuple[str, str]]) -> dict[str, float]:
    """Open Overview, then follow the sidebar links in one browser session; seconds per page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(base)
        times = {"Overview": settle(page, "Overview", '[data-testid="stMetric"]')}
        for link, selector in pages:
            if link.startswith("tab:"):
                page.get_by_role("tab", name=link.removeprefix("tab:")).click()
            else:
                page.get_by_role("link", name=link).click()
            times[link] = settle(page, link, selector)
        return times
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    """Start the servers one after another, walk the pages, print times and PASS/FAIL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=20)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    workdir = Path(tempfile.mkdtemp(prefix="bench_fresh_"))
    source = demo_store(workdir)
    walks, baselines, hung = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for i in range(args.servers):
            settings = fresh_copy(source, workdir / f"server{i}")
            process, base = serve_app(settings, workdir / f"server{i}.log")
            try:
                walks.append(walk(browser, base, WALK))
                baselines.append(walk(browser, base, [])["Overview"])
                print(f"server {i + 1:2}: " + "  ".join(f"{name} {seconds:5.2f} s" for name, seconds in walks[-1].items()), flush=True)
            except PageDidNotSettle as error:
                hung.append(i + 1)
                print(f"server {i + 1:2}: {error}", flush=True)
            finally:
                stop_process_group(process)
        browser.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print()
    for name in ["Overview", *(link for link, _ in WALK)]:
        seconds = [w[name] for w in walks]
        if seconds:
            print(f"{name:16} median {statistics.median(seconds):5.2f} s   max {max(seconds):5.2f} s")
    if baselines and walks:
        full = statistics.median(sum(w.values()) for w in walks)
        print(
            f"baseline (Overview alone, warm server): median {statistics.median(baselines):.2f} s; whole walk / baseline = {full / statistics.median(baselines):.1f}"
        )
    print(
        f"{len(walks)} of {args.servers} fresh servers settled on every page   {'PASS' if not hung else 'FAIL (hung: ' + str(hung) + ')'}"
    )
    return 0 if not hung else 1


if __name__ == "__main__":
    raise SystemExit(main())
