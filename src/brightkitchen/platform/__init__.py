"""The supervision platform: FastAPI app, SQLAlchemy models, one folder per domain."""
