"""REST API: Merging leads, contacts and accounts.

OWNER: helper "merge".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
