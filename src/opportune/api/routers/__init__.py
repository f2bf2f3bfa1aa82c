"""REST API routers, one module per resource, gathered under /api/v1."""

from fastapi import APIRouter

api_router = APIRouter()
