"""Web UI: your account: API tokens (with scopes) and signing out everywhere."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.api.schemas import MAX_ID
from opportune.domain.security import allowed_scopes
from opportune.domain.users import User
from opportune.errors import NotFoundError, ValidationError
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.templating import flash, render

router = APIRouter()
PAGE = "/account"


@router.get(PAGE)
def account_page(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """Your account: who you are, your API tokens, sign out everywhere."""
    return _render(request, core, user)


@router.post(f"{PAGE}/tokens", dependencies=[CsrfChecked])
def create_token(request: Request, user: WebUser, core: OpportuneDep, form: PostedForm) -> Response:
    """Create an API token for yourself and show it once."""
    days = str(form.get("expires_in_days") or "").strip()
    scopes = [str(s) for s in form.getlist("scopes")]
    try:
        expires = int(days) if days else None
    except ValueError:
        error = ValidationError.single("expires_in_days", "INVALID_TYPE", "Must be a whole number")
        return _render(request, core, user, error=error, status=422)
    try:
        issued = core.auth.create_token(user, _id(user), str(form.get("name") or ""), expires,
                                        scopes=scopes)  # fmt: skip
    except ValidationError as exc:
        return _render(request, core, user, error=exc, status=422)
    return _render(request, core, user, issued=issued, status=201)


@router.post(f"{PAGE}/tokens/{{token_id:int}}/revoke", dependencies=[CsrfChecked])
def revoke_token(request: Request, token_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """Revoke one of your tokens."""
    if token_id > MAX_ID:
        raise NotFoundError.for_record("Token", token_id)
    core.auth.revoke_token(user, _id(user), token_id)
    flash(request, "Token revoked: it no longer works.")
    return RedirectResponse(PAGE, status_code=303)


@router.post(f"{PAGE}/logout-everywhere", dependencies=[CsrfChecked])
def logout_everywhere(
    request: Request, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """End every browser session of yours (this one too) and, if asked, your API tokens."""
    revoke = form.get("revoke_tokens") == "on"
    ended = core.sessions.sign_out_everywhere(user, _id(user), revoke_tokens=revoke)
    request.session.clear()
    tokens = f" {ended.tokens_revoked} API token(s) revoked." if revoke else ""
    flash(request, f"You have been signed out everywhere.{tokens}")
    return RedirectResponse("/login", status_code=303)


def _render(
    request: Request,
    core: OpportuneDep,
    user: User,
    *,
    issued: object = None,
    error: ValidationError | None = None,
    status: int = 200,
) -> Response:
    context = {
        "tokens": core.auth.list_tokens(user, _id(user)),
        "scopes": allowed_scopes(user),
        "issued": issued,
        "errors": {f.field: f.message for f in error.fields} if error else {},
    }
    return render(request, "account/page.html", context, user=user, status=status)


def _id(user: User) -> int:
    assert user.id is not None, "the signed-in user is saved"
    return user.id
