"""REST API: CSV imports (upload, follow, revert, error files, saved mappings).

OWNER: helper "import-web".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
