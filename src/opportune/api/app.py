"""The ASGI application: REST API under /api, web UI at /, static files, one error mapping."""

from __future__ import annotations

from functools import cache

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from opportune import __version__
from opportune.api.background import EmbeddedWorker, ImportRunner, lifespan
from opportune.api.body_limit import BodyLimitMiddleware
from opportune.api.client_ip import ClientIpMiddleware
from opportune.api.errors import install_error_handlers
from opportune.api.observability import install_observability
from opportune.api.routers import api_routes
from opportune.api.routers.base import APP_DEPENDENCIES
from opportune.api.salesforce import SalesforceLimitMiddleware
from opportune.api.salesforce import router as salesforce_router
from opportune.api.security import SecurityMiddleware
from opportune.services import Opportune
from opportune.settings import Settings, get_settings
from opportune.web import STATIC_DIR
from opportune.web.routes import router as web_router

SESSION_COOKIE = "opportune_session"


def create_app(settings: Settings | None = None, *, core: Opportune | None = None) -> FastAPI:
    """Build the application for ``settings`` (or an already opened installation)."""
    settings = settings or (core.settings if core else get_settings())
    core = core or Opportune(settings)
    app = FastAPI(
        title="Opportune",
        version=__version__,
        summary="Self-hosted CRM: leads to revenue",
        openapi_url="/api/openapi.json",
        docs_url=None,  # served below with vendored Swagger UI files, no CDN
        redoc_url=None,
        lifespan=lifespan,  # the embedded job worker, where there is one
        dependencies=APP_DEPENDENCIES,
    )
    app.state.opportune = core
    app.state.embedded_worker = EmbeddedWorker(core)
    app.state.import_runner = ImportRunner(core, app.state.embedded_worker)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=secure_cookies(settings),
    )
    app.add_middleware(SalesforceLimitMiddleware)  # Salesforce's daily API request count
    app.add_middleware(SecurityMiddleware)  # security headers, the request's token scopes
    app.add_middleware(ClientIpMiddleware)  # the client IP for audit entries
    # Counted as the body streams in: 413 before a large body is held in memory.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.request_max_bytes)
    install_observability(app, core)  # request ids, access log, /healthz /readyz /metrics
    install_error_handlers(app)
    app.router.routes.extend(included_routes())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_api_docs(app)
    return app


@cache
def included_routes() -> tuple[BaseRoute, ...]:
    """The REST API's routes (flat, see ``api/routers/base.py``), then the
    Salesforce-compatible API and web UI routers as included in an app, made once per
    process and shared by every app built in it.

    FastAPI prepares an included router's routes (their parameters, bodies and response
    models) at its first request and keeps them on the inclusion. Sharing the inclusions
    means an app built later in the same process (tests build one per test) starts
    answering at once instead of preparing some 330 routes again on its first request.
    The routes depend on nothing of an app: each request finds its installation in
    ``request.app.state``. (FastAPI's ``dependency_overrides`` would be those of the
    holder below, which no one sets.)
    """
    holder = FastAPI(openapi_url=None, docs_url=None, redoc_url=None,
                     dependencies=APP_DEPENDENCIES)  # fmt: skip
    holder.include_router(salesforce_router)
    holder.include_router(web_router)
    return (*api_routes(), *holder.router.routes)


def secure_cookies(settings: Settings) -> bool:
    """Whether the session cookie is sent over HTTPS only: the ``secure_cookies`` setting,
    or when unset, in production (``opportune serve --https`` sets it)."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return settings.env == "prod"


def _add_api_docs(app: FastAPI) -> None:
    """Interactive API docs at /api/docs, loading Swagger UI from our own static files and
    starting it from a script file (the Content-Security-Policy allows no inline script)."""
    vendor = "/static/vendor/swagger-ui"

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>Opportune API</title>"
            f'<link rel="stylesheet" href="{vendor}/swagger-ui.css">'
            f'<link rel="icon" href="{vendor}/favicon-32x32.png"></head><body>'
            '<div id="swagger-ui" data-openapi-url="/api/openapi.json"></div>'
            f'<script src="{vendor}/swagger-ui-bundle.js"></script>'
            '<script src="/static/swagger-init.js"></script></body></html>'
        )
