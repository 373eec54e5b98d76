"""What a source hands to the rest of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    camera_key: str
    image: npt.NDArray[np.uint8]  # BGR, height x width x 3
    t: float  # wall clock at decode (epoch seconds): the time rules and evidence use
    mono: float  # monotonic at decode: for latency figures
    seq: int = 0

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])
