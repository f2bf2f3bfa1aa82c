"""The Salesforce API's entry points: the versions list, each version's resources, and
``limits/``. Every path answers with and without its trailing slash, as Salesforce does."""

from __future__ import annotations

from fastapi import APIRouter, Request

from opportune.api.salesforce.deps import MIN_VERSION, VERSIONS, ApiVersion, SfUser
from opportune.api.salesforce.limits import api_usage

router = APIRouter()

_SEASONS = ("Winter", "Spring", "Summer")
# The resources this API serves under each version, by Salesforce's names.
_RESOURCES = ("sobjects", "query", "queryAll", "limits", "jobs")


def release_name(version: str) -> str:
    """Salesforce's release name for an API version: 50.0 is Winter '21, 62.0 Winter '25."""
    index = int(version.split(".")[0]) - MIN_VERSION
    return f"{_SEASONS[index % 3]} '{21 + index // 3}"


@router.get("/data")
@router.get("/data/")
def versions() -> list[dict[str, str]]:
    """The API versions served (no session needed, as on Salesforce)."""
    return [
        {"label": release_name(v), "url": f"/services/data/v{v}", "version": v} for v in VERSIONS
    ]


@router.get("/data/{version}")
@router.get("/data/{version}/")
def resources(version: ApiVersion, _: SfUser) -> dict[str, str]:
    """The resources of one version, as paths."""
    return {name: f"/services/data/v{version}/{name}" for name in _RESOURCES}


@router.get("/data/{version}/limits")
@router.get("/data/{version}/limits/")
def limits(request: Request, _: ApiVersion, __: SfUser) -> dict[str, dict[str, int]]:
    """The limits Opportune keeps: the day's API requests (counted per server process)."""
    usage = api_usage(request.app).current()
    return {"DailyApiRequests": {"Max": usage.max, "Remaining": usage.remaining}}
