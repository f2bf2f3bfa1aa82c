"""Web UI: Web-to-lead

OWNER: helper " the public form endpoint and the admin pages for form configurations.:web-to-lead".
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
