"""The evidence store of the running app (and any other store kept beside it), made once per app on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import EvidenceStore

_lock = threading.Lock()


def app_store(request: Request, attr: str, build: Callable[[Settings], EvidenceStore]) -> EvidenceStore:
    """The running app's store kept in ``app.state.<attr>``, built from its settings once, on first use."""
    state = request.app.state
    store: EvidenceStore | None = getattr(state, attr, None)
    if store is None:
        with _lock:
            store = getattr(state, attr, None)
            if store is None:
                store = build(state.ctx.settings)
                setattr(state, attr, store)
    return store


def get_store(request: Request) -> EvidenceStore:
    return app_store(request, "evidence_store", build_store)


StoreDep = Annotated[EvidenceStore, Depends(get_store)]
