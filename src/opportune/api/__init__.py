"""The REST API (FastAPI) and the ASGI application that also serves the web UI."""

from opportune.api.app import create_app

__all__ = ["create_app"]
