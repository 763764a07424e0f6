from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.stacks import TEST_SCHEDULES
from tools.stack import Stack

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium reaches for Google's hosts, which this machine refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def stack(request, stacks):
    """One stack for the chat page and the operator page. The operator page's stuck list
    shows a paid order at once (no 10-minute wait), and the reconcile cron ticks often."""
    return stacks.get(
        request,
        lambda workdir: Stack(
            "local", workdir, schedules=TEST_SCHEDULES, env={"STUCK_PAID_MINUTES": "0"}
        ),
    )


@pytest.fixture
def page(request):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        yield page
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            for number, open_page in enumerate(context.pages):
                open_page.screenshot(
                    path=ARTIFACTS / f"{request.node.name}-{number}.png", full_page=True
                )
        browser.close()
