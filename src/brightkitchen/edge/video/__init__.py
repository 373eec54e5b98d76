"""Video at the edge: continuous recording, live view and playback, all remuxed from the cameras' own streams."""

from brightkitchen.edge.video.config import VideoCamera, VideoOptions
from brightkitchen.edge.video.service import VideoService
from brightkitchen.edge.video.uplink import VideoUplink

__all__ = ["VideoCamera", "VideoOptions", "VideoService", "VideoUplink"]
