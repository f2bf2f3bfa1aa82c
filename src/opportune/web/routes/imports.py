"""Web UI: Import pages

OWNER: helper " upload, column mapping, progress, history, revert; export links.:import-web".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
