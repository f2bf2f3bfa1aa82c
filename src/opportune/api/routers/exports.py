"""REST API: CSV exports of filtered lists.

OWNER: helper "import-web".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
