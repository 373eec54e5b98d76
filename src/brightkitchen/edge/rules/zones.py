"""Where in the frame: a camera's relative zones turned into pixel tests, and box relations."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from brightkitchen.protocol import Zone

Box = npt.NDArray[np.float32]


def point_in_polygon(x: float, y: float, poly: npt.NDArray[np.float64]) -> bool:
    """Even-odd ray casting; ``poly`` is an (n, 2) array of pixel vertices."""
    xs, ys = poly[:, 0], poly[:, 1]
    xj, yj = np.roll(xs, 1), np.roll(ys, 1)
    crosses = ((ys > y) != (yj > y)) & (x < (xj - xs) * (y - ys) / np.where(yj == ys, 1e-12, yj - ys) + xs)
    return bool(np.count_nonzero(crosses) % 2)


def centre(box: Box) -> tuple[float, float]:
    return float(box[0] + box[2]) / 2, float(box[1] + box[3]) / 2


def foot(box: Box) -> tuple[float, float]:
    """Bottom centre: where a person or an animal touches the floor."""
    return float(box[0] + box[2]) / 2, float(box[3])


def area(box: Box) -> float:
    return float(max(box[2] - box[0], 0) * max(box[3] - box[1], 0))


def overlap_of(inner: Box, outer: Box) -> float:
    """Share of ``inner``'s area that lies inside ``outer`` (0..1)."""
    w = min(inner[2], outer[2]) - max(inner[0], outer[0])
    h = min(inner[3], outer[3]) - max(inner[1], outer[1])
    a = area(inner)
    return float(max(w, 0) * max(h, 0)) / a if a > 0 else 0.0


def contains_point(box: Box, x: float, y: float) -> bool:
    return bool(box[0] <= x <= box[2] and box[1] <= y <= box[3])


class ZoneMap:
    """A camera's zones at one frame size. No work zone means the whole frame is work area."""

    def __init__(self, zones: list[Zone], width: int, height: int) -> None:
        scale = np.array([width, height], np.float64)
        self.polygons: dict[str, list[tuple[str, npt.NDArray[np.float64]]]] = {}
        for z in zones:
            self.polygons.setdefault(z.kind, []).append((z.name, np.asarray(z.points, np.float64) * scale))

    def has(self, kind: str) -> bool:
        return bool(self.polygons.get(kind))

    def names_at(self, kind: str, x: float, y: float) -> list[str]:
        return [name for name, poly in self.polygons.get(kind, []) if point_in_polygon(x, y, poly)]

    def excluded(self, box: Box) -> bool:
        return bool(self.names_at("exclude", *centre(box)))

    def in_work_area(self, box: Box) -> bool:
        if self.excluded(box):
            return False
        return not self.has("work") or bool(self.names_at("work", *centre(box)))

    def zones_touching(self, kind: str, box: Box) -> set[str]:
        """Zones of ``kind`` holding the box's centre or foot, or whose own centre the box covers."""
        names = set(self.names_at(kind, *centre(box))) | set(self.names_at(kind, *foot(box)))
        for name, poly in self.polygons.get(kind, []):
            cx, cy = poly.mean(axis=0)
            if contains_point(box, cx, cy):
                names.add(name)
        return names


class CameraZones:
    """A camera's zones, with the pixel polygons kept per frame size."""

    def __init__(self, zones: list[Zone]) -> None:
        self.zones = zones
        self._maps: dict[tuple[int, int], ZoneMap] = {}

    def at(self, width: int, height: int) -> ZoneMap:
        m = self._maps.get((width, height))
        if m is None:
            m = self._maps[(width, height)] = ZoneMap(self.zones, width, height)
        return m
