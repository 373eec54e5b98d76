"""The edge agent: wires cameras, the analysis pool, the event stage, the uploader and heartbeats.

Cameras emit pending events to the event stage (``event_stage.py``), which owns evidence -> outbox ->
uploader wake; this module only builds the parts, keeps cameras in step with the config and reports status.

Over-the-air models (``model_updates.py``) arrive on their own thread; each new set becomes one new
detector stack per worker, swapped into the analysis pool at each worker's next frame.

``run`` blocks until its stop event is set (the CLI sets it on SIGTERM/SIGINT), then shuts down in
order: sources stop, workers finish their frame, pending evidence is written and stored, the uploader
finishes its request. Whatever was not delivered stays in the outbox for the next start.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import httpx

from brightkitchen import __version__
from brightkitchen.edge.camera import CameraPipeline, CameraSetup
from brightkitchen.edge.clock import Clock, SystemClock, to_datetime
from brightkitchen.edge.config import EdgeCamera, EdgeConfig
from brightkitchen.edge.detect.base import Detector
from brightkitchen.edge.detect.stack import CameraModels, StackFactory
from brightkitchen.edge.event_stage import EventStage
from brightkitchen.edge.heartbeat import HeartbeatLoop
from brightkitchen.edge.model_updates import ModelUpdater
from brightkitchen.edge.outbox import Outbox
from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.edge.remote_config import RemoteConfig
from brightkitchen.edge.rules import WorkingSchedule, build_rules
from brightkitchen.edge.uploader import Uploader
from brightkitchen.edge.video import VideoCamera, VideoService, VideoUplink
from brightkitchen.edge.workers import AnalysisPool
from brightkitchen.protocol import Heartbeat, ViolationCode

log = logging.getLogger(__name__)

DetectorFactory = Callable[[], Detector]
CardsFactory = Callable[[Sequence[Path]], Detector]  # a detector that also runs these over-the-air model cards
HOUSEKEEPING_S = 1.0
QUOTA_EVERY = 30  # housekeeping ticks


class Agent:
    def __init__(
        self,
        config: EdgeConfig,
        detector_factory: DetectorFactory,
        clock: Clock | None = None,
        workers: int | None = None,
        camera_models: Callable[[EdgeCamera], CameraModels] | None = None,
        model_factory: CardsFactory | None = None,
    ) -> None:
        self.clock = clock or SystemClock()
        self.config = config
        self._factory = detector_factory
        self._camera_models = camera_models or (lambda _cam: CameraModels())
        self._workers = workers or config.analysis_workers or os.cpu_count() or 1
        data = config.data_dir
        self.outbox = Outbox(data / "outbox.sqlite3", data / "evidence")
        self.client: PlatformClient | None = None
        self.uploader: Uploader | None = None
        self.remote: RemoteConfig | None = None
        if config.platform.url:
            self.client = PlatformClient(config.platform.url, config.platform.key() or "", config.platform.timeout_s)
            self.uploader = Uploader(self.outbox, self.client, config.uploader, self.clock)
            if config.platform.fetch_config:
                self.remote = RemoteConfig(self.client, data / "device_config.json")
                if self.remote.config is not None:
                    self.config = config.with_device_config(self.remote.config)
        # Over-the-air models need the platform's config and a factory that takes model cards.
        stacks = detector_factory if isinstance(detector_factory, StackFactory) else None
        self._cards_factory: CardsFactory | None = model_factory or stacks
        self.models: ModelUpdater | None = None
        if self.remote is not None and self._cards_factory is not None:
            self.models = ModelUpdater(data / "models", self.client, self._swap_models, self.clock)
        quota = config.quota_bytes()
        self.events = EventStage(self.outbox, config.evidence, self.clock, self.config.site_code, quota, self.uploader)
        # Recording, live view and playback share the disk quota with evidence: recordings give way first.
        uplink = None
        if config.platform.url:
            uplink = VideoUplink(config.platform.url, config.platform.key() or "", config.platform.timeout_s)
        # Recorders are fed by each camera's analysis source: one connection per camera, no second read.
        self.video = VideoService(
            data, self._video_cameras(self.config), uplink, quota, self._evidence_bytes, self.clock, config.video,
            shared_sources=True,
        )  # fmt: skip
        self.cameras: dict[str, CameraPipeline] = {}
        self._camera_configs: dict[str, tuple[object, ...]] = {}
        self.pool: AnalysisPool | None = None
        self.heartbeats: HeartbeatLoop | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._housekeeper = threading.Thread(target=self._housekeep, name="housekeeping", daemon=True)
        self._started_mono = self.clock.monotonic()
        self._answered_tests: set[int] = set()
        self._picture_sent: dict[str, float] = {}  # camera key -> monotonic time of the last picture sent

    # lifecycle

    def start(self) -> None:
        swept = self.outbox.sweep_orphans()
        if swept:
            log.info("removed %d evidence files that no stored event names (interrupted writes)", swept)
        if self._workers > 1:
            cv2.setNumThreads(1)  # parallel workers, not threads inside each model: no oversubscription
        self.pool = AnalysisPool(self._initial_detectors())
        self.pool.start()
        self.events.start()
        if self.uploader:
            self.uploader.start()
        self.apply(self.config)
        self.video.start()
        self._housekeeper.start()
        if self.models:
            if self.remote and self.remote.config:
                self.models.want(self.remote.config.models)  # the cached config: works with the platform down
            self.models.start()
        if self.client:
            self.heartbeats = HeartbeatLoop(
                self.client,
                self.heartbeat,
                lambda: self.config.heartbeat_interval_s,
                self._poll_config if self.remote else None,
                self.config.platform.config_poll_s,
                self._after_beat,
            )
            self.heartbeats.start()

    def run(self, stop: threading.Event) -> None:
        self.start()
        stop.wait()
        self.stop()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self.heartbeats:
            self.heartbeats.stop(timeout)
        if self.models:
            self.models.stop(timeout)
        with self._lock:
            cameras = list(self.cameras.values())
        for cam in cameras:
            cam.stop()
        for cam in cameras:
            cam.source.join(timeout / 3)
        if self.pool:
            self.pool.stop(timeout)
        self.events.stop(timeout)  # cuts post-rolls short rather than lose events, writes and stores them
        if self.uploader:
            self.uploader.stop(timeout)
        self.video.stop(min(timeout, 5.0))
        self._housekeeper.join(timeout)
        if self.client:
            self.client.close()
        self.outbox.close()

    # cameras

    def apply(self, config: EdgeConfig) -> None:
        """Start, stop or restart cameras so that they match ``config``."""
        schedule = WorkingSchedule(config.working_hours.start, config.working_hours.end, config.timezone)
        wanted = {c.key: c for c in config.cameras}
        with self._lock:
            self.config = config
            self.events.site_code = config.site_code
            for key in list(self.cameras):
                if key not in wanted or self._camera_configs[key] != self._fingerprint(config, wanted[key]):
                    self.cameras.pop(key).stop()
                    self.events.close_ring(key)  # its triggers still become events
                    self._camera_configs.pop(key)
            for key, cam_cfg in wanted.items():
                if key not in self.cameras:
                    self.cameras[key] = self._make_camera(config, cam_cfg, schedule)
                    self._camera_configs[key] = self._fingerprint(config, cam_cfg)
                    self.cameras[key].start()
        self.video.update_cameras(self._video_cameras(config))

    @staticmethod
    def _video_cameras(config: EdgeConfig) -> list[VideoCamera]:
        return [VideoCamera.from_config(c, config.source_for(c)) for c in config.cameras]

    @staticmethod
    def _fingerprint(config: EdgeConfig, cam: EdgeCamera) -> tuple[object, ...]:
        return (cam, config.source_for(cam), config.working_hours, config.timezone)

    def _make_camera(self, config: EdgeConfig, cam: EdgeCamera, schedule: WorkingSchedule) -> CameraPipeline:
        assert self.pool is not None
        setup = CameraSetup(
            source=config.source_for(cam),
            tracker=config.tracker,
            rules=build_rules(cam, schedule, config.rule_gap_s, self._supplied_labels()),
            models=self._camera_models(cam),
            ring=self.events.open_ring(cam.key),
            clock=self.clock,
            emit=self.events.submit,
            schedule=self.pool.schedule,
            packets=functools.partial(self.video.feed, cam.key),
        )
        return CameraPipeline(cam.key, cam.url, setup)

    def _initial_detectors(self) -> list[Detector]:
        """One detector per worker, running the over-the-air models last swapped in (kept across restarts)."""
        cards = self.models.initial_cards() if self.models else []
        if cards and self.models and self._cards_factory:
            try:
                return [self._cards_factory(cards) for _ in range(self._workers)]
            except Exception as exc:  # a broken model on disk must not keep every camera dark
                log.exception("the over-the-air models did not load at start; running without them")
                self.models.forget_active(f"did not load at start: {type(exc).__name__}: {exc}")
        return [self._factory() for _ in range(self._workers)]

    def _swap_models(self, cards: list[Path]) -> None:
        """The model updater's new set of cards: one new stack per worker, taken up at each worker's next
        frame; when the labels that raise codes change, every camera's rules are rebuilt to match."""
        assert self.pool is not None and self._cards_factory is not None
        detectors = [self._cards_factory(cards) for _ in range(self._workers)]
        before = self._supplied_labels()
        self.pool.replace(detectors)
        if self._supplied_labels() != before:
            self._rebuild_rules()

    def _rebuild_rules(self) -> None:
        with self._lock:
            config = self.config
            schedule = WorkingSchedule(config.working_hours.start, config.working_hours.end, config.timezone)
            by_key = {c.key: c for c in config.cameras}
            for key, cam in self.cameras.items():
                if key in by_key:  # rule state starts afresh: the rules themselves changed
                    cam.rules = build_rules(by_key[key], schedule, config.rule_gap_s, self._supplied_labels())

    def _first_detector(self) -> Detector | None:
        """Every worker runs the same kind of detector: the first one speaks for them all."""
        return self.pool.detectors[0] if self.pool else None

    def _supplied_labels(self) -> dict[str, ViolationCode]:
        """Labels that supplied models map to codes."""
        first = self._first_detector()
        return dict(first.label_codes) if first else {}

    # background

    def _housekeep(self) -> None:
        ticks = 0
        while not self._stop.wait(HOUSEKEEPING_S):
            self.events.flush(self.clock.now())
            ticks += 1
            if ticks % QUOTA_EVERY == 0:  # deliveries make evidence evictable: check again now and then
                self.events.enforce_quota()

    def _after_beat(self) -> None:
        """Slow, periodic conversations that ride on the heartbeat thread; one failing skips only itself."""
        for step in (self._answer_test_request, self._send_pictures):
            try:
                step()
            except (httpx.HTTPError, OSError, ValueError) as exc:
                log.warning("%s failed: %s", step.__name__.strip("_").replace("_", " "), exc)

    def _send_pictures(self) -> None:
        assert self.client is not None
        every = self.config.platform.picture_interval_s
        if every <= 0:
            return
        with self._lock:
            cameras = list(self.cameras.values())
        for cam in cameras:
            now = self.clock.monotonic()
            if now - self._picture_sent.get(cam.key, float("-inf")) < every:
                continue
            jpeg = cam.latest_picture()
            if jpeg is None:
                continue
            resp = self.client.put_picture(cam.key, jpeg)
            if resp.status_code == 204:
                self._picture_sent[cam.key] = now
            else:
                log.warning("latest picture of %s refused: HTTP %s", cam.key, resp.status_code)

    def _answer_test_request(self) -> None:
        """An installer pressed "send test alert": answer once, from the first camera with a frame, as a
        normal event (snapshot, clip, outbox, upload) flagged ``test``."""
        assert self.client is not None
        request_id = self.client.get_test_request()
        if request_id is None or request_id in self._answered_tests:
            return
        with self._lock:
            cameras = list(self.cameras.values())
        for cam in cameras:
            code = next((r.code for r in cam.rules), ViolationCode.no_mask)
            if cam.test_alert(code):
                self._answered_tests.add(request_id)
                log.info("test alert %s raised on %s", request_id, cam.key)
                return
        log.warning("test alert %s: no camera has a frame yet; will try at the next heartbeat", request_id)

    def _poll_config(self) -> None:
        assert self.remote is not None
        device = self.remote.poll()
        if device is not None:
            log.info("device config %s from the platform: applying", device.version)
            self.apply(self.config.with_device_config(device))
            if self.models:
                self.models.want(device.models)

    # status

    def config_version(self) -> str:
        if self.remote and self.remote.config:
            return self.remote.config.version
        return "local-" + hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()[:12]

    def _model_versions(self) -> dict[str, str]:
        first = self._first_detector()
        return dict(first.versions) if first else {}

    def _evidence_bytes(self) -> int:
        """What the outbox holds on disk: never deleted to make room for recordings."""
        return self.outbox.evidence_bytes() + _size(self.outbox.db_path)

    def heartbeat(self) -> Heartbeat:
        with self._lock:
            cameras = [
                c.health().model_copy(update={"recording": self.video.health(c.key)}) for c in self.cameras.values()
            ]
        counts = self.outbox.counts()
        quota = self.config.quota_bytes()
        used = self._evidence_bytes() + self.video.recordings_bytes()
        fields: dict[str, object] = {
            "sent_at": to_datetime(self.clock.now()),
            "software_version": __version__,
            "model_versions": self._model_versions(),
            "model_errors": self.models.errors() if self.models else {},
            "config_version": self.config_version(),
            "cameras": cameras,
            "disk_used_bytes": used,
            "disk_quota_bytes": quota,
            "quota_exceeded": self.events.quota_exceeded,
            "outbox_depth": counts.pending,
            "uptime_s": round(self.clock.monotonic() - self._started_mono, 1),
            "outbox_dead": counts.dead,
        }
        if self.uploader is not None:
            status = self.uploader.status
            fields["upload_state"] = str(status.state.value)
            fields["last_upload_error"] = (status.last_error or "")[:500] or None
        return Heartbeat.model_validate(fields)


def _size(path: os.PathLike[str]) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
