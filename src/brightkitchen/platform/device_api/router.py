"""Composes the device API from its topic modules. A new device endpoint is one more module listed here."""

from __future__ import annotations

from fastapi import APIRouter

from brightkitchen.platform.device_api import config, events, heartbeats, model_files, pictures, test_requests, video
from brightkitchen.platform.sensors import relay as sensors


def device_router() -> APIRouter:
    api = APIRouter()
    for topic in (heartbeats, events, config, pictures, test_requests, video, model_files, sensors):
        api.include_router(topic.router)
    return api


router = device_router()
