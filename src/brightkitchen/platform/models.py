"""Imports every domain's models so that metadata (and Alembic) sees all tables."""

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site
from brightkitchen.platform.users.models import AccessToken, User

__all__ = ["AccessToken", "Camera", "Device", "KitchenArea", "Region", "Site", "User"]
