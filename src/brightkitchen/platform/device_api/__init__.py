"""The device API: every endpoint an edge device calls, one module per topic, composed in ``router``."""

from brightkitchen.platform.device_api.router import router

__all__ = ["router"]
