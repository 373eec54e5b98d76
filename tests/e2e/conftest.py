"""End-to-end fixtures: the built web app served by a real uvicorn server on a real (migrated) database,
driven by the system's Chromium through Playwright. Skipped, with the reason, when the build, Chromium
or Playwright is missing. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.webui import STATIC_DIR, STATIC_DIR_ENV
from tests import factories as f
from tests import support
from tests.e2e import evidence

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the built web app in Chromium against a real server")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    static_dir = Path(os.environ.get(STATIC_DIR_ENV) or STATIC_DIR)
    if not (static_dir / "index.html").is_file():
        pytest.skip("the web app is not built (src/brightkitchen/static is empty): run scripts/web-build")
    if not CHROMIUM.is_file():
        pytest.skip("no Chromium at /usr/bin/chromium: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    with sync_api.sync_playwright() as pw:
        pw.selectors.set_test_id_attribute("data-test")
        sync_api.expect.set_options(timeout=15_000)
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    """The suite's settings; the jobs loop is off and the tests run the jobs when the story needs them."""
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def server(ctx: PlatformContext) -> Iterator[str]:
    with support.running_server(create_app(ctx=ctx)) as base_url:
        yield base_url


@pytest.fixture
def world(session: Session) -> f.World:
    return f.world(session)


@pytest.fixture
def open_page(browser: Any, server: str) -> Iterator[Callable[..., Any]]:
    """Opens a fresh browser context (its own storage: one person) in Chinese, in China's time zone."""
    contexts: list[Any] = []

    def opener(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport or DESKTOP
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield opener
    for context in contexts:
        context.close()


def settle(page: Any, timeout_ms: int = 5_000) -> None:
    """Waits for the page's requests to finish. A signed-in page keeps its live-feed stream open, so the network
    may never go idle there: wait at most ``timeout_ms``, then go on (assertions that follow wait for themselves)."""
    try:
        page.wait_for_load_state("networkidle", timeout=timeout_ms)
    except Exception as exc:
        if type(exc).__name__ != "TimeoutError":
            raise


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    settle(page)
    page.wait_for_timeout(700)  # let charts and dialogs finish their animations
    # A full-page capture of a page taller than the window resizes it for a moment, and the menu, which
    # measures itself on resize, can be caught folded into "…". Grow the window first and let it settle.
    size = page.viewport_size
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    grown = bool(size) and height > size["height"]
    if grown:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    if grown:
        page.set_viewport_size(size)
    return path


def fill(page: Any, test_id: str, value: str) -> None:
    """Types into an Element Plus input or textarea named by its data-test attribute."""
    # Element Plus puts the attribute on the native <input>/<textarea> itself.
    page.locator(f'input[data-test="{test_id}"], textarea[data-test="{test_id}"]').fill(value)


def login(page: Any, username: str, password: str = f.PASSWORD, path: str = "/login") -> None:
    page.goto(path)
    fill(page, "login-username", username)
    fill(page, "login-password", password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def upload_violation(base_url: str, device_key: str, site_code: str, camera_key: str, **event: Any) -> int:
    """What an edge device does: one real multipart POST with the event, a JPEG snapshot and an MP4 clip."""
    snap = evidence.snapshot()
    doc = support.event(
        site_code,
        camera_key,
        boxes=snap.boxes,
        frame_width=snap.width,
        frame_height=snap.height,
        **event,
    )
    resp = httpx.post(
        f"{base_url}/api/v1/device/events",
        headers=support.device_headers(device_key),
        timeout=30,
        **support.parts(doc, snap.jpeg, evidence.clip()),
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["alert_id"])


def upload_picture(base_url: str, device_key: str, camera_key: str, jpeg: bytes | None = None) -> None:
    """What an edge device does now and then: PUT a camera's latest still picture, a raw JPEG body."""
    resp = httpx.put(
        f"{base_url}/api/v1/device/cameras/{camera_key}/picture",
        content=evidence.snapshot().jpeg if jpeg is None else jpeg,
        headers={**support.device_headers(device_key), "Content-Type": "image/jpeg"},
        timeout=30,
    )
    assert resp.status_code == 204, resp.text


def heartbeat(base_url: str, device_key: str, camera_key: str, status: str = "online") -> None:
    from datetime import UTC, datetime

    body = {
        "sent_at": datetime.now(UTC).isoformat(),
        "software_version": "e2e",
        "cameras": [{"camera_key": camera_key, "status": status, "fps": 10.0}],
    }
    resp = httpx.post(
        f"{base_url}/api/v1/device/heartbeats", json=body, headers=support.device_headers(device_key), timeout=30
    )
    assert resp.status_code == 204, resp.text


def push_new_alerts(ctx: PlatformContext) -> None:
    """The platform's time-based jobs: a new alert is pushed to its school."""
    report = run_due_jobs(ctx)
    assert not report.errors, report.errors
