"""Detectors, one file per backend, each with its own config model. All return ``Detections``."""

from brightkitchen.edge.detect.base import Detections, Detector

__all__ = ["Detections", "Detector"]
