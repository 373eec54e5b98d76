"""Train / validation / test splits by group, so that near-identical images never sit in two splits.

A group is what must stay together: for the platform's own frames the site and the day (so the same
minute of the same kitchen is never in two splits); for a public set, the source photo its augmented
copies came from (Roboflow names them ``<source>_jpg.rf.<hash>.jpg``), and for frames cut from a
video (``<video>_mp4-<n>``) the video, since neighbouring frames are near copies.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Literal

Split = Literal["train", "val", "test"]
SPLITS: tuple[Split, ...] = ("train", "val", "test")
DEFAULT_FRACTIONS = (0.7, 0.15, 0.15)

_ROBOFLOW = re.compile(r"^(?P<source>.+?)(?:_(?:jpg|jpeg|png))?\.rf\.[0-9a-f]+$", re.IGNORECASE)
_VIDEO_FRAME = re.compile(r"^(?P<video>.+_(?:mp4|avi|mov|mkv))-\d+$", re.IGNORECASE)


def group_of(image_stem: str) -> str:
    """The group of a file name without extension: the source photo for Roboflow exports, else the name."""
    match = _ROBOFLOW.match(image_stem)
    source = match.group("source") if match else image_stem
    video = _VIDEO_FRAME.match(source)
    return video.group("video") if video else source


def site_day_group(site_code: str, day: str) -> str:
    """The group of a platform frame: its site and its local day (YYYY-MM-DD)."""
    return f"{site_code}/{day}"


def _rank(group: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()


def split_groups(
    groups: Iterable[str], seed: int = 0, fractions: tuple[float, float, float] = DEFAULT_FRACTIONS
) -> dict[str, Split]:
    """Each distinct group's split: groups are ordered by a seeded hash and cut by ``fractions``.

    Deterministic for the same groups and seed, and stable for a group when others are added
    only as far as the cut points allow. With fewer than three groups, train comes first.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or sum(fractions) <= 0:
        raise ValueError("fractions must be three non-negative numbers")
    distinct = sorted(set(groups), key=lambda g: _rank(g, seed))
    total = sum(fractions)
    n = len(distinct)
    n_val = round(n * fractions[1] / total)
    n_test = round(n * fractions[2] / total)
    if n >= 3:  # every split gets at least one group when it asked for any share
        n_val = max(n_val, 1 if fractions[1] else 0)
        n_test = max(n_test, 1 if fractions[2] else 0)
    n_train = max(n - n_val - n_test, 0)
    out: dict[str, Split] = {}
    for i, group in enumerate(distinct):
        out[group] = "train" if i < n_train else "val" if i < n_train + n_val else "test"
    return out
