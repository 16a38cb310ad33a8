"""Browser tests: the system's Chromium, driven by Playwright, against the app served
by this test run (pytest-django's live_server, with the seed loaded per test).

Playwright never downloads a browser here. Without /usr/bin/chromium these tests are
skipped, loudly; with REQUIRE_BROWSER=1 (as .ci/run sets) they fail instead.

Every page opened through ``open_as`` is watched: a Content Security Policy violation
or a JavaScript dialog (alert/confirm: what injected script would raise) fails the test.
Screenshots go to artifacts/screenshots/, the folder CI keeps as its artefact.
"""
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still plain synchronous calls, on the test's own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
NOT_RUN = f"Chromium not found at {CHROMIUM}: browser journeys NOT run"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_skipped = []


def chromium_present():
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not chromium_present():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{NOT_RUN}, and REQUIRE_BROWSER=1 makes that a failure", pytrace=False)
        _skipped.append(NOT_RUN)
        pytest.skip(NOT_RUN)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_sep("!", NOT_RUN, red=True, bold=True)


def session_cookie_for(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def open_as(browser, live_server):
    """open_as(user or None, bypass_csp=False) -> a Playwright page in a browser context
    of its own (its own cookies), signed in as ``user``."""
    contexts = []

    def _open(user=None, *, bypass_csp=False):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True,
            bypass_csp=bypass_csp, locale="en-GB", timezone_id="Europe/London",
        )
        context.set_default_timeout(15_000)
        if user is not None:
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session_cookie_for(user), "url": live_server.url}]
            )
        page = context.new_page()
        page.problems = []
        page.on("console", lambda msg: _note_csp_violation(page, msg))
        page.on("dialog", lambda dialog: (page.problems.append(f"dialog opened: {dialog.message}"), dialog.dismiss()))
        contexts.append((context, page))
        return page

    yield _open
    problems = [problem for _, page in contexts for problem in page.problems]
    for context, _ in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def _note_csp_violation(page, message):
    if "Content Security Policy" in message.text:
        page.problems.append(f"CSP violation on {page.url}: {message.text}")


def screenshot(page, name):
    """Save a full-page screenshot as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def axe_violations(page):
    """WCAG 2.0/2.1/2.2 A and AA violations axe-core finds on the page as it is now.

    axe is injected through the DevTools protocol (page.evaluate), which our CSP does not
    block, so the page is checked with its real policy in force."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]})
    return results.response["violations"]


def assert_accessible(page, name):
    screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, f"{name} ({page.url}):\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(
            f"{', '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}" for node in v["nodes"][:5]
        )
        for v in violations
    )
