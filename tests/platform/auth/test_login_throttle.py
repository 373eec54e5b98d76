"""Sign-in throttling: atomic database counters per address and per account+address, alike for unknown names,
shared by every process, and not something an attacker elsewhere can turn on a real user."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import uvicorn
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from tests import factories as f
from tests.support import free_port

LOGIN = "/api/v1/auth/login"


@contextmanager
def proxied_server(ctx: PlatformContext) -> Iterator[str]:
    """A real uvicorn that trusts X-Forwarded-For, so a test can speak from several client addresses."""
    port = free_port()
    config = uvicorn.Config(create_app(ctx=ctx), host="127.0.0.1", port=port, log_level="warning",
                            proxy_headers=True, forwarded_allow_ips="*")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(20)


def attempt(base: str, username: str, password: str, address: str = "203.0.113.9") -> httpx.Response:
    body = {"username": username, "password": password}
    return httpx.post(base + LOGIN, json=body, headers={"X-Forwarded-For": address}, timeout=60)


def test_parallel_guesses_in_two_processes_never_pass_the_limit(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    limit = ctx.settings.login_max_failures
    other = PlatformContext.build(ctx.settings)  # a second worker process: its own engine and pool
    try:
        with proxied_server(ctx) as one, proxied_server(other) as two, ThreadPoolExecutor(25) as pool:
            bases = [one, two] * 13
            answers = list(pool.map(lambda i: attempt(bases[i], "reg_a", f"guess-{i}").status_code, range(25)))
            # Even the right password is refused now: the account is throttled from this address.
            assert attempt(one, "reg_a", f.PASSWORD).status_code == 429
    finally:
        other.engine.dispose()
    counted = Counter(answers)
    assert counted[401] == limit, counted  # exactly the limit reached the password check
    assert counted[429] == 25 - limit, counted


def test_unknown_usernames_are_throttled_exactly_like_real_ones(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    limit = ctx.settings.login_max_failures
    with proxied_server(ctx) as base:
        real = [attempt(base, "reg_a", "wrong-wrong") for _ in range(limit + 1)]
        ghost = [attempt(base, "no-such-user", "wrong-wrong") for _ in range(limit + 1)]
    assert [r.status_code for r in real] == [r.status_code for r in ghost] == [401] * limit + [429]
    # The same words; only the seconds left may differ, by the time the ghost's attempts took (a loaded machine).
    assert re.sub(r"\d+ s", "N s", real[-1].json()["detail"]) == re.sub(r"\d+ s", "N s", ghost[-1].json()["detail"])
    waits = [int(r.headers["Retry-After"]) for r in (real[-1], ghost[-1])]
    assert all(w > 0 for w in waits) and abs(waits[0] - waits[1]) <= 30, waits
    assert real[-1].json()["code"] == ghost[-1].json()["code"] == "login_throttled"


def test_one_address_guessing_over_many_accounts_is_throttled(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    per_address = ctx.settings.login_max_failures_per_address
    with proxied_server(ctx) as base:
        codes = [attempt(base, f"user{i}", "wrong-wrong").status_code for i in range(per_address + 5)]
        # Another address is not affected.
        assert attempt(base, "reg_a", f.PASSWORD, address="198.51.100.20").status_code == 200
    assert codes == [401] * per_address + [429] * 5


def test_an_attacker_elsewhere_cannot_lock_the_admin_out(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    with proxied_server(ctx) as base:
        for _ in range(ctx.settings.login_max_failures * 2):
            attempt(base, "admin", "wrong-wrong", address="203.0.113.66")
        assert attempt(base, "admin", "wrong-wrong", address="203.0.113.66").status_code == 429
        assert attempt(base, "admin", f.PASSWORD, address="198.51.100.1").status_code == 200


def test_a_successful_sign_in_gives_the_attempts_back(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    limit = ctx.settings.login_max_failures
    with proxied_server(ctx) as base:
        for _ in range(limit - 1):
            assert attempt(base, "sa_a1", "wrong-wrong").status_code == 401
        assert attempt(base, "sa_a1", f.PASSWORD).status_code == 200
        codes = [attempt(base, "sa_a1", "wrong-wrong").status_code for _ in range(limit + 1)]
    assert codes == [401] * limit + [429]
