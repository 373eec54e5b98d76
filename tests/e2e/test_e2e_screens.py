"""Every page, for every role that may open it, at a desktop (1440x900) and a phone (390x844) size: it loads
without a script error or a server error, shows no server English in Chinese mode, and (on a phone) does not
make the whole page scroll sideways. The screenshots land in test-artifacts/screenshots/screens/ to be looked at."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests import factories as f
from tests.e2e.conftest import DESKTOP, PHONE, heartbeat, login, settle, shot, upload_violation

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

SIZES = {"desktop": DESKTOP, "phone": PHONE}
# The pages of each role's day, by path; {alert}, {site} are filled in from the seeded world.
PAGES: dict[str, list[str]] = {
    "sa_a1": ["/today", "/alerts", "/alerts/{alert}", "/cameras", "/wall", "/concerns", "/acceptance", "/account",
              "/help"],
    "ss_a1": ["/today", "/alerts", "/cameras", "/acceptance", "/account"],
    "reg_a": ["/overview", "/alerts", "/alerts/{alert}", "/sites", "/sites/{site}", "/rollout", "/rollout/{site}",
              "/bulletins", "/reports", "/ranking", "/cameras", "/wall", "/concerns", "/video/access-log",
              "/admin/users", "/admin/regions", "/admin/sites", "/admin/cameras", "/admin/devices",
              "/admin/channels", "/admin/policies", "/account", "/help"],
    "admin": ["/overview", "/admin/users", "/admin/regions", "/admin/devices"],
}  # fmt: skip
PUBLIC_PAGES = ["/login", "/p/A1"]
# Words that only appear when a server's English message reaches the page.
SERVER_ENGLISH = re.compile(r"\b(not found|invalid|forbidden|must be|is required|internal server error)\b", re.I)


def _watch(page: Any) -> list[str]:
    """Collects what went wrong while a page loaded: script errors and server errors."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))

    def on_response(resp: Any) -> None:
        if resp.status >= 500:
            problems.append(f"{resp.status} from {resp.url}")

    page.on("response", on_response)
    return problems


def _check_page(page: Any, problems: list[str], name: str, size: str) -> None:
    settle(page)
    expect(page.locator("main, .bk-public, body").first).not_to_be_empty()
    assert not problems, f"{name} ({size}): {problems}"
    text = page.locator("body").inner_text()
    assert not SERVER_ENGLISH.search(text), f"{name} ({size}) shows server English: {SERVER_ENGLISH.search(text)}"
    if size == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} on a phone scrolls sideways by {overflow}px"
    shot(page, f"screens/{name}-{size}")


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_opens_cleanly_for_every_role(
    size: str, server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    heartbeat(server, world.device_keys["A1"], "cam-a1")
    alert = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1")
    values = {"alert": str(alert), "site": str(world.site_a1.id)}
    for user, paths in PAGES.items():
        page = open_page(SIZES[size])
        problems = _watch(page)
        login(page, user)
        for path in paths:
            url = path.format(**values)
            problems.clear()
            page.goto(url)
            expect(page.get_by_test_id("forbidden")).to_have_count(0)
            expect(page.get_by_test_id("problem")).to_have_count(0)
            name = f"{user}{path.replace('/', '-').replace('{', '').replace('}', '')}"
            _check_page(page, problems, name, size)
        page.context.close()
    for path in PUBLIC_PAGES:
        page = open_page(SIZES[size])
        problems = _watch(page)
        page.goto(path)
        _check_page(page, problems, f"public{path.replace('/', '-')}", size)
        page.context.close()
