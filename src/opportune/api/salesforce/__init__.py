"""The Salesforce-compatible REST API under ``/services``: enough of Salesforce's shape
that clients written for it (simple-salesforce, web forms, scripts) work unchanged.

Each module holds one router over the services; :data:`router` gathers them. The
application also adds :class:`SalesforceLimitMiddleware`, which counts requests under
``/services/data`` and puts ``Sforce-Limit-Info`` on every response there.
"""

from __future__ import annotations

from fastapi import APIRouter

from opportune.api.salesforce import bulk, oauth, query, resources, sobjects
from opportune.api.salesforce.limits import SalesforceLimitMiddleware

__all__ = ["SalesforceLimitMiddleware", "router"]

router = APIRouter(prefix="/services", include_in_schema=False)
router.include_router(oauth.router)
router.include_router(resources.router)
router.include_router(sobjects.router)
router.include_router(query.router)
router.include_router(bulk.router)
