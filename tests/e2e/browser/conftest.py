"""Browser tests: Opportune served by uvicorn in a thread, driven by Debian's headless Chromium.

``playwright install`` is not needed: Playwright launches the system ``chromium``. Without
it these tests are skipped, unless ``OPPORTUNE_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Page, expect

from opportune import Opportune
from opportune.api import create_app
from tests.conftest import make_settings
from tests.e2e.browser.seed import PASSWORD, Seeded, seed, start_of_seed, stepping_clock

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-output" / "screenshots"
CHROMIUM = shutil.which("chromium")

pytestmark = pytest.mark.browser


def _require_chromium() -> str:
    if CHROMIUM:
        return CHROMIUM
    message = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("OPPORTUNE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system chromium instead of a browser downloaded by Playwright."""
    return {**browser_type_launch_args, "executable_path": _require_chromium()}


@pytest.fixture(scope="session")
def base_url() -> str | None:
    """No fixed base URL: each test's server has its own port.

    This also replaces pytest-base-url's fixture, which pytest 9 deprecates (a warning, so
    an error here).
    """
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A laptop-sized window."""
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}


FIRST_PAGE_TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class LiveServer:
    """The running application: its URL, installation and seeded data."""

    url: str
    core: Opportune
    seeded: Seeded

    def lead_url(self, lead_id: int) -> str:
        """The page of a lead."""
        return f"{self.url}/leads/{lead_id}"


def _serve(core: Opportune) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(core=core), lifespan="off", log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    # The sign-in page once before the browser asks for it, so that a test's first
    # navigation does not also wait for the server's first-request set-up.
    httpx.get(f"{url}/login", timeout=30).raise_for_status()
    return server, thread, url


@pytest.fixture
def live_server(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """Opportune on a fresh SQLite database with three users and 60 leads."""
    _require_chromium()
    settings = make_settings(sqlite_url, tmp_path)
    seeder = Opportune(settings, clock=stepping_clock(start_of_seed()))
    seeded = seed(seeder)
    seeder.close()
    core = Opportune(settings)
    server, thread, url = _serve(core)
    yield LiveServer(url, core, seeded)
    server.should_exit = True
    thread.join(timeout=10)
    core.close()


@pytest.fixture
def ui(live_server: LiveServer, page: Page) -> Page:
    """A browser page on the live server (torn down before the server stops)."""
    page.set_default_timeout(5000)
    # Navigations get longer: a page load can stall for seconds while the other test worker
    # runs the multi-process tests (servers, job workers) on both cores.
    page.set_default_navigation_timeout(FIRST_PAGE_TIMEOUT_MS)
    expect.set_options(timeout=5000)
    return page


def sign_in(page: Page, server: LiveServer, email: str = "dana@example.com") -> None:
    """Sign in through the login form and wait for the lead list."""
    # A fresh browser context's first page can take longer than the 5 s budget while the
    # other test worker runs the multi-process tests (servers, job workers) on both cores.
    page.goto(f"{server.url}/login", timeout=FIRST_PAGE_TIMEOUT_MS)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Leads", exact=True)).to_be_visible()
    # The heading shows while the page is still parsing; htmx (a deferred script) binds its
    # handlers only then, and a filter ticked before that would send nothing. On a busy
    # machine that gap is long enough for a test to fall into it.
    page.wait_for_load_state("load")


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
