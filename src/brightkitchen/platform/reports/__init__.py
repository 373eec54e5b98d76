"""Daily, weekly and monthly region reports (日管控、周排查、月调度) as Excel and PDF."""
