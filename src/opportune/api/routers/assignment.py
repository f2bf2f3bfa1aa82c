"""REST API: Assignment rules, queues, round-robin groups, taking leads and re-running assignment.

OWNER: helper "assignment".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
