"""The pipeline board: a column per open stage, won and lost drop zones, moves and paging.

The page reads the whole board with one service call (``OpportunityService.board``); each
column's "Load more" pages on with ``board_column``. Moving a card posts the opportunity's
version, so of two people moving the same card the later one gets a conflict (409) and
its card goes back; the answer carries every column's header so totals update in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.datastructures import FormData, QueryParams
from starlette.responses import RedirectResponse, Response

from opportune.api.deps import OpportuneDep
from opportune.domain.listing import MAX_ROW_ID
from opportune.domain.opportunities import Opportunity
from opportune.domain.stages import Stage
from opportune.domain.users import User
from opportune.errors import FieldError, NotFoundError, ValidationError
from opportune.services import Opportune
from opportune.services.opportunities import Board, OpportunityFilters
from opportune.web.deps import CsrfChecked, PostedForm, WebUser
from opportune.web.formatting import format_number
from opportune.web.listing import parse_date
from opportune.web.templating import is_htmx, render

router = APIRouter()

PER_COLUMN = 25
PERIODS = {
    "all": "Any close date",
    "this-month": "This month",
    "this-quarter": "This quarter",
    "next-quarter": "Next quarter",
    "this-year": "This year",
    "custom": "Custom dates",
}
# Fields as the board's forms name them, for error messages.
FIELD_LABELS = {
    "owner": "Owner", "period": "Close period", "close_from": "From", "close_to": "To",
    "cursor": "Page", "stage_id": "Stage", "stage": "Stage", "lost_reason": "Lost reason",
    "version": "Version",
}  # fmt: skip


# --- filters in the query string ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardState:
    """The board's filters as the query string gave them: owner (empty, ``me`` or a user
    id), close period (a key of :data:`PERIODS`) and, for a custom period, the dates."""

    owner: str = ""
    period: str = "all"
    close_from: str = ""
    close_to: str = ""

    @classmethod
    def from_query(cls, query: QueryParams) -> BoardState:
        """Read the filters; a custom range is kept only with the custom period."""
        period = (query.get("period") or "all").strip()
        custom = period == "custom"
        return cls(
            owner=(query.get("owner") or "").strip(),
            period=period,
            close_from=(query.get("close_from") or "").strip() if custom else "",
            close_to=(query.get("close_to") or "").strip() if custom else "",
        )

    def url(self, path: str = "/pipeline", **extra: str) -> str:
        """``path`` with these filters (defaults left out) and any ``extra`` parameters."""
        values = {"owner": self.owner, "close_from": self.close_from, "close_to": self.close_to}
        params = {"period": self.period} if self.period != "all" else {}
        params |= {key: value for key, value in {**values, **extra}.items() if value}
        return f"{path}?{urlencode(params)}" if params else path

    @property
    def is_filtered(self) -> bool:
        """True when any filter narrows the board."""
        return bool(self.owner) or self.period != "all"

    def filters(self, today: date) -> OpportunityFilters:
        """The filters for the service; raise one error naming every bad filter."""
        errors: list[FieldError] = []
        if self.period not in PERIODS:
            errors.append(_bad("period", f"Choose one of: {', '.join(PERIODS.values())}"))
        start, end = period_bounds(self.period, today)
        if self.period == "custom":
            start = parse_date("close_from", self.close_from, errors)
            end = parse_date("close_to", self.close_to, errors)
        if start and end and start > end:
            errors.append(FieldError("close_to", "INVALID_RANGE", "Must not be before From"))
        if errors:
            raise ValidationError(errors)
        owner = (self.owner,) if self.owner else ()
        return OpportunityFilters(owner=owner, close_from=start, close_to=end)


def period_bounds(period: str, today: date) -> tuple[date | None, date | None]:
    """The first and last day of a named close period around ``today`` (none for all)."""
    if period == "this-month":
        return _months(today.year, today.month, 1)
    if period in ("this-quarter", "next-quarter"):
        first = (today.month - 1) // 3 * 3 + 1 + (3 if period == "next-quarter" else 0)
        return _months(today.year + (first - 1) // 12, (first - 1) % 12 + 1, 3)
    if period == "this-year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    return None, None


def _months(year: int, month: int, count: int) -> tuple[date, date]:
    """From the first day of ``month`` to the last day ``count`` months on."""
    after = month - 1 + count
    following = date(year + after // 12, after % 12 + 1, 1)
    return date(year, month, 1), following - timedelta(days=1)


def _bad(field: str, message: str) -> FieldError:
    return FieldError(field, "INVALID_FILTER", message)


def _messages(exc: ValidationError) -> list[str]:
    """Each bad field as a person reads it: "Owner: Unknown owner 'x'"."""
    return [f"{FIELD_LABELS.get(e.field, e.field)}: {e.message}" for e in exc.fields]


# --- what templates show -------------------------------------------------------------------------


def money_formatter(currency: str) -> Callable[..., str]:
    """A function showing an amount with its currency code: 'USD 12,500'."""

    def money(value: Decimal | None, code: str | None = None) -> str:
        return "" if value is None else f"{code or currency} {format_number(value)}"

    return money


def _today(core: Opportune) -> date:
    """Today by the service clock (tests and demos may run it elsewhere in time)."""
    return core.opportunities.clock().date()


def _view(core: Opportune, state: BoardState, users: list[User]) -> dict[str, Any]:
    """What every board template needs besides the board itself."""
    return {
        "state": state,
        "today": _today(core),
        "money": money_formatter(core.settings.currency),
        "users": {u.id: u for u in users},
        "periods": PERIODS,
    }


def _summary(board: Board) -> tuple[int, Decimal, Decimal]:
    """Count, amount and expected revenue of every open column together."""
    totals = [c.totals for c in board.columns]
    return (
        sum(t.count for t in totals),
        sum((t.amount for t in totals), Decimal(0)),
        sum((t.expected_revenue for t in totals), Decimal(0)),
    )


# --- routes --------------------------------------------------------------------------------------


@router.get("/pipeline")
def pipeline_board(request: Request, user: WebUser, core: OpportuneDep) -> Response:
    """The board (only the board for htmx, when the filters change)."""
    state = BoardState.from_query(request.query_params)
    context: dict[str, Any] = {"board": None, "errors": []}
    status = 200
    try:
        board = core.opportunities.board(user, state.filters(_today(core)), PER_COLUMN)
    except ValidationError as exc:
        context["errors"] = _messages(exc)
        lookups = core.opportunities.lookups()
        status = 422
    else:
        context |= {"board": board, "summary_totals": _summary(board)}
        lookups = board.lookups
    context |= _view(core, state, lookups.users) | {"lookups": lookups}
    if not is_htmx(request):
        return render(request, "pipeline/board.html", context, user=user, status=status)
    response = render(request, "pipeline/_board.html", context, user=user, status=status)
    response.headers["HX-Push-Url"] = state.url()
    return response


@router.get("/pipeline/columns/{stage_id:int}")
def more_cards(request: Request, stage_id: int, user: WebUser, core: OpportuneDep) -> Response:
    """The next cards of one column (after ``cursor``) and its next "Load more" button."""
    state = BoardState.from_query(request.query_params)
    if stage_id > MAX_ROW_ID:
        raise NotFoundError.for_record("Stage", stage_id)
    context: dict[str, Any] = {"errors": []}
    status = 200
    try:
        column = core.opportunities.board_column(
            user, stage_id, state.filters(_today(core)),
            cursor=request.query_params.get("cursor"), limit=PER_COLUMN,
        )  # fmt: skip
        context["column"] = column
    except ValidationError as exc:
        context["errors"] = _messages(exc)
        status = 422
    context |= _view(core, state, core.opportunities.lookups().users)
    return render(request, "pipeline/_more.html", context, user=user, status=status)


@router.post("/pipeline/opportunities/{opportunity_id:int}/move", dependencies=[CsrfChecked])
def move_card(
    request: Request, opportunity_id: int, user: WebUser, core: OpportuneDep, form: PostedForm
) -> Response:
    """Move a card to another stage (a lost stage needs a lost reason); answer with the
    moved card and every column's and zone's header for the board's filters."""
    if opportunity_id > MAX_ROW_ID:
        raise NotFoundError.for_record("Opportunity", opportunity_id)
    state = BoardState.from_query(request.query_params)
    try:
        filters = state.filters(_today(core))  # before the move: the answer needs them
        stage, data, version = _move_input(core, form)
        opp = core.opportunities.update(user, opportunity_id, data, expected_version=version)
    except ValidationError as exc:
        return _move_refused(request, user, exc, reason_given=bool(form.get("lost_reason")))
    if not is_htmx(request):
        return RedirectResponse(state.url(), status_code=303)
    return _moved(request, user, core, state, filters, opp, stage)


def _move_input(core: Opportune, form: FormData) -> tuple[Stage, dict[str, object], int]:
    """The target stage, the change for the service and the version the card showed."""
    errors: list[FieldError] = []
    stage = _target_stage(core, str(form.get("stage_id") or ""), errors)
    version = str(form.get("version") or "").strip()
    if not version.isdecimal():
        errors.append(FieldError("version", "REQUIRED_FIELD_MISSING", "Missing; reload the board"))
    if stage is None or errors:
        raise ValidationError(errors)
    data: dict[str, object] = {"stage": stage.label}
    reason = str(form.get("lost_reason") or "").strip()
    if reason or stage.is_lost:
        data["lost_reason"] = reason or None
    return stage, data, int(version)


def _target_stage(core: Opportune, stage_id: str, errors: list[FieldError]) -> Stage | None:
    stages = core.pipeline.stages()
    stage = next((s for s in stages if str(s.id) == stage_id.strip()), None)
    if stage is None:
        errors.append(FieldError("stage_id", "INVALID_STAGE", "Unknown stage; reload the board"))
    elif not stage.is_active:
        message = f"'{stage.label}' is no longer in use; reload the board"
        errors.append(FieldError("stage_id", "INVALID_STAGE", message))
    return stage if stage is not None and stage.is_active else None


def _move_refused(
    request: Request, user: User, exc: ValidationError, *, reason_given: bool
) -> Response:
    """Why the move was refused, in words (the card goes back on the board)."""
    messages = _messages(exc) or [exc.message]
    if not reason_given and any(e.field == "lost_reason" for e in exc.fields):
        messages = ["Choose a lost reason to close this opportunity as lost."]
    context = {"message": " ".join(messages)}
    return render(request, "pipeline/_move_refused.html", context, user=user, status=422)


def _moved(
    request: Request,
    user: User,
    core: Opportune,
    state: BoardState,
    filters: OpportunityFilters,
    opp: Opportunity,
    stage: Stage,
) -> Response:
    """The moved card (still on the board when its stage is open) and every header."""
    board = core.opportunities.board(user, filters, per_column=0)
    column = board.column(stage.id)
    account = core.accounts.get(user, opp.account_id) if column else None
    context = {
        "board": board, "summary_totals": _summary(board), "opp": opp, "column": column,
        "account_name": account.name if account else "",
        **_view(core, state, board.lookups.users),
    }  # fmt: skip
    response = render(request, "pipeline/_moved.html", context, user=user)
    message = f"{opp.name} moved to {stage.label}"
    response.headers["HX-Trigger"] = json.dumps({"opportune:toast": message})
    return response
