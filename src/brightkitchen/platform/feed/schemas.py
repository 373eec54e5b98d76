"""What the feed sends: one event per audited alert change, and the bell's unread summary."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FeedEventPublic(BaseModel):
    """The ``data`` of one ``event: alert`` on the stream; the SSE ``id`` is the audit row's id (the cursor)."""

    alert_id: int
    site_id: int
    code: str
    state: str = Field(description="the alert's state after this change")
    action: str = Field(description="create, notify, start, submit, approve, reject, false_positive, clear, escalate…")
    at: datetime
    test: bool = Field(description="an installer's end-to-end test alert (lists leave these out)")


class UnreadItem(BaseModel):
    id: int
    site_id: int
    site_name: str
    code: str
    state: str
    created_at: datetime
    unread: bool


class UnreadPublic(BaseModel):
    count: int = Field(description="open alerts in the caller's scope born after the read mark")
    read_up_to: int = Field(description="alerts with an id up to this are read")
    latest_alert_id: int = Field(description="the newest alert id in scope now: POST it to /feed/read to read all")
    cursor: int = Field(description="the feed's position now: open the stream with ?after=cursor to miss nothing")
    items: list[UnreadItem] = Field(description="the newest open alerts in scope, for the bell's dropdown")


class ReadCreate(BaseModel):
    up_to: int | None = Field(
        default=None, ge=0, le=2**31 - 1, description="mark alerts up to this id read; omitted: all of them now"
    )
