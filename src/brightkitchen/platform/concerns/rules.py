"""Which step may follow which, and who may take it. The one table the service and its tests read."""

from __future__ import annotations

from dataclasses import dataclass

from brightkitchen.platform.concerns.models import ConcernState as S
from brightkitchen.platform.roles import Role

HANDLERS = frozenset({Role.admin, Role.regulator, Role.school_admin})
REGULATORS = frozenset({Role.admin, Role.regulator})


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[S]
    target: S
    roles: frozenset[Role]


STEPS = {
    "handle": Step("handle", frozenset({S.received}), S.handling, HANDLERS),
    # A reply may come straight away, and may be corrected while the concern is not closed; each one is kept.
    "reply": Step("reply", frozenset({S.received, S.handling, S.replied}), S.replied, HANDLERS),
    "close": Step("close", frozenset({S.replied}), S.closed, REGULATORS),
    # The regulator sends a reply that is not good enough back for more handling.
    "reopen": Step("reopen", frozenset({S.replied, S.closed}), S.handling, REGULATORS),
}

# The states in which the complainant reads the reply (a reopened concern's old reply is withdrawn).
REPLY_SHOWN = frozenset({S.replied, S.closed})
