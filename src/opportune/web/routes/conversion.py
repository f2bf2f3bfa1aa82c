"""Converting a lead on its page: the dialog with its live preview, converting, the
converted lead's panel, and undo.

The dialog is a native ``<dialog>`` that htmx adds to the page. Each change of a choice
posts the whole form to the preview route, which answers with the dialog's content again:
the choices fitted to the chosen account, the plan the service would carry out, and any
problem next to the choice at fault (the Convert button stays disabled until there is
none). Converting answers with links to the records and the lead page in its converted
state; undo answers with the lead page back as it was, or the list of what changed since.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.conversion import ConversionPlan, ConversionRecord
from opportune.domain.leads import Lead, check_editable
from opportune.domain.users import User
from opportune.errors import ConflictError, FieldError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.conversions import UndoResult
from opportune.web.conversion_form import NEW, NONE, OTHER, Dialog, load_dialog
from opportune.web.conversion_view import (
    ConversionPanel,
    Names,
    errors_by_choice,
    present_plan,
    present_record,
    undo_blockers,
)
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.routes.lead_page import MAX_ID, page_context
from opportune.web.templating import flash, is_htmx, render

router = APIRouter()


def _lead(core: Opportune, user: User, lead_id: int) -> Lead:
    if lead_id > MAX_ID:
        raise NotFoundError.for_record("Lead", lead_id)
    return core.leads.get(user, lead_id)


def _toast(response: Response, message: str) -> Response:
    response.headers["HX-Trigger"] = json.dumps({"opportune:toast": message})
    return response


# --- the dialog and its preview ---------------------------------------------------------


def _preview(
    core: Opportune, user: User, dialog: Dialog
) -> tuple[ConversionPlan | None, list[FieldError]]:
    """The plan for the dialog's choices, or what is wrong with them."""
    if dialog.errors:
        return None, dialog.errors
    assert dialog.lead.id is not None
    try:
        return core.conversions.preview(user, dialog.lead.id, dialog.options()), []
    except ValidationError as exc:
        return None, list(exc.fields)
    except ConflictError as exc:
        return None, _conflict(exc)


def _converted(core: Opportune, user: User, dialog: Dialog) -> list[FieldError]:
    """Convert as the dialog's choices say; the problems when it cannot (nothing changed)."""
    if dialog.errors:
        return dialog.errors
    assert dialog.lead.id is not None
    try:
        core.conversions.convert(user, dialog.lead.id, dialog.options())
    except ValidationError as exc:
        return list(exc.fields)
    except ConflictError as exc:
        return _conflict(exc)
    return []


def _conflict(exc: ConflictError) -> list[FieldError]:
    """A conflict (the lead converted meanwhile) as problems the dialog shows above its choices."""
    return list(exc.fields) or [FieldError("lead_id", exc.code, exc.message)]


def _targets(dialog: Dialog) -> dict[str, str]:
    """The names of the existing records the choices merge into, by kind."""
    names = {}
    if dialog.account is not None:
        names["account"] = dialog.account.name
    if dialog.contact_choice is not None:
        names["contact"] = dialog.contact_choice.contact.name
    if dialog.opportunity_choice is not None:
        names["opportunity"] = dialog.opportunity_choice.name
    return names


def _form(
    request: Request,
    user: User,
    dialog: Dialog,
    plan: ConversionPlan | None,
    errors: list[FieldError],
    template: str = "conversion/_form.html",
) -> Response:
    """The dialog's form: the choices, the preview of ``plan``, and ``errors`` by choice."""
    names = Names.of(dialog.lookups)
    preview = present_plan(plan, _targets(dialog), names, dialog.lead.company) if plan else None
    found = dialog.suggestions
    exact = any(s.exact for s in found.accounts) or any(s.exact for s in found.contacts)
    context = {
        "dialog": dialog, "lead": dialog.lead, "c": dialog.choices, "preview": preview,
        "plan": plan, "errors": errors_by_choice(errors), "can_convert": plan is not None,
        "has_exact": exact, "NEW": NEW, "OTHER": OTHER, "NONE": NONE,
    }  # fmt: skip
    return render(request, template, context, user=user, status=422 if errors else 200)


@router.get("/leads/{lead_id:int}/convert")
def convert_dialog(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The convert dialog, with the suggested records and the preview of the defaults."""
    lead = _lead(core, user, lead_id)
    check_editable(lead)
    dialog = load_dialog(core, user, lead, None)
    plan, errors = _preview(core, user, dialog)
    response = _form(request, user, dialog, plan, errors, "conversion/dialog.html")
    response.status_code = 200  # the dialog opens even when its defaults need a choice
    return response


@router.post("/leads/{lead_id:int}/convert/preview", dependencies=[CsrfChecked])
def convert_preview(
    request: Request, lead_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """The dialog again for the choices posted: the preview, or the problems by choice."""
    dialog = load_dialog(core, user, _lead(core, user, lead_id), form)
    plan, errors = _preview(core, user, dialog)
    return _form(request, user, dialog, plan, errors)


@router.post("/leads/{lead_id:int}/convert", dependencies=[CsrfChecked])
def convert(
    request: Request, lead_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Convert the lead as the dialog's choices say; on a problem nothing changes and the
    dialog shows it next to the choice at fault."""
    dialog = load_dialog(core, user, _lead(core, user, lead_id), form)
    errors = _converted(core, user, dialog)
    if errors:
        return _form(request, user, dialog, None, errors)
    lead = _lead(core, user, lead_id)
    if not is_htmx(request):
        flash(request, f"Lead {lead.name} converted.")
        return RedirectResponse(f"/leads/{lead_id}", status_code=303)
    context = {**page_context(lead, core.leads.lookups()), "detail_oob": True,
               "panel": _panel(core, user, core.conversions.conversion(user, lead_id))}  # fmt: skip
    response = render(request, "conversion/_done.html", context, user=user)
    return _toast(response, f"Lead {lead.name} converted")


# --- the converted lead and undo ------------------------------------------------------------


def _record_names(core: Opportune, user: User, record: ConversionRecord) -> dict[str, str]:
    """The current names of the conversion's records (records deleted since left out)."""
    names = core.accounts.names(user, [record.account_id])
    found = {"account": names[record.account_id]} if record.account_id in names else {}
    with contextlib.suppress(NotFoundError):  # deleted since: the panel says so
        found["contact"] = core.contacts.get(user, record.contact_id).name
    if record.opportunity_id is not None:
        with contextlib.suppress(NotFoundError):
            found["opportunity"] = core.opportunities.get(user, record.opportunity_id).name
    return found


def _panel(core: Opportune, user: User, record: ConversionRecord) -> ConversionPanel:
    names = Names.of(core.opportunities.lookups())
    return present_record(record, _record_names(core, user, record), names)


@router.get("/leads/{lead_id:int}/conversion")
def conversion_panel(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The converted lead's panel: what it became, the fields filled, values kept, undo."""
    lead = _lead(core, user, lead_id)
    panel = _panel(core, user, core.conversions.conversion(user, lead_id))
    return render(request, "conversion/_panel.html", {"lead": lead, "panel": panel}, user=user)


def _undo_note(lead: Lead, result: UndoResult) -> str:
    if not result.kept:
        return f"Conversion of {lead.name} undone"
    kept = ", ".join(f"{kind} #{record_id}" for kind, record_id in result.kept)
    return f"Conversion of {lead.name} undone; kept the changed records: {kept}"


def _blocked(request: Request, user: User, lead: Lead, exc: ConflictError) -> Response:
    """What changed since the conversion, with the offer to undo anyway, under the panel."""
    context = {"lead": lead, "blockers": undo_blockers(exc.fields)}
    response = render(request, "conversion/_undo_blocked.html", context, user=user, status=422)
    response.headers["HX-Retarget"] = "#undo-area"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


@router.post("/leads/{lead_id:int}/unconvert", dependencies=[CsrfChecked])
def unconvert(
    request: Request, lead_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Undo the conversion; refused with what changed since, unless forced (``force``)."""
    lead = _lead(core, user, lead_id)
    try:
        result = core.conversions.unconvert(user, lead_id, force=_checked(form, "force"))
    except ConflictError as exc:
        if exc.code != "UNDO_BLOCKED" or not is_htmx(request):
            raise
        return _blocked(request, user, lead, exc)
    lead = _lead(core, user, lead_id)
    if not is_htmx(request):
        flash(request, _undo_note(lead, result))
        return RedirectResponse(f"/leads/{lead_id}", status_code=303)
    context = page_context(lead, core.leads.lookups())
    response = render(request, "leads/_detail.html", context, user=user)
    return _toast(response, _undo_note(lead, result))


def _checked(form: Mapping[str, object], name: str) -> bool:
    return str(form.get(name) or "").lower() in {"true", "on", "1", "yes"}
