"""Web UI: Possible-duplicates panel, duplicate rules setup, the duplicates report.

OWNER: helper "duplicates".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
