"""REST API: Duplicate rules, possible duplicates of a record, the duplicates report.

OWNER: helper "duplicates".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
