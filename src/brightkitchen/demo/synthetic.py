"""Generated sample footage for a demo without labelled photographs: a drawn kitchen with moving figures.

Only footage for the camera pipeline (decoding, recording, live view, motion); the figures are shapes, not
people, and nothing measured on them says anything about detection accuracy. Every frame carries a caption
saying so. The motion is periodic over the clip, so the looping edge source sees no jump.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from brightkitchen.demo.media import Frame, write_mp4

CAPTION = "GENERATED SAMPLE FOOTAGE - drawn figures, not people"

# (lane height as a fraction of the frame, centre x, amplitude, cycles per clip, phase, mask on)
_FIGURES = (
    (0.36, 0.22, 0.12, 1, 0.0, True),
    (0.40, 0.52, 0.16, 2, 1.7, False),
    (0.34, 0.82, 0.08, 1, 3.1, True),
)


def _background(width: int, height: int) -> tuple[Frame, npt.NDArray[np.bool_]]:
    """Tiled wall, floor, shelves, a stove and the stainless counter the figures stand behind; with the mask of
    what is in front of the figures (the counter and what stands on it)."""
    frame = np.full((height, width, 3), (214, 218, 220), np.uint8)
    tile = max(height // 18, 8)
    for y in range(0, int(height * 0.62), tile):
        cv2.line(frame, (0, y), (width, y), (196, 200, 203), 1)
    for x in range(0, width, tile):
        cv2.line(frame, (x, 0), (x, int(height * 0.62)), (196, 200, 203), 1)
    cv2.rectangle(frame, (0, int(height * 0.62)), (width, height), (120, 128, 134), -1)  # floor
    for shelf_y in (0.12, 0.22):
        y = int(height * shelf_y)
        cv2.rectangle(frame, (int(width * 0.05), y), (int(width * 0.45), y + max(height // 90, 3)), (90, 110, 140), -1)
    for i in range(5):  # jars on the shelf
        x = int(width * (0.07 + i * 0.075))
        cv2.rectangle(frame, (x, int(height * 0.07)), (x + width // 40, int(height * 0.12)), (60, 140, 200), -1)
    stove_x = int(width * 0.6)
    cv2.rectangle(frame, (stove_x, int(height * 0.08)), (int(width * 0.95), int(height * 0.2)), (150, 150, 150), -1)
    before = frame.copy()
    counter_top = int(height * 0.6)
    cv2.rectangle(frame, (0, counter_top), (width, int(height * 0.9)), (176, 180, 184), -1)  # stainless counter
    cv2.rectangle(frame, (0, counter_top), (width, counter_top + max(height // 60, 4)), (232, 234, 236), -1)
    for i in range(3):  # pots and a chopping board on the counter
        x = int(width * (0.15 + i * 0.3))
        cv2.ellipse(frame, (x, counter_top - height // 40), (width // 25, height // 30), 0, 0, 360, (70, 70, 75), -1)
    board = (int(width * 0.42), counter_top - height // 60)
    cv2.rectangle(frame, board, (board[0] + width // 10, counter_top), (80, 150, 200), -1)
    return frame, (frame != before).any(axis=2)


def _figure(frame: Frame, cx: int, top: int, scale: float, masked: bool) -> None:
    """A chef-like figure behind the counter: white coat, head, hat, and a blue mask band when masked."""
    head_r = max(int(28 * scale), 4)
    head_y = top + int(40 * scale)
    body_w, body_h = int(55 * scale), int(220 * scale)
    cv2.rectangle(frame, (cx - body_w, head_y + head_r), (cx + body_w, head_y + head_r + body_h), (245, 245, 245), -1)
    cv2.circle(frame, (cx, head_y), head_r, (150, 180, 220), -1)
    cv2.rectangle(
        frame, (cx - head_r, head_y - head_r - int(30 * scale)), (cx + head_r, head_y - head_r), (250,) * 3, -1
    )
    if masked:
        cv2.rectangle(frame, (cx - head_r, head_y + 2), (cx + head_r, head_y + head_r - 4), (220, 170, 90), -1)
    else:
        cv2.ellipse(frame, (cx, head_y + head_r // 2), (head_r // 3, head_r // 8), 0, 0, 360, (60, 60, 140), -1)


def frames(seconds: int = 20, fps: int = 10, size: tuple[int, int] = (1280, 720)) -> Iterator[Frame]:
    width, height = size
    background, front = _background(width, height)
    total = seconds * fps
    scale = height / 720
    text_scale, thick = max(height / 900, 0.35), max(height // 360, 1)
    for i in range(total):
        frame = background.copy()
        t = i / total
        for lane, centre, amplitude, cycles, phase, masked in _FIGURES:
            cx = int(width * (centre + amplitude * math.sin(2 * math.pi * cycles * t + phase)))
            _figure(frame, cx, int(height * lane) - int(120 * scale), scale, masked)
        frame[front] = background[front]  # the figures stand behind the counter
        cv2.rectangle(frame, (0, 0), (width, int(34 * scale) + 8), (30, 30, 30), -1)
        cv2.putText(
            frame, CAPTION, (10, int(26 * scale) + 2), cv2.FONT_HERSHEY_SIMPLEX, text_scale, (0, 220, 255), thick
        )
        clock = f"{i // fps // 60:02d}:{i // fps % 60:02d}"
        cv2.putText(
            frame,
            clock,
            (width - int(110 * scale) - 10, int(26 * scale) + 2),
            cv2.FONT_HERSHEY_SIMPLEX,
            text_scale,
            (255, 255, 255),
            thick,
        )
        yield frame


def generated_video(path: Path, seconds: int = 20, fps: int = 10, size: tuple[int, int] = (1280, 720)) -> Path:
    """H.264 MP4 of ``frames``; a keyframe every second so the looping source restarts cleanly."""
    return write_mp4(frames(seconds, fps, size), path, fps=fps)
