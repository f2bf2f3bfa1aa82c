"""Web UI: the Setup page, an administrator's entry to lead capture settings."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from opportune.errors import PermissionDeniedError
from opportune.web.deps import WebUser
from opportune.web.templating import render

router = APIRouter()


@dataclass(frozen=True, slots=True)
class SetupSection:
    """One area an administrator configures."""

    title: str
    href: str
    summary: str


SECTIONS = (
    SetupSection("Assignment rules", "/setup/assignment",
                 "Who gets a new lead: ordered criteria, users, queues and round robin."),
    SetupSection("Queues", "/setup/queues",
                 "Shared lead queues and their members, who take leads from them."),
    SetupSection("Round-robin groups", "/setup/round-robin",
                 "Share leads evenly (or by weight) between active team members."),
    SetupSection("Web-to-lead forms", "/setup/web-forms",
                 "Forms for your website: defaults, redirects, limits and the HTML to paste."),
    SetupSection("Duplicate rules", "/setup/duplicate-rules",
                 "How leads, contacts and accounts are matched, and what a match does."),
    SetupSection("Sharing settings", "/setup/sharing",
                 "Org-wide defaults: who sees and edits leads, accounts, contacts, deals."),
    SetupSection("Users", "/setup/users",
                 "The reporting line: each user's manager sees and edits what they own."),
    SetupSection("Audit log", "/setup/audit",
                 "Who signed in, exported, imported, merged, converted or changed settings."),
    SetupSection("Background jobs", "/setup/jobs",
                 "Imports, bulk conversions and purges the job workers run: follow, cancel, "
                 "retry."),
)  # fmt: skip


@router.get("/setup")
def setup_page(request: Request, user: WebUser) -> Response:
    """The Setup page (administrators only)."""
    if not user.is_admin:
        raise PermissionDeniedError("Only administrators can open Setup")
    return render(request, "setup/index.html", {"nav": "setup", "sections": SECTIONS}, user=user)
