"""Over-the-air models: the models the device config assigns, downloaded, checked, loaded, then swapped in.

For each ``AssignedModel`` that is not running yet, on its own thread (a slow download never holds up
heartbeats or analysis):

1. download ``GET /api/v1/device/models/{sha256}`` with the device key, streamed into a temporary file beside
   ``DATA/models/<name>/<version>/model.onnx``: more than ``size`` bytes is refused at once, the sha256 is
   computed while writing, and only a matching file is renamed into place (skipped when it is already there);
2. write ``card.yaml`` beside it: the assigned card with ``file: model.onnx``, the assignment's name and
   version, and the site's ``label_thresholds`` over the card's own;
3. load it (``OnnxYoloDetector.load`` and one inference on a blank frame);
4. only then hand the whole set to ``apply`` (the agent builds one new stack per worker and swaps them in).

A model that fails a step keeps its previous version running (or none), is retried with capped backoff, and
its error travels in heartbeats (``model_errors``). A model the config no longer lists leaves the stack. The
set last swapped in is kept in ``DATA/models/active.json``: after a restart it runs at once, platform or not.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import yaml
from pydantic import ValidationError

from brightkitchen.edge.clock import Clock
from brightkitchen.edge.detect.onnx_yolo import ModelCard, OnnxYoloDetector
from brightkitchen.edge.models_pack import HashMismatch, sha256_file, write_checked
from brightkitchen.edge.sources.base import Backoff
from brightkitchen.protocol import AssignedModel

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
CARD_FILE = "card.yaml"
ACTIVE_FILE = "active.json"
ERROR_MAX = 500  # Heartbeat.model_errors values
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class ModelSource(Protocol):
    """Where assigned model files come from (the platform client)."""

    def open_model(self, sha256: str) -> AbstractContextManager[Iterator[bytes]]: ...


Apply = Callable[[list[Path]], None]  # build stacks running these cards and swap them in; raises if it cannot


class ModelError(Exception):
    """Why one assigned model cannot run; the message goes into heartbeats."""


def _part(text: str) -> str:
    """One safe path component: the name pattern allows ``..``, a version allows anything."""
    cleaned = _SAFE.sub("_", text)
    return cleaned if cleaned.strip(".") else "_" + cleaned


def _fingerprint(model: AssignedModel) -> str:
    return model.model_dump_json()


class ModelUpdater:
    def __init__(
        self,
        root: Path,
        source: ModelSource | None,
        apply: Apply,
        clock: Clock,
        retry_initial_s: float = 30.0,
        retry_max_s: float = 3600.0,
    ) -> None:
        self.root, self.source, self.apply, self.clock = Path(root), source, apply, clock
        self.retry_initial_s, self.retry_max_s = retry_initial_s, retry_max_s
        self._wanted: list[AssignedModel] | None = None  # None: the config has not spoken yet
        self._active: dict[str, AssignedModel] = self._load_active()
        self._errors: dict[str, str] = {}
        self._retry: dict[str, tuple[str, Backoff, float]] = {}  # name -> (fingerprint, backoff, due monotonic)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="model-updates", daemon=True)

    # what the agent calls

    def initial_cards(self) -> list[Path]:
        """Cards of the last set swapped in whose files are still intact: what to run from the start."""
        intact: dict[str, AssignedModel] = {}
        for name, model in self._active.items():
            model_path = self.folder(model) / MODEL_FILE
            card_there = (self.folder(model) / CARD_FILE).is_file()
            if card_there and model_path.is_file() and sha256_file(model_path) == model.sha256:
                intact[name] = model
                continue
            self._set_error(name, f"version {model.version} is no longer intact on disk")
        self._active = intact
        return [self.folder(m) / CARD_FILE for m in intact.values()]

    def forget_active(self, reason: str) -> None:
        """The last set could not be built at start: run without it and prepare everything again."""
        for name in self._active:
            self._set_error(name, reason)
        self._active = {}

    def want(self, models: list[AssignedModel]) -> None:
        """The models the device config now lists (in order); the thread works towards them."""
        with self._lock:
            self._wanted = list(models)
        self._wake.set()

    def errors(self) -> dict[str, str]:
        with self._lock:
            return dict(self._errors)

    def active_versions(self) -> dict[str, str]:
        return {name: m.version for name, m in self._active.items()}

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def folder(self, model: AssignedModel) -> Path:
        return self.root / _part(model.name) / _part(model.version)

    # the work

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self.sync()
            except Exception:  # the updater must outlive any surprise; the next wake tries again
                log.exception("model update pass failed")
                wait = self.retry_max_s
            self._wake.wait(wait)

    def sync(self) -> float | None:
        """One pass towards the wanted set; the seconds until a retry is due (None: nothing to retry)."""
        with self._lock:
            wanted = None if self._wanted is None else list(self._wanted)
        if wanted is None:
            return None
        target: dict[str, AssignedModel] = {}
        changed: list[str] = []
        for model in wanted:
            current = self._active.get(model.name)
            if current == model:
                target[model.name] = model
                self._clear(model.name)
                continue
            if self._retry_pending(model):
                if current is not None:
                    target[model.name] = current  # fall back: the previous version keeps running
                continue
            try:
                self.prepare(model)
            except ModelError as exc:
                self._failed(model, str(exc))
                if current is not None:
                    target[model.name] = current
                continue
            target[model.name] = model
            changed.append(model.name)
        for name in set(self._errors) - {m.name for m in wanted}:
            self._clear(name)  # no longer assigned: nothing to report
        if list(target.items()) != list(self._active.items()):
            self._swap(target, changed)
        return self._next_retry()

    def _swap(self, target: dict[str, AssignedModel], changed: list[str]) -> None:
        cards = [self.folder(m) / CARD_FILE for m in target.values()]
        try:
            self.apply(cards)
        except Exception as exc:  # building the stacks failed as a whole: every newcomer waits for a retry
            log.exception("new detector stacks could not be built; the previous models keep running")
            for name in changed:
                self._failed(target[name], f"stack not built: {type(exc).__name__}: {exc}")
            return
        for name in changed:
            self._clear(name)
        gone = sorted(set(self._active) - set(target))
        self._active = dict(target)
        self._save_active()
        log.info("models now running: %s%s", self.active_versions() or "none", f"; removed {gone}" if gone else "")
        self._prune()

    def prepare(self, model: AssignedModel) -> Path:
        """Download (unless already there), write the card, load and test it; the card's path."""
        folder = self.folder(model)
        model_path = folder / MODEL_FILE
        if not (model_path.is_file() and sha256_file(model_path) == model.sha256):
            self._download(model, model_path)
        # Tried under another name first: card.yaml only ever names a card that loaded.
        trial = folder / f".{CARD_FILE}.trial"
        _write_atomic(trial, yaml.safe_dump(self._card(model), sort_keys=False, allow_unicode=True))
        try:
            detector = OnnxYoloDetector.load(trial)
            width, height = detector.card.input_size
            detector.detect(np.zeros((height, width, 3), np.uint8))
        except Exception as exc:  # onnxruntime raises its own exception types; any of them means "cannot run"
            trial.unlink(missing_ok=True)
            raise ModelError(f"load failed: {type(exc).__name__}: {exc}") from exc
        card_path = folder / CARD_FILE
        os.replace(trial, card_path)
        return card_path

    def _download(self, model: AssignedModel, target: Path) -> None:
        if self.source is None:
            raise ModelError("not on disk and no platform to download it from")
        try:
            with self.source.open_model(model.sha256) as stream:
                write_checked(stream, target, model.sha256, model.size, expected="assigned")
        except HashMismatch as exc:
            raise ModelError(f"download refused: {exc}") from exc
        except httpx.HTTPStatusError as exc:
            raise ModelError(f"download failed: HTTP {exc.response.status_code}") from exc
        except (httpx.HTTPError, OSError) as exc:
            raise ModelError(f"download failed: {type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _card(model: AssignedModel) -> dict[str, Any]:
        card = dict(model.card)
        raw_labels, raw_own = card.get("labels"), card.get("label_thresholds")
        labels: list[Any] = raw_labels if isinstance(raw_labels, list) else []
        own: dict[str, Any] = raw_own if isinstance(raw_own, dict) else {}
        unknown = sorted(set(model.label_thresholds) - set(labels))
        if unknown:
            log.warning("model %s: ignoring site thresholds for labels it does not have: %s", model.name, unknown)
        site = {k: v for k, v in model.label_thresholds.items() if k in labels}
        card.update(name=model.name, version=model.version, file=MODEL_FILE, label_thresholds={**own, **site})
        try:
            return ModelCard.model_validate(card).model_dump(mode="json")
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            raise ModelError(f"card refused: {problems}") from exc

    # bookkeeping

    def _retry_pending(self, model: AssignedModel) -> bool:
        entry = self._retry.get(model.name)
        return entry is not None and entry[0] == _fingerprint(model) and self.clock.monotonic() < entry[2]

    def _failed(self, model: AssignedModel, message: str) -> None:
        fingerprint = _fingerprint(model)
        entry = self._retry.get(model.name)
        backoff = (
            entry[1]
            if entry is not None and entry[0] == fingerprint
            else Backoff(self.retry_initial_s, self.retry_max_s)
        )
        delay = backoff.next_delay()
        self._retry[model.name] = (fingerprint, backoff, self.clock.monotonic() + delay)
        self._set_error(model.name, f"{model.version}: {message}")
        log.warning("model %s %s not running: %s (retry in %.0f s)", model.name, model.version, message, delay)

    def _set_error(self, name: str, message: str) -> None:
        with self._lock:
            self._errors[name] = message[:ERROR_MAX]

    def _clear(self, name: str) -> None:
        self._retry.pop(name, None)
        with self._lock:
            self._errors.pop(name, None)

    def _next_retry(self) -> float | None:
        with self._lock:
            wanted = {m.name for m in self._wanted or []}
        dues = [due for name, (_, _, due) in self._retry.items() if name in wanted]
        return max(0.0, min(dues) - self.clock.monotonic()) if dues else None

    def _load_active(self) -> dict[str, AssignedModel]:
        path = self.root / ACTIVE_FILE
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            models = [AssignedModel.model_validate(m) for m in doc["models"]]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
            log.warning("ignoring unreadable %s: %s", path, exc)
            return {}
        return {m.name: m for m in models}

    def _save_active(self) -> None:
        doc = {"models": [m.model_dump(mode="json") for m in self._active.values()]}
        _write_atomic(self.root / ACTIVE_FILE, json.dumps(doc, ensure_ascii=False))

    def _prune(self) -> None:
        """Delete version folders neither running nor assigned (old versions after an update)."""
        with self._lock:
            keep = {self.folder(m) for m in [*self._active.values(), *(self._wanted or [])]}
        for name_dir in (p for p in self.root.iterdir() if p.is_dir()):
            for version_dir in (p for p in name_dir.iterdir() if p.is_dir()):
                if version_dir not in keep:
                    shutil.rmtree(version_dir, ignore_errors=True)
            if not any(name_dir.iterdir()):
                name_dir.rmdir()


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
