"""BrightKitchen (明厨亮灶): edge AI and supervision platform for school canteen kitchens."""

__version__ = "0.1.0"
