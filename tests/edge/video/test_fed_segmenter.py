"""The recorder fed by a camera's analysis source: a restarted camera (a new source whose connection numbers
start again at 1) must start a new timeline, not feed the old cutter whose template stream is closed."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import av
import pytest

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.video.segmenter import FedSegmenter, Segment
from tests.edge.video.conftest import FFMPEG, needs_ffmpeg

pytestmark = needs_ffmpeg


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert FFMPEG is not None
    video = tmp_path_factory.mktemp("fed") / "pattern.mp4"
    cmd = [FFMPEG, "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x90:rate=25"]
    cmd += ["-t", "4", "-c:v", "libx264", "-g", "25", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)]
    subprocess.run(cmd, check=True)
    return video


def feed_file(seg: FedSegmenter, video: Path, connection: int) -> None:
    """Every packet of the file, as one source connection would hand them over; the container is closed after."""
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.size:
                seg.feed(stream, packet, connection)


def test_a_restarted_source_with_the_same_connection_number_starts_a_new_timeline(clip: Path) -> None:
    got: list[Segment] = []
    seg = FedSegmenter("cam1", got.append, SystemClock(), target_s=1.0)
    feed_file(seg, clip, connection=1)
    first = len(got)
    assert first >= 2
    feed_file(seg, clip, connection=1)  # the camera was restarted: a new source, numbering from 1 again
    assert len(got) > first
    assert seg.health().connects == 2
    # each source opens its own timeline: the old one's held tail is cut first, then the new one starts
    starts = [i for i, s in enumerate(got) if s.meta.discontinuity]
    assert starts == [0, first + 1]
    for segment in got:  # every segment, before and after the restart, is a playable H.264 transport stream
        with av.open(io.BytesIO(segment.data)) as ts:
            assert ts.streams.video[0].codec_context.name == "h264"
