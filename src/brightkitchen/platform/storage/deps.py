"""The evidence store of the running app, made once per app on first use."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import EvidenceStore

_lock = threading.Lock()


def get_store(request: Request) -> EvidenceStore:
    state = request.app.state
    store: EvidenceStore | None = getattr(state, "evidence_store", None)
    if store is None:
        with _lock:
            store = getattr(state, "evidence_store", None)
            if store is None:
                store = build_store(state.ctx.settings)
                state.evidence_store = store
    return store


StoreDep = Annotated[EvidenceStore, Depends(get_store)]
