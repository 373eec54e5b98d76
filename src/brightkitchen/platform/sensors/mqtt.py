"""The MQTT subscriber: readings on ``brightkitchen/{site_code}/sensors/{key}`` are stored and their rule
applied. It joins the shared subscription ``$share/{group}/...``: however many platform workers (and
``brightkitchen sensors listen`` processes) subscribe, the broker hands each message to exactly one of them,
so a reading is stored once. A bad message is logged and counted; nothing here ever stops the subscriber."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.exc import OperationalError

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.sensors.ingest import Outcome, from_message

log = logging.getLogger(__name__)
TOPIC_FILTER = "brightkitchen/+/sensors/+"
SHARE_GROUP = "brightkitchen"
ERROR = "error"


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool


def parse_broker(url: str) -> Broker:
    """``mqtt://host[:1883]`` or ``mqtts://host[:8883]`` (TLS)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"broker URL must be mqtt://host:port or mqtts://host:port, not {url!r}")
    tls = parts.scheme == "mqtts"
    return Broker(parts.hostname, parts.port or (8883 if tls else 1883), tls)


def shared_filter(group: str = SHARE_GROUP) -> str:
    return f"$share/{group}/{TOPIC_FILTER}"


class SensorListener:
    def __init__(
        self, ctx: PlatformContext, url: str, *, username: str | None = None, password: str | None = None,
        tls_ca: Path | None = None, group: str = SHARE_GROUP,
    ) -> None:  # fmt: skip
        self.ctx = ctx
        self.broker = parse_broker(url)
        self.filter = shared_filter(group)
        self.counts: Counter[str] = Counter()
        self.connected = threading.Event()
        self._lock = threading.Lock()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"brightkitchen-{uuid.uuid4().hex[:12]}", protocol=mqtt.MQTTv5
        )
        if username:
            client.username_pw_set(username, password)
        if self.broker.tls or tls_ca:
            client.tls_set(ca_certs=str(tls_ca) if tls_ca else None)
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client

    def start(self) -> None:
        """Connects in the background (retrying while the broker is away) and returns at once."""
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def handle(self, topic: str, payload: bytes) -> str:
        """One message: stored, or counted under why not. Never raises."""
        outcome: str
        try:
            with self.ctx.sessions() as session:
                outcome = from_message(session, self.ctx.settings, topic, payload, utcnow())
                session.commit()
        except OperationalError as exc:
            log.error("sensor reading on %s not stored: database unavailable (%s)", topic, type(exc).__name__)
            outcome = ERROR
        except Exception:
            log.exception("sensor reading on %s not stored", topic)
            outcome = ERROR
        if outcome in (Outcome.unknown_topic, Outcome.unknown_sensor, Outcome.malformed):
            log.warning("sensor message ignored (%s) on %s: %r", outcome, topic, payload[:100])
        with self._lock:
            self.counts[str(outcome)] += 1
        return str(outcome)

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT broker %s:%s refused the connection: %s", self.broker.host, self.broker.port, reason)
            return
        # Subscribed on every (re)connect: a new session at the broker has no subscriptions.
        client.subscribe(self.filter, qos=1)
        log.info("MQTT connected to %s:%s, subscribing to %s", self.broker.host, self.broker.port, self.filter)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, reasons: list[Any], _p: Any) -> None:
        if any(getattr(r, "is_failure", False) for r in reasons):
            log.error("MQTT broker refused the subscription to %s: %s", self.filter, reasons)
            return
        self.connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.connected.clear()
        log.warning("MQTT disconnected from %s:%s (%s); reconnecting", self.broker.host, self.broker.port, reason)

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        self.handle(msg.topic, bytes(msg.payload))
