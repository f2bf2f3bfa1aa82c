"""Record pages for accounts, contacts and opportunities: one set of routes for all three.

Each route takes the kind of record from its path (``/{kind:record}`` matches only the
kinds declared in :data:`~opportune.web.record_pages.PAGES`) and is driven by that kind's
page definition: the list with search, owner filter, sorting and pages; the new-record
form; the record page with inline edits, related lists and the field history timeline;
delete. Opportunity-only routes (stage path, contact roles) live in ``record_pipeline``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.users import User
from opportune.errors import ConflictError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.saved_alerts import collecting_alerts
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.record_access import get_record, list_records, service
from opportune.web.record_context import (
    REFERENCE_FIELDS,
    detail_context,
    field_context,
    form_context,
    prefilled,
    timeline_context,
)
from opportune.web.record_data import (
    RecordLookups,
    RecordView,
    account_refs,
    choices,
    input_value,
    load_lookups,
    present,
    source_choices,
)
from opportune.web.record_fields import RecordField
from opportune.web.record_forms import REFERENCE_ID, account_matches, errors_by_field, read_form
from opportune.web.record_listing import RecordListState
from opportune.web.record_pages import PAGES, RecordPage
from opportune.web.record_pipeline import expected_version
from opportune.web.record_pipeline import router as pipeline_router
from opportune.web.record_timeline import lead_namers, timeline
from opportune.web.routes.duplicates import flash_alerts, toast_alerts
from opportune.web.templating import flash, is_htmx, render


class RecordKind(Convertor[str]):
    """A path segment naming a kind of record page: accounts, contacts or opportunities."""

    regex = "|".join(PAGES)

    def convert(self, value: str) -> str:
        """The kind as given (the regex only lets declared kinds through)."""
        return value

    def to_string(self, value: str) -> str:
        """The kind as the path holds it."""
        return value


register_url_convertor("record", RecordKind())
router = APIRouter()
router.include_router(pipeline_router)


@router.get("/accounts/options")
def account_options(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """The accounts matching what is typed in a reference input, as datalist options.

    ``for`` names the input, whose text arrives under its own name.
    """
    name = request.query_params.get("for", "")
    text = request.query_params.get(name, "") if name in REFERENCE_FIELDS else ""
    matches = account_matches(core, user, REFERENCE_ID.sub("", text).strip())
    return render(request, "records/_account_options.html", {"account_options": matches})


@router.get("/{kind:record}")
def record_list(request: Request, kind: str, user: WebUser, core: OpportuneDep) -> Response:
    """The list: the whole page, or only the results for htmx (search, sort, pages)."""
    page = PAGES[kind]
    state = RecordListState.from_query(page, request.query_params)
    cursor = request.query_params.get("cursor")
    context, lookups = _list_context(core, user, page, state, cursor)
    status = 422 if context["errors"] else 200
    if not is_htmx(request):
        context["filter_options"] = {
            f.name: list(f.options) or source_choices(f.source, lookups) for f in page.filters
        }
        context["account_filter_name"] = _account_name(core, user, state.value("account"))
        return render(request, "records/list.html", context, user=user, status=status)
    response = render(request, "records/_results.html", context, user=user, status=status)
    # The address bar keeps the filters, without the empty fields a form submits.
    response.headers["HX-Push-Url"] = state.url(cursor=cursor)
    return response


def _list_context(
    core: Opportune, user: User, page: RecordPage, state: RecordListState, cursor: str | None
) -> tuple[dict[str, Any], RecordLookups]:
    """The list's rows, or why its filters were refused, and the lookups that name them."""
    context: dict[str, Any] = {"page": page, "state": state, "rows": [], "result": None}
    try:
        result = list_records(core, user, page, state, cursor)
    except ValidationError as exc:
        context["errors"] = [f"{_filter_label(page, e.field)}: {e.message}" for e in exc.fields]
        return context, load_lookups(core, user, [])
    lookups = load_lookups(core, user, [i for r in result.items for i in account_refs(r)])
    rows = [present(r, lookups) for r in result.items]
    context.update(result=result, rows=rows, errors=[])
    return context, lookups


def _filter_label(page: RecordPage, name: str) -> str:
    found = next((f.label for f in page.filters if f.name == name), None)
    return found or name.replace("_", " ").capitalize()


def _account_name(core: Opportune, user: User, account_id: str) -> str | None:
    if not account_id.isdecimal() or len(account_id) > 10:
        return None
    return core.accounts.names(user, [int(account_id)]).get(int(account_id))


@router.get("/{kind:record}/new")
def new_record_form(request: Request, kind: str, user: WebUser, core: OpportuneDep) -> Response:
    """An empty form, owned by the current user (and on the account it was opened from)."""
    page = PAGES[kind]
    values = prefilled(core, user, page, request.query_params)
    context = form_context(core, user, page, values)
    return render(request, "records/new.html", context, user=user)


@router.post("/{kind:record}", dependencies=[CsrfChecked])
def create_record(
    request: Request, kind: str, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Create the record and open it; on bad input show the form again with each error."""
    page = PAGES[kind]
    posted = read_form(core, user, form, page.form_fields)
    try:
        with collecting_alerts() as found:
            record = service(core, page).create(user, posted.data)
    except ValidationError as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        errors = posted.merged(exc).fields
        context = form_context(core, user, page, values, errors)
        return render(request, "records/new.html", context, user=user, status=422)
    flash(request, f"{page.label} {record.name} created.")
    flash_alerts(request, found)
    return RedirectResponse(f"/{page.kind}/{record.id}", status_code=303)


@router.get("/{kind:record}/{record_id:int}")
def record_page(
    request: Request, kind: str, record_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """The record with all its fields, related lists and history."""
    page = PAGES[kind]
    record = get_record(core, user, page, record_id)
    context = detail_context(core, user, page, record)
    return render(request, "records/detail.html", context, user=user)


@router.get("/{kind:record}/{record_id:int}/timeline")
def record_timeline(
    request: Request, kind: str, record_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """The record's field history, newest first (the page reloads it after each save)."""
    page = PAGES[kind]
    get_record(core, user, page, record_id)
    context = timeline_context(core, user, page, record_id)
    return render(request, "records/_timeline.html", context, user=user)


_CONVERTED_IDS = frozenset(
    {"converted_account_id", "converted_contact_id", "converted_opportunity_id"}
)


@router.get("/leads/{lead_id:int}/timeline")
def lead_timeline(request: Request, lead_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """A lead's field history, for the lead page (which loads it after showing the lead)."""
    if lead_id > 2**31 - 1:
        raise NotFoundError.for_record("Lead", lead_id)
    # The records a conversion made are on the converted panel, with names and links.
    changes = [c for c in core.leads.history(user, lead_id) if c.field not in _CONVERTED_IDS]
    lookups = core.leads.lookups()
    entries = timeline(changes, None, lead_namers(lookups), lookups.user_name)
    context = {"timeline": entries, "timeline_url": f"/leads/{lead_id}/timeline"}
    return render(request, "records/_timeline.html", context, user=user)


def _page_field(page: RecordPage, name: str, view: RecordView) -> RecordField:
    """The record page's editable field called ``name``."""
    spec = next((f for f in page.page_fields if f.name == name), None)
    if spec is None or not spec.editable:
        raise NotFoundError(f"{page.label} pages have no field '{name}' to edit")
    if not view.shown(spec):
        raise ConflictError(f"{spec.label} does not apply to this {page.noun}")
    return spec


def _field(
    request: Request,
    user: User,
    core: Opportune,
    page: RecordPage,
    record_id: int,
    name: str,
    **extra: Any,
) -> Response:
    """One field of the record page: shown, being edited (``values`` given) or refused."""
    record = get_record(core, user, page, record_id)
    lookups = load_lookups(core, user, account_refs(record))
    context = field_context(page, record, lookups)
    spec = _page_field(page, name, context["view"])
    context.update(spec=spec, **extra)
    if "values" not in extra:
        return render(request, "records/_field_response.html", context, user=user)
    context["options"] = choices(spec, lookups)
    if spec.kind == "reference":
        context["account_options"] = account_matches(core, user, "")
    status = 422 if extra.get("error") else 200
    return render(request, "records/_field_edit.html", context, user=user, status=status)


@router.get("/{kind:record}/{record_id:int}/fields/{name}")
def show_field(
    request: Request, kind: str, record_id: int, name: str, user: WebUser, core: OpportuneDep
) -> Response:
    """A field's value (cancelling an edit)."""
    return _field(request, user, core, PAGES[kind], record_id, name, focus=True)


def _editable(
    core: Opportune, user: User, page: RecordPage, record_id: int, name: str
) -> tuple[RecordField, dict[str, Any]]:
    """The field ``name`` of the record, if the page lets it be edited, and the record."""
    record = get_record(core, user, page, record_id)
    lookups = load_lookups(core, user, account_refs(record))
    rec = present(record, lookups)
    return _page_field(page, name, RecordView(page, rec, lookups.currency)), rec


@router.get("/{kind:record}/{record_id:int}/fields/{name}/edit")
def edit_field(
    request: Request, kind: str, record_id: int, name: str, user: WebUser, core: OpportuneDep
) -> Response:
    """A field as inputs, to change it in place."""
    page = PAGES[kind]
    spec, rec = _editable(core, user, page, record_id, name)
    values = input_value(spec, rec)
    return _field(request, user, core, page, record_id, name, values=values, error=None)


@router.post("/{kind:record}/{record_id:int}/fields/{name}", dependencies=[CsrfChecked])
def save_field(
    request: Request,
    kind: str,
    record_id: int,
    name: str,
    user: WebUser,
    core: OpportuneDep,
    form: PostedForm,
) -> Response:
    """Save one field; a bad value keeps the inputs open with the error next to them, and
    a change someone else made since the page was shown is refused (409)."""
    page = PAGES[kind]
    spec, _ = _editable(core, user, page, record_id, name)
    posted = read_form(core, user, form, [spec])
    try:
        with collecting_alerts() as found:
            service(core, page).update(
                user, record_id, posted.data, expected_version=expected_version(form)
            )
    except ValidationError as exc:
        return _refused(request, user, core, page, record_id, spec, form, posted.merged(exc))
    response = _field(request, user, core, page, record_id, name, focus=True, saved=True)
    response.headers["HX-Trigger"] = json.dumps({"opportune:toast": f"{spec.label} saved"})
    return toast_alerts(response, found)


def _refused(
    request: Request,
    user: User,
    core: Opportune,
    page: RecordPage,
    record_id: int,
    spec: RecordField,
    form: FormData,
    exc: ValidationError,
) -> Response:
    """The field's inputs again, holding what was typed, with why it was refused."""
    values = {n: str(form.get(n) or "") for n in spec.inputs}
    messages = errors_by_field(exc.fields, [spec])
    error = messages.get(spec.name) or "; ".join(messages.values())
    invalid = {e.field for e in exc.fields}
    return _field(request, user, core, page, record_id, spec.name, values=values, error=error,
                  invalid=invalid)  # fmt: skip


@router.post("/{kind:record}/{record_id:int}/delete", dependencies=[CsrfChecked])
def delete_record(
    request: Request, kind: str, record_id: int, user: WebUser, core: OpportuneDep
) -> Response:
    """Move the record to the recycle bin and go back to the list."""
    page = PAGES[kind]
    record = get_record(core, user, page, record_id)
    service(core, page).delete(user, record_id)
    flash(request, f"{page.label} {record.name} deleted. It is in the recycle bin.")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": f"/{page.kind}"})
    return RedirectResponse(f"/{page.kind}", status_code=303)
