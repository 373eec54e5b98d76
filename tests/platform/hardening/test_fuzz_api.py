"""Schemathesis over the app's own OpenAPI document, as an admin and as a school admin (device endpoints: as
that school's device), valid and invalid data, a fixed seed and a bounded number of examples: no request,
however odd, may get a 5xx."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from tests import factories as f

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.core.errors import SerializationNotPossible  # noqa: E402

pytestmark = pytest.mark.fuzz

# Per operation, mode and caller: ~150 operations stay within a few minutes on 2 cores. A longer hunt:
# BRIGHTKITCHEN_FUZZ_EXAMPLES=50 pytest tests/platform/hardening/test_fuzz_api.py
EXAMPLES = int(os.environ.get("BRIGHTKITCHEN_FUZZ_EXAMPLES", "5"))
SEED = 20240612


def _fuzz(operation: Any, mode: GenerationMode, callers: list[dict[str, str]]) -> list[str]:
    failures: list[str] = []
    device = operation.path.startswith("/api/v1/device/")

    @given(case=operation.as_strategy(generation_mode=mode))
    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        for auth in callers[2:] if device else callers[:2]:
            response = case.call(headers={**(case.headers or {}), **auth})
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {case.as_curl_command()}"
                )

    try:
        run()
    except Unsatisfiable:
        pass  # nothing invalid can be made for this operation (no parameters, no body)
    except SerializationNotPossible:
        pass  # a raw video body (video/mp2t): covered by the video upload tests, not generated here
    return failures


def test_no_server_error(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    callers = [
        f.bearer(session, "admin"),
        f.bearer(session, "sa_a1"),
        {"Authorization": f"Bearer {w.device_keys['A1']}"},
    ]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(ctx=ctx))
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, mode, callers)
    assert not failures, "\n".join(dict.fromkeys(failures))
