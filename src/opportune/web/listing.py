"""The lead list's query string: filters in, LeadFilters out, and links that keep them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from opportune.errors import FieldError, ValidationError
from opportune.services.filters import DEFAULT_SORT, LeadFilters
from opportune.web.drill_filters import LEAD_DRILL_FILTERS, drill_phrases, without_drills

PAGE_SIZE = 25
MULTI_FILTERS = ("status", "lead_source", "rating")
SINGLE_FILTERS = ("owner", "queue", "created_from", "created_to", "q")
FLAG_FILTERS = ("include_converted", "unread")
# Set by report click-throughs only: kept as hidden inputs and described above the list.
DRILL_FILTERS = tuple(f.name for f in LEAD_DRILL_FILTERS)
_TRUE = {"on", "true", "1", "yes"}
SORT_NAMES = {
    "created_at": "created date", "updated_at": "last update", "last_name": "name",
    "first_name": "first name", "company": "company", "email": "email", "city": "city",
    "rating": "rating",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ListState:
    """The list's filters and sort exactly as the query string gave them."""

    params: tuple[tuple[str, str], ...]
    sort: str

    @classmethod
    def from_query(cls, query: QueryParams) -> ListState:
        """Keep the filter parameters (not the cursor) in their given order."""
        kept = tuple(
            (key, value)
            for key, value in query.multi_items()
            if key in MULTI_FILTERS + SINGLE_FILTERS + FLAG_FILTERS + DRILL_FILTERS
            and value.strip()
        )
        return cls(kept, query.get("sort") or DEFAULT_SORT)

    def values(self, key: str) -> list[str]:
        """Every value given for ``key``."""
        return [value for name, value in self.params if name == key]

    def value(self, key: str) -> str:
        """The first value given for ``key``, or empty."""
        return next(iter(self.values(key)), "")

    def flag(self, key: str) -> bool:
        """True when the checkbox ``key`` is ticked."""
        return self.value(key).lower() in _TRUE

    @property
    def is_filtered(self) -> bool:
        """True when any filter (not just a sort) narrows the list."""
        return bool(self.params)

    @property
    def drill_params(self) -> list[tuple[str, str]]:
        """The filters a report click-through set, which the form has no inputs for."""
        return [(key, value) for key, value in self.params if key in DRILL_FILTERS]

    @property
    def drill_phrases(self) -> list[str]:
        """Those filters in words: ['converted only', 'untouched for 30 days']."""
        return drill_phrases(self.params, LEAD_DRILL_FILTERS)

    @property
    def without_drills_url(self) -> str:
        """This list without the click-through filters (the form's filters and sort kept)."""
        return replace(self, params=without_drills(self.params, LEAD_DRILL_FILTERS)).url()

    def url(self, *, sort: str | None = None, cursor: str | None = None) -> str:
        """The list URL with these filters, the given sort and an optional page cursor."""
        params = list(self.params)
        chosen = sort or self.sort
        if chosen != DEFAULT_SORT:
            params.append(("sort", chosen))
        if cursor:
            params.append(("cursor", cursor))
        return "/leads" + (f"?{urlencode(params)}" if params else "")

    def sort_url(self, field: str) -> str:
        """The URL that sorts by ``field``: ascending first, then toggling."""
        return self.url(sort=f"-{field}" if self.sort == field else field)

    @property
    def sort_description(self) -> str:
        """The sort in words: 'created date, newest first' or 'company, A-Z'."""
        field = self.sort.lstrip("-")
        descending = self.sort.startswith("-")
        if field in ("created_at", "updated_at"):
            order = "newest first" if descending else "oldest first"
        else:
            order = "Z to A" if descending else "A to Z"
        return f"{SORT_NAMES.get(field, field)}, {order}"

    def sort_direction(self, field: str) -> str | None:
        """'ascending', 'descending' or None when the list is not sorted by ``field``."""
        if self.sort.lstrip("-") != field:
            return None
        return "descending" if self.sort.startswith("-") else "ascending"


def parse_date(name: str, value: str, errors: list[FieldError]) -> date | None:
    """A YYYY-MM-DD date from the query string; a bad one becomes an error naming the filter."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(FieldError(name, "INVALID_DATE", f"'{value}' is not a date (YYYY-MM-DD)"))
        return None


def parse_days(name: str, value: str, errors: list[FieldError]) -> int | None:
    """A whole number of days from the query string; whether it is in range is the
    service's check, and a value that is no number becomes an error naming the filter."""
    text = value.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()):
        errors.append(FieldError(name, "INVALID_TYPE", f"'{value}' is not a whole number of days"))
        return None
    # Past any range a filter allows (the service says so), without reading a huge number.
    return int(text) if len(text) <= 9 else 10**9


def lead_filters(state: ListState, cursor: str | None) -> LeadFilters:
    """The service filters for this list; raise ValidationError naming each bad filter."""
    errors: list[FieldError] = []
    created_from = parse_date("created_from", state.value("created_from"), errors)
    created_to = parse_date("created_to", state.value("created_to"), errors)
    untouched_days = parse_days("untouched_days", state.value("untouched_days"), errors)
    if errors:
        raise ValidationError(errors)
    return LeadFilters(
        status=state.values("status"), lead_source=state.values("lead_source"),
        owner=state.values("owner"), rating=state.values("rating"),
        created_from=created_from, created_to=created_to, q=state.value("q") or None,
        include_converted=state.flag("include_converted"), unread=state.flag("unread"),
        converted_only=state.flag("converted_only"), untouched_days=untouched_days,
        queue=state.value("queue") or None, sort=state.sort, cursor=cursor or None,
        limit=PAGE_SIZE, with_total=True,
    )  # fmt: skip
