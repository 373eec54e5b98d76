"""Detectors, one file per backend, each with its own config model. All return ``Detections``."""

from brightkitchen.edge.detect.base import Detections, Detector, SingleModel

__all__ = ["Detections", "Detector", "SingleModel"]
