"""A record list's query string: its filters and sort, and links that keep them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from opportune.web.drill_filters import drill_phrases, without_drills
from opportune.web.record_pages import RecordPage

ORDER_WORDS = {
    # sort kind: (ascending, descending)
    "text": ("A to Z", "Z to A"),
    "date": ("earliest first", "latest first"),
    "number": ("lowest first", "highest first"),
}


@dataclass(frozen=True, slots=True)
class RecordListState:
    """The list's filters and sort exactly as the query string gave them."""

    page: RecordPage
    params: tuple[tuple[str, str], ...]
    sort: str

    @classmethod
    def from_query(cls, page: RecordPage, query: QueryParams) -> RecordListState:
        """Keep the page's filter parameters (not the cursor) in their given order; an
        unknown sort falls back to the page's default."""
        kept = tuple(
            (key, value)
            for key, value in query.multi_items()
            if key in page.filter_names and value.strip()
        )
        sort = query.get("sort") or page.default_sort
        return cls(page, kept, sort if page.column(sort) else page.default_sort)

    def values(self, key: str) -> list[str]:
        """Every value given for ``key``."""
        return [value for name, value in self.params if name == key]

    def value(self, key: str) -> str:
        """The first value given for ``key``, or empty."""
        return next(iter(self.values(key)), "")

    @property
    def is_filtered(self) -> bool:
        """True when any filter (not just a sort) narrows the list."""
        return bool(self.params)

    @property
    def drill_params(self) -> list[tuple[str, str]]:
        """The filters a report click-through set, which the form has no inputs for."""
        names = {f.name for f in self.page.drill_filters}
        return [(key, value) for key, value in self.params if key in names]

    @property
    def drill_phrases(self) -> list[str]:
        """Those filters in words: ['lead source Web', 'forecast category Commit']."""
        return drill_phrases(self.params, self.page.drill_filters)

    @property
    def without_drills_url(self) -> str:
        """This list without the click-through filters (the form's filters and sort kept)."""
        return replace(self, params=without_drills(self.params, self.page.drill_filters)).url()

    @property
    def base(self) -> str:
        """The list's path: '/accounts'."""
        return f"/{self.page.kind}"

    def url(self, *, sort: str | None = None, cursor: str | None = None) -> str:
        """The list URL with these filters, the given sort and an optional page cursor."""
        params = list(self.params)
        chosen = sort or self.sort
        if chosen != self.page.default_sort:
            params.append(("sort", chosen))
        if cursor:
            params.append(("cursor", cursor))
        return self.base + (f"?{urlencode(params)}" if params else "")

    def sort_url(self, field: str) -> str:
        """The URL that sorts by ``field``: ascending first, then toggling."""
        return self.url(sort=f"-{field}" if self.sort == field else field)

    def sort_direction(self, field: str) -> str | None:
        """'ascending', 'descending' or None when the list is not sorted by ``field``."""
        if self.sort.lstrip("-") != field:
            return None
        return "descending" if self.sort.startswith("-") else "ascending"

    @property
    def sort_description(self) -> str:
        """The sort in words: 'close date, oldest first' or 'name, A to Z'."""
        column = self.page.column(self.sort)
        if column is None:
            return self.sort
        ascending, descending = ORDER_WORDS[column.sort_kind]
        return f"{column.label.lower()}, {descending if self.sort.startswith('-') else ascending}"
