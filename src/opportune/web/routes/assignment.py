"""Web UI: Setup pages for assignment rules, queues and round-robin groups; queue views.

OWNER: helper "assignment".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
