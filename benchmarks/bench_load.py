"""Benchmark: 10 browser sessions go through every page while an 11th evaluates a 200,000-review upload.

Run from the project root::

    .venv/bin/python -m benchmarks.bench_load

It serves the app (``scripts/serve.py`` on 127.0.0.1, as the browser tests do) over a
private copy of the demo store (the project's embedded store, seeded first if needed, as the
app's first start does), and drives Debian's headless Chromium through Playwright: one browser,
one window (its own Streamlit session) per simulated person.

* baseline: one session, no upload, goes through every page ``ROUNDS`` times.
* load: ``SESSIONS`` sessions do the same at once while one more session uploads a CSV of
  200,000 reviews (sampled with replacement from the demo data, with small edits), confirms
  the columns and evaluates it with the demo's champion model.

The windows share one browser profile, so the app's scripts are fetched and compiled once, as a
returning client's browser has them cached: on this 2-core machine the browsers stand in for
the clients' own computers, and ten fresh copies compiling Streamlit's JavaScript at once took
most of the cores the server needs (a first open took ~22 s, 17 s of it before the page's load
event). ``--fresh-browsers`` gives each person a profile of their own again.

Sessions behave like people (``Pace``): they arrive ``ARRIVALS_PER_S`` per second and pause
``THINK_S`` between pages; the browsers, which stand in for the clients' own machines, run at a
lower priority than the server's page threads and ahead of its batch scoring on this shared
machine (they used about 55% of its CPU, the server 33%). ``--harsh`` drops all three: no pauses, everyone at once, same priority.

A page "settles" when Streamlit has finished running its script
(``[data-testid="stApp"][data-test-script-state="notRunning"]``) and the page's own title is
shown; nothing waits a fixed time. Errors are exceptions drawn by Streamlit, error boxes,
browser page errors and settles that time out. Peak memory is the resident set of the server's
process tree, sampled every ``MEMORY_SAMPLE_S``. Target: every page settles within
``SETTLE_TARGET_S`` under load and nothing errors. Everything is bounded: ``ROUNDS`` per
session and ``DEADLINE_S`` for the whole load phase, after which the sessions stop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lib.config import Settings, load_settings
from lib.stores.demo import load_demo_data, seed_demo
from lib.stores.tracking import TrackingStore
from tests.servers import CHROMIUM, CHROMIUM_ARGS, serve_app, stop_process_group

SESSIONS = 10
ROUNDS = 3
REVIEWS = 200_000
SEED = 14
SETTLE_TARGET_S = 5.0
SETTLE_TIMEOUT_S = 60.0
EVALUATION_TIMEOUT_S = 900.0
DEADLINE_S = 1200.0
MEMORY_SAMPLE_S = 0.5
# How people use it (load-testing practice, as Locust's ``wait_time = between(1, 3)``): a pause
# between pages, and people joining one per second (Locust's default spawn rate) rather than ten
# clicks at the same instant.
THINK_S = (1.0, 3.0)
ARRIVALS_PER_S = 1.0
# The browsers stand in for the clients' own machines: on this shared box they run at a lower
# priority than the server's page threads (0), so the server gets the CPU a real deployment
# would give it, but ahead of its batch scoring (10), which would not slow a client's machine.
CLIENT_NICENESS = 5
PAGES = {  # URL path -> the page's title, shown once its script runs
    "": "How good is the model?",
    "categories": "Where is the model weak?",
    "weak_spots": "Weak spots found automatically",
    "compare": "Is the new version better?",
    "mistakes": "Mistakes to review",
    "check": "Check the figures on a few reviews",
    "stress_test": "How robust is the model?",
    "evaluate": "Evaluate a file of feedback",
    "report": "Client report",
}
SETTLED_JS = """title => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    return [...document.querySelectorAll('[data-testid="stMain"] h1')].some(h => h.innerText.includes(title));
}"""
FIRST_OPEN = "(first open)"  # opening the app: a new session, the sidebar and the Overview
# The part of it after the browser has loaded and started the app's JavaScript (the server's
# share: connect, run the first script, draw): the rest is the browser's own work.
FIRST_OPEN_SERVER = "(… after load)"
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
VIEWPORT = {"width": 1280, "height": 900}
# Each simulated person looks at their own window: Chromium must not slow the others down as
# background pages (timers once a second), as a real client's browser would not for the page in use.
FOREGROUND_TABS = ["--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"]
EDITS = (" Thanks.", "!", " Would buy again?", " (translated)", " meh")


@dataclass
class Observations:
    """What the sessions saw: settle seconds per page, and every error with where it happened."""

    settle_s: dict[str, list[float]] = field(
        default_factory=lambda: {FIRST_OPEN: [], FIRST_OPEN_SERVER: [], **{path: [] for path in PAGES}}
    )
    errors: list[str] = field(default_factory=list)


def seeded_store_copy(workdir: Path) -> Settings:
    """Settings of a copy of the project's embedded demo store (seeded first when it is not)."""
    source = load_settings({}, secrets_file=workdir / "none.toml")
    if seed_demo(source, TrackingStore(source.tracking_uri), lambda share, message: print(f"  seeding [{share:4.0%}] {message}")):
        print(f"  seeded the demo store in {source.data_dir}")
    target = workdir / "store"
    target.mkdir()
    for database in source.data_dir.glob("mlflow.db*"):
        shutil.copy2(database, target / database.name)
    return load_settings({"SENTIMENT_REVIEW_DATA_DIR": str(target)}, secrets_file=workdir / "none.toml")


def write_upload(path: Path, reviews: int = REVIEWS) -> None:
    """A CSV of ``reviews`` demo reviews sampled with replacement, a fifth of them slightly edited."""
    rng = np.random.default_rng(SEED)
    demo = load_demo_data()
    rows = demo.iloc[rng.integers(0, len(demo), reviews)].reset_index(drop=True)
    text = rows["text"].copy()
    edited = rng.random(reviews) < 0.2
    text[edited] = text[edited] + np.asarray(EDITS, dtype=object)[rng.integers(0, len(EDITS), int(edited.sum()))]
    rows.assign(review=text).rename(columns={"label": "sentiment", "category": "source"})[["review", "sentiment", "source"]].to_csv(
        path, index=False
    )


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss_pages: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        pid = int(stat.parent.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss_pages[pid] = int(fields[21])
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss_pages.get(pid, 0)
        todo += children.get(pid, [])
    return total * resource.getpagesize() / 1024 / 1024


class MemorySampler(threading.Thread):
    """Samples the server tree's resident memory until stopped; ``peak_mb`` is the highest seen."""

    def __init__(self, root_pid: int) -> None:
        super().__init__(daemon=True)
        self.root_pid, self.peak_mb, self._stop_event = root_pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(MEMORY_SAMPLE_S):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.root_pid))

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak_mb


async def _settle(page, path: str, seen: Observations, who: str) -> None:
    """Wait until the page's script finished and its title shows; record the seconds or the failure."""
    started = time.perf_counter()
    try:
        await page.wait_for_function(SETTLED_JS, arg=PAGES[path], timeout=SETTLE_TIMEOUT_S * 1000)
    except Exception as error:  # a timeout is an observation, not a crash of the benchmark
        seen.errors.append(f"{who} /{path}: did not settle within {SETTLE_TIMEOUT_S:.0f} s ({type(error).__name__})")
        return
    seen.settle_s[path].append(time.perf_counter() - started)
    for shown in await page.locator(ERROR_SELECTOR).all_inner_texts():
        seen.errors.append(f"{who} /{path}: {shown.strip()[:200]}")


@dataclass(frozen=True)
class Pace:
    """When a simulated person arrives and how long they look at a page before the next click."""

    arrival_s: float
    think_s: tuple[float, float]
    seed: int

    def pauses(self) -> Iterator[float]:
        """Seconds to wait before each click (seeded, so runs compare)."""
        rng = np.random.default_rng(self.seed)
        while True:
            yield float(rng.uniform(*self.think_s))


async def browse(clients: Clients, base: str, seen: Observations, who: str, deadline: float, pace: Pace) -> None:
    """One person: arrive, open the app, then go through every page by the sidebar ``ROUNDS`` times, pausing between pages."""
    await asyncio.sleep(pace.arrival_s)
    page = await clients.new_page()
    page.on("pageerror", lambda error: seen.errors.append(f"{who}: browser error {error}"))
    pauses = pace.pauses()
    try:
        started = time.perf_counter()
        await page.goto(base, timeout=SETTLE_TIMEOUT_S * 1000)
        loaded = time.perf_counter()  # goto returns at the page's load event: the app's JavaScript has loaded
        await page.wait_for_function(SETTLED_JS, arg=PAGES[""], timeout=SETTLE_TIMEOUT_S * 1000)
        seen.settle_s[FIRST_OPEN].append(time.perf_counter() - started)
        seen.settle_s[FIRST_OPEN_SERVER].append(time.perf_counter() - loaded)
        for _round in range(ROUNDS):
            for path in [*list(PAGES)[1:], ""]:
                await asyncio.sleep(next(pauses))
                if time.monotonic() > deadline:
                    return
                await page.locator(f'[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"][href="{path}"]').click()
                await _settle(page, path, seen, who)
    except Exception as error:
        seen.errors.append(f"{who}: stopped by {type(error).__name__}: {str(error)[:200]}")
    finally:
        await clients.close(page)


async def upload_and_evaluate(clients: Clients, base: str, upload: Path, reviews: int, seen: Observations) -> float | None:
    """One analyst: upload the file on the Evaluate page, evaluate it; seconds from upload to result."""
    page = await clients.new_page()
    page.on("pageerror", lambda error: seen.errors.append(f"uploader: browser error {error}"))
    try:
        await page.goto(f"{base}/evaluate", timeout=SETTLE_TIMEOUT_S * 1000)
        await page.wait_for_function(SETTLED_JS, arg=PAGES["evaluate"], timeout=SETTLE_TIMEOUT_S * 1000)
        started = time.perf_counter()
        await page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', str(upload))
        button = page.get_by_role("button", name=f"Evaluate {reviews:,} reviews")
        await button.wait_for(timeout=EVALUATION_TIMEOUT_S * 1000)
        await page.wait_for_function(SETTLED_JS, arg=PAGES["evaluate"], timeout=EVALUATION_TIMEOUT_S * 1000)
        await button.click()
        await page.locator('[data-testid="stMain"] h3', has_text="Result").wait_for(timeout=EVALUATION_TIMEOUT_S * 1000)
        await page.wait_for_function(SETTLED_JS, arg=PAGES["evaluate"], timeout=EVALUATION_TIMEOUT_S * 1000)
        for shown in await page.locator(ERROR_SELECTOR).all_inner_texts():
            seen.errors.append(f"uploader: {shown.strip()[:200]}")
        return time.perf_counter() - started
    except Exception as error:
        seen.errors.append(f"uploader: stopped by {type(error).__name__}: {str(error)[:200]}")
        return None
    finally:
        await clients.close(page)


class Clients:
    """Browser windows for the simulated people: in one shared profile, or each in a fresh one (``fresh``).

    Shared: each person gets a window of their own (a popup of a blank opener page), not a tab:
    Chromium runs the tabs of one window that are not in front about five times slower
    (a page change took ~1 s instead of 0.2 s), which no real client would see.
    """

    def __init__(self, browser, fresh: bool) -> None:
        self.browser, self.fresh = browser, fresh
        self._opener = None
        self._opening = asyncio.Lock()

    async def new_page(self):
        """A new window, which opens a Streamlit session of its own."""
        if self.fresh:
            return await (await self.browser.new_context(viewport=VIEWPORT)).new_page()
        async with self._opening:  # one popup at a time, so each caller gets its own
            if self._opener is None:
                self._opener = await (await self.browser.new_context(viewport=VIEWPORT)).new_page()
            async with self._opener.context.expect_page() as opened:
                await self._opener.evaluate(
                    f"window.open('about:blank', '_blank', 'popup,width={VIEWPORT['width']},height={VIEWPORT['height']}')"
                )
            return await opened.value

    async def close(self, page) -> None:
        """Close the window (and its profile when it had its own)."""
        await (page.context.close() if self.fresh else page.close())


async def drive(
    base: str, sessions: int, upload: Path | None = None, reviews: int = 0, *, harsh: bool = False, fresh_browsers: bool = False
) -> tuple[Observations, float | None]:
    """Run ``sessions`` browsing sessions (and the uploader of ``reviews`` reviews when ``upload`` is given) at once.

    ``harsh``: every session clicks on without pausing and all arrive at the same instant.
    ``fresh_browsers``: each session in a browser profile of its own (nothing cached).
    """
    from playwright.async_api import async_playwright

    seen = Observations()
    deadline = time.monotonic() + DEADLINE_S
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FOREGROUND_TABS])
        try:
            paces = [Pace(0.0, (0.0, 0.0), i) if harsh else Pace(i / ARRIVALS_PER_S, THINK_S, SEED + i) for i in range(sessions)]
            clients = Clients(browser, fresh_browsers)
            browsing = [browse(clients, base, seen, f"session {i + 1}", deadline, paces[i]) for i in range(sessions)]
            evaluating = [upload_and_evaluate(clients, base, upload, reviews, seen)] if upload is not None else []
            results = await asyncio.gather(*evaluating, *browsing)
        finally:
            await browser.close()
    return seen, (results[0] if upload is not None else None)


def _figures(seen: Observations) -> dict[str, tuple[float, float, int]]:
    return {
        path: (statistics.median(times), max(times), len(times)) if times else (float("nan"), float("nan"), 0)
        for path, times in seen.settle_s.items()
    }


def main() -> None:
    """Measure the baseline, then the load; print per-page figures, errors, peak memory and PASS/FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--reviews", type=int, default=REVIEWS)
    parser.add_argument(
        "--harsh", action="store_true", help="no pauses between pages, everyone arrives at once, browsers at the server's priority"
    )
    parser.add_argument("--fresh-browsers", action="store_true", help="each session in a browser profile of its own (nothing cached)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        print("Preparing the store and the upload…", flush=True)
        settings = seeded_store_copy(workdir)
        upload = workdir / "feedback_200k.csv"
        write_upload(upload, args.reviews)
        print(f"  upload: {upload.stat().st_size / 1e6:.1f} MB, {args.reviews:,} reviews", flush=True)
        process, base = serve_app(settings, workdir / "server.log")
        if not args.harsh:
            os.nice(CLIENT_NICENESS)  # this process and the browsers it starts from now on; the server keeps its priority
        print(
            "Pace: "
            + (
                "no pauses, all at once, browsers at the server's priority"
                if args.harsh
                else f"{THINK_S[0]:.0f}-{THINK_S[1]:.0f} s between pages, {ARRIVALS_PER_S:g} arrival per second, browsers at nice {CLIENT_NICENESS}"
            ),
            flush=True,
        )
        print("Browsers: " + ("a fresh profile per session" if args.fresh_browsers else "one shared profile (scripts cached)"), flush=True)
        sampler = MemorySampler(process.pid)
        sampler.start()
        try:
            print("Baseline: 1 session, no upload…", flush=True)
            baseline, _ = asyncio.run(drive(base, 1, harsh=args.harsh, fresh_browsers=args.fresh_browsers))
            idle_peak = sampler.peak_mb
            print(f"Load: {args.sessions} sessions + 1 uploading and evaluating {args.reviews:,} reviews…", flush=True)
            started = time.perf_counter()
            load, evaluation_s = asyncio.run(
                drive(base, args.sessions, upload, args.reviews, harsh=args.harsh, fresh_browsers=args.fresh_browsers)
            )
            load_s = time.perf_counter() - started
        finally:
            peak = sampler.stop()
            stop_process_group(process)
        server_errors = [line for line in (workdir / "server.log").read_text(errors="replace").splitlines() if "Traceback" in line]
    report(
        _figures(baseline),
        _figures(load),
        load.errors + baseline.errors,
        server_errors,
        idle_peak,
        peak,
        (args.reviews, evaluation_s),
        load_s,
    )


def report(
    baseline: dict[str, tuple[float, float, int]],
    load: dict[str, tuple[float, float, int]],
    errors: list[str],
    server_errors: list[str],
    idle_peak_mb: float,
    peak_mb: float,
    evaluation: tuple[int, float | None],
    load_s: float,
) -> None:
    """Print the table, the errors and the verdict."""
    print(f"\n{'page':<14}{'baseline median':>17}{'load median':>13}{'load max':>10}{'ratio':>8}{'settles':>9}")
    for path, (median, worst, n) in load.items():
        base_median = baseline[path][0]
        name = path if path in (FIRST_OPEN, FIRST_OPEN_SERVER) else "/" + path
        print(f"{name:<14}{base_median:>16.2f}s{median:>12.2f}s{worst:>9.2f}s{median / base_median:>7.1f}×{n:>9}")
    reviews, evaluation_s = evaluation
    evaluated = f"{evaluation_s:.1f} s" if evaluation_s is not None else "did not finish"
    print(f"\nupload + evaluation of {reviews:,} reviews under load: {evaluated}; load phase {load_s:.1f} s")
    print(f"peak memory of the server process tree: {peak_mb:,.0f} MB (baseline phase: {idle_peak_mb:,.0f} MB)")
    print(f"errors seen: {len(errors)}; tracebacks in the server log: {len(server_errors)}")
    for error in errors[:20]:
        print(f"  {error}")
    worst = max((worst for _median, worst, n in load.values() if n), default=float("inf"))
    settled_all = all(n for _median, _worst, n in load.values())
    passed = settled_all and worst <= SETTLE_TARGET_S and not errors and not server_errors and evaluation_s is not None
    print(
        f"\n{'PASS' if passed else 'FAIL'}: every page settles within {SETTLE_TARGET_S:.0f} s under load (worst {worst:.2f} s), nothing errors"
    )
    # The same without the browsers' own loading of the app, which on this machine shares the server's cores.
    served = max((worst for path, (_median, worst, n) in load.items() if n and path != FIRST_OPEN), default=float("inf"))
    verdict = "within" if served <= SETTLE_TARGET_S else "NOT within"
    print(f"the server's share: every page {verdict} {SETTLE_TARGET_S:.0f} s once the browser has loaded the app (worst {served:.2f} s)")


if __name__ == "__main__":
    main()
