"""REST API: Web-to-lead form configurations (admin).

OWNER: helper "web-to-lead".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
