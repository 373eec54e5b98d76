"""Camera sources: one thread per camera decodes a stream with PyAV and hands sampled frames on."""

from brightkitchen.edge.sources.base import Backoff, Sampler, SourceHealth, SourceOptions, redact_url
from brightkitchen.edge.sources.pyav import FrameSink, StreamSource, probe

__all__ = [
    "Backoff",
    "FrameSink",
    "Sampler",
    "SourceHealth",
    "SourceOptions",
    "StreamSource",
    "probe",
    "redact_url",
]
