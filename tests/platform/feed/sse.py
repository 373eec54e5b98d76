"""Reading a real ``text/event-stream`` over HTTP in tests: events parsed as a browser would."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Event:
    event: str
    data: Any
    id: int | None


class Stream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()
        self.comments: list[str] = []

    def next(self) -> Event:
        """The next event; comments (keep-alives) are collected on the side."""
        fields: dict[str, str] = {}
        for line in self._lines:
            if not line:
                if "event" in fields or "data" in fields:
                    raw_id = fields.get("id")
                    data = json.loads(fields["data"]) if "data" in fields else None
                    return Event(fields.get("event", "message"), data, int(raw_id) if raw_id else None)
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        raise EOFError("the stream ended")

    def until(self, match: Callable[[Event], bool], within_s: float = 10.0) -> list[Event]:
        """Every event up to and including the first that matches; fails after ``within_s``."""
        seen: list[Event] = []
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            event = self.next()
            seen.append(event)
            if match(event):
                return seen
        raise AssertionError(f"no matching event within {within_s} s; saw {seen}")


@contextmanager
def open_stream(
    base_url: str, headers: dict[str, str], *, read_timeout_s: float = 8.0, **params: Any
) -> Iterator[Stream]:
    timeout = httpx.Timeout(10.0, read=read_timeout_s)
    url = f"{base_url}/api/v1/feed/stream"
    with httpx.Client(timeout=timeout) as client, client.stream("GET", url, headers=headers, params=params) as resp:
        assert resp.status_code == 200, resp.read()
        yield Stream(resp)
