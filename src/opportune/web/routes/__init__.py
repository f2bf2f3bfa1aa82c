"""Web UI routes: sign-in, the lead list and form, the lead page."""

from fastapi import APIRouter

from opportune.web.routes import auth, lead_page, leads

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(leads.router)
router.include_router(lead_page.router)

__all__ = ["router"]
