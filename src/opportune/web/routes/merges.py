"""Web UI: The merge page

OWNER: helper " compare 2-3 records, pick the master and the values.:merge".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
