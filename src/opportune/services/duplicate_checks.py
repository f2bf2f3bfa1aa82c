"""Finding the existing records a new or edited one duplicates, by the duplicate rules.

Candidates come from the indexed key columns only (see
:class:`~opportune.db.repositories.duplicates.DuplicateRepository`): one lookup per key
kind and kind of record, for one record or a whole batch; each candidate is then scored in
Python by the rules' matching rule (Jaro-Winkler and Soundex for names, company names
without legal forms, normalised email, phone and web domain).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opportune.db.repositories.duplicates import Row
from opportune.domain.duplicate_rules import (
    DuplicateRule,
    comparable,
    key_values,
    rule_from_row,
)
from opportune.domain.matching import NORMALISED, match
from opportune.domain.sharing import Access, Viewer
from opportune.errors import DuplicateRecordError
from opportune.services.access import access_to
from opportune.services.saved_alerts import offer_alerts
from opportune.services.uow import UnitOfWork

__all__ = [
    "CANDIDATES_PER_KEY",
    "Checked",
    "DuplicateCandidate",
    "DuplicateChecker",
    "DuplicateScreen",
    "load_checker",
    "prepare_checks",
    "screen_duplicates",
    "write_reports",
]

# At most this many records (the newest) per key value are scored: a switchboard number
# or a very common name then costs no more than a rare one.
CANDIDATES_PER_KEY = 200
# A batch (an import, a scan) compares each record with fewer of the people sharing a very
# common key (say "Smith, J."): the newest ones, which are the likeliest duplicates anyway.
# Email and phone keys are near unique, so this only thins out name-sound lookups.
BULK_CANDIDATES_PER_KEY = 20
# The fields whose stored keys come with candidates (``nk_<field>``, see the repository).
_STORED = {"lead": ("email", "phone", "company"), "contact": ("email", "phone", "company"),
           "account": ("name", "website", "phone")}  # fmt: skip
_SEVERITY = {"allow": 0, "alert": 1, "report": 2, "block": 3}


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """An existing record a duplicate rule matched, and how (``fields``: those compared by
    the alternative that matched)."""

    object_type: str
    record_id: int
    name: str
    rule_id: int
    rule_name: str
    action: str
    score: float
    fields: tuple[str, ...] = ()

    def as_match(self) -> dict[str, object]:
        """The ``matches`` entry of a :class:`DuplicateRecordError` (a hidden record's id
        is None)."""
        return {"object_type": self.object_type, "record_id": self.record_id or None,
                "name": self.name, "rule": self.rule_name, "score": self.score}  # fmt: skip


@dataclass(slots=True)
class DuplicateScreen:
    """What the duplicate rules found for one record about to be saved."""

    candidates: list[DuplicateCandidate] = field(default_factory=list)
    object_type: str = ""

    @property
    def alerts(self) -> list[DuplicateCandidate]:
        """Matches the user should be told about."""
        return [c for c in self.candidates if c.action == "alert"]

    def report(self, uow: UnitOfWork, record_id: int, *, actor_id: int, now: datetime) -> None:
        """Record the matches of rules whose action is *report* (after the record is saved),
        and hand the *alert* matches to the caller's
        :func:`~opportune.services.saved_alerts.collecting_alerts`."""
        reported = [c for c in self.candidates if c.action == "report"]
        write_reports(uow, self.object_type, {record_id: reported}, actor_id=actor_id, now=now)
        offer_alerts(self.candidates)  # what the user is told after the save


def screen_duplicates(
    uow: UnitOfWork,
    object_type: str,
    values: Mapping[str, Any],
    *,
    event: str,
    exclude_id: int | None = None,
    viewer: Viewer | None = None,
) -> DuplicateScreen:
    """Check a record about to be created or edited (``event`` "create" or "edit").

    Raises :class:`~opportune.errors.DuplicateRecordError` when a rule whose action is
    *block* matches; otherwise returns what matched (alerts and reports included). A
    match ``viewer`` may not read still blocks, as "a record you cannot see" (neither its
    id nor its name is told), and is left out of the alerts.
    """
    checker = load_checker(uow, object_type, event=event)
    if not checker.rules:
        return DuplicateScreen([], object_type)
    found = checker.find([{**values, "id": exclude_id}])[0]
    blocked = [c for c in found if c.action == "block"]
    if blocked:
        seen = {id(c) for c in readable_candidates(uow, viewer, blocked)}
        shown = [c if id(c) in seen else _hidden(c) for c in blocked]
        names = ", ".join(_described(c) for c in shown[:5])
        raise DuplicateRecordError(
            f"This {object_type} looks like a duplicate of {names}",
            matches=[c.as_match() for c in shown],
        )
    readable = {id(c) for c in readable_candidates(uow, viewer, found)}
    kept = [c for c in found if id(c) in readable or c.action == "report"]
    return DuplicateScreen(kept, object_type)


HIDDEN_RECORD = "a record you cannot see"


def readable_candidates(
    uow: UnitOfWork, viewer: Viewer | None, candidates: Sequence[DuplicateCandidate]
) -> list[DuplicateCandidate]:
    """The candidates ``viewer`` may read (all of them for None)."""
    if viewer is None:
        return list(candidates)
    return [
        c
        for c in candidates
        if viewer.sees_all(c.object_type)
        or access_to(uow, viewer, c.object_type, c.record_id) >= Access.READ
    ]


def _hidden(candidate: DuplicateCandidate) -> DuplicateCandidate:
    """A match the user may not read: no id, no name."""
    return dataclasses.replace(candidate, record_id=0, name=HIDDEN_RECORD, fields=())


def _described(candidate: DuplicateCandidate) -> str:
    if candidate.name == HIDDEN_RECORD and not candidate.record_id:
        return HIDDEN_RECORD
    return f"{candidate.object_type} {candidate.record_id} ({candidate.name})"


def load_checker(
    uow: UnitOfWork, object_type: str, *, event: str = "create", with_allow: bool = False
) -> DuplicateChecker:
    """A checker for records of ``object_type`` by its active rules; rules whose action on
    ``event`` is *allow* are left out unless ``with_allow``."""
    rules = [rule_from_row(row) for row in uow.duplicates.active_rules(object_type)]
    if not with_allow:
        rules = [r for r in rules if r.action(event) != "allow"]
    return DuplicateChecker(uow, object_type, rules, event=event)


@dataclass(frozen=True, slots=True)
class Checked:
    """Records made ready for duplicate checks: each one's comparable view (the fields
    rules compare, under the names they use) and its lookup keys by key kind."""

    views: list[dict[str, Any]]
    keys: list[dict[str, str | None]]

    def __add__(self, other: Checked) -> Checked:
        return Checked(self.views + other.views, self.keys + other.keys)


def prepare_checks(
    object_type: str, records: Sequence[Mapping[str, Any]], account_names: Mapping[int, str]
) -> Checked:
    """:meth:`DuplicateChecker.prepare` given the account names contacts need (no
    database: an import runs it ahead, in its read-ahead thread)."""
    views = [comparable(object_type, r, account_names.get(r.get("account_id") or 0))
             for r in records]  # fmt: skip
    for view in views:
        view[NORMALISED] = {}  # filled as the record is compared (see matching._value)
    return Checked(views, [key_values(view) for view in views])


class DuplicateChecker:
    """Duplicate rules of one object, loaded once, applied to batches of plain records.

    Records are mappings of field values by name (lead: first_name, last_name, email,
    phone, company, title...; contact: the same with account_id or company; account: name,
    website, phone, billing_city...). An ``id`` key excludes that record itself.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        object_type: str,
        rules: Sequence[DuplicateRule],
        *,
        event: str = "create",
        cap: int = CANDIDATES_PER_KEY,
    ) -> None:
        self.uow = uow
        self.object_type = object_type
        self.rules = list(rules)
        self.event = event
        self.cap = cap
        self._last: tuple[Sequence[Mapping[str, Any]], list[dict[str, Any]],
                          list[dict[str, str | None]]] | None = None  # fmt: skip

    def find(
        self, records: Sequence[Mapping[str, Any]], checked: Checked | None = None
    ) -> list[list[DuplicateCandidate]]:
        """For each record, the existing records that match it (best first); a few
        set-based lookups for the whole batch, whatever its size. ``checked`` is what
        :meth:`prepare` made of the records, when the caller already has it."""
        views, keys = self._prepared(records, checked)
        if len(records) == 1:
            pools = self._pools_of_one(keys[0])
        else:
            pools = {kind: self._pool(kind, keys, min(self.cap, BULK_CANDIDATES_PER_KEY))
                     for kind in self._targets()}  # fmt: skip
        return [self._score(record.get("id"), view, key, pools)
                for record, view, key in zip(records, views, keys, strict=True)]  # fmt: skip

    def find_within(
        self, records: Sequence[Mapping[str, Any]], checked: Checked | None = None,
        start: int = 0,
    ) -> list[int | None]:  # fmt: skip
        """For each record from index ``start`` on, the index of the first earlier record
        of the same list that matches it (a duplicate within one file or batch), else
        ``None``; the records before ``start`` are only matched against."""
        rules = [r for r in self.rules if self.object_type in r.compare_with]
        anchors = sorted(set().union(*(r.anchors() for r in rules))) if rules else []
        seen: dict[tuple[str, str], list[int]] = defaultdict(list)
        views, all_keys = self._prepared(records, checked)
        result: list[int | None] = []
        for index, (view, keys) in enumerate(zip(views, all_keys, strict=True)):
            if index >= start:
                # Like find()'s cap: only the latest records sharing a key are compared, so
                # a key every row shares (a generated file's names) cannot make this quadratic.
                earlier = sorted({j for a in anchors if keys.get(a)
                                  for j in seen[(a, keys[a] or "")][-WITHIN_CAP:]})  # fmt: skip
                result.append(next((j for j in earlier if _matches(rules, view, views[j])), None))
            for anchor in anchors:
                if keys.get(anchor):
                    seen[(anchor, keys[anchor] or "")].append(index)
        return result

    def prepare(self, records: Sequence[Mapping[str, Any]]) -> Checked:
        """The records' comparable views and lookup keys (a contact's company is read from
        its account)."""
        names: dict[int, str] = {}
        if self.object_type == "contact":
            ids = {r["account_id"] for r in records if r.get("account_id") and not r.get("company")}
            names = self.uow.duplicates.account_names(ids)
        return prepare_checks(self.object_type, records, names)

    # --- internals ------------------------------------------------------------------------

    def _prepared(
        self, records: Sequence[Mapping[str, Any]], checked: Checked | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, str | None]]]:
        """The records' comparable views and keys; an import asks find() and find_within()
        about the same batch, so the last batch's are kept rather than computed twice."""
        if checked is not None:
            return checked.views, checked.keys
        if self._last is not None and self._last[0] is records:
            return self._last[1], self._last[2]
        checked = self.prepare(records)
        self._last = (records, checked.views, checked.keys)
        return checked.views, checked.keys

    def _targets(self) -> list[str]:
        return sorted({kind for rule in self.rules for kind in rule.compare_with})

    def _pool(self, kind: str, keys: Sequence[Mapping[str, str | None]], cap: int) -> _Pool:
        anchors = self._anchors(kind)
        pool = _Pool(kind, {})
        # A fetched lead is its own view: it needs only the fields the rules compare, and
        # its name (for lists of matches).
        fields = {"first_name", "last_name"}.union(
            *({c.field for alternative in r.rule.alternatives for c in alternative}
              for r in self.rules if kind in r.compare_with))  # fmt: skip
        for anchor in sorted(anchors):
            values = {key[anchor] for key in keys if key.get(anchor)}
            found = self.uow.duplicates.candidates(kind, anchor, values, cap, fields)  # type: ignore[arg-type]
            for row in found:
                # A candidate is compared with every record of the batch sharing its key:
                # its values are normalised once, as they are first compared.
                row[NORMALISED] = {}
                pool.by_key.setdefault((anchor, row["match_key"]), []).append(row)
        return pool

    def _pools_of_one(self, keys: Mapping[str, str | None]) -> dict[str, _Pool]:
        """The candidate pools of one record, in one statement (the screen before a save)."""
        lookups = {kind: {a: keys[a] or "" for a in self._anchors(kind) if keys.get(a)}
                   for kind in self._targets()}  # fmt: skip
        pools = {kind: _Pool(kind, {}) for kind in self._targets()}
        for row in self.uow.duplicates.candidates_of_one(lookups, self.cap):
            row["is_view"] = True
            row[NORMALISED] = {f: row[f"nk_{f}"] for f in _STORED[row["kind"]]}
            pools[row["kind"]].by_key.setdefault((row["anchor"], row["match_key"]), []).append(row)
        return pools

    def _anchors(self, kind: str) -> set[str]:
        return set().union(*(r.anchors() for r in self.rules if kind in r.compare_with))

    def _score(
        self, own_id: object, view: Mapping[str, Any], keys: Mapping[str, str | None],
        pools: Mapping[str, _Pool],
    ) -> list[DuplicateCandidate]:  # fmt: skip
        best: dict[tuple[str, int], DuplicateCandidate] = {}
        for kind, pool in pools.items():
            rules = [r for r in self.rules if kind in r.compare_with]
            for row in pool.rows_for(keys):
                if kind == self.object_type and row["id"] == own_id:
                    continue
                other = row if "is_view" in row else _view_of(kind, row)
                for rule in rules:
                    found = self._candidate(rule, kind, row, view, other)
                    if found and _better(found, best.get((kind, found.record_id))):
                        best[(kind, found.record_id)] = found
        return sorted(best.values(), key=lambda c: (-c.score, c.object_type, -c.record_id))

    def _candidate(
        self, rule: DuplicateRule, kind: str, row: Row, view: Mapping[str, Any],
        other: Mapping[str, Any],
    ) -> DuplicateCandidate | None:  # fmt: skip
        how = match(rule.rule, view, other)
        if how is None:
            return None
        return DuplicateCandidate(
            kind, row["id"], display_name(kind, other), rule.id, rule.name,
            rule.action(self.event), how.score, tuple(how.scores),
        )  # fmt: skip


@dataclass(slots=True)
class _Pool:
    """The candidates of one kind fetched for a batch, by (key kind, key value)."""

    kind: str
    by_key: dict[tuple[str, str], list[Row]]

    def rows_for(self, keys: Mapping[str, str | None]) -> list[Row]:
        rows: dict[int, Row] = {}
        for anchor, value in keys.items():
            for row in self.by_key.get((anchor, value or ""), ()):
                rows.setdefault(row["id"], row)
        return list(rows.values())


# Rows of one file sharing a key are compared with as many earlier ones as a batch's rows
# are with saved records sharing it.
WITHIN_CAP = BULK_CANDIDATES_PER_KEY


def _view_of(kind: str, row: Row) -> dict[str, Any]:
    """A fetched candidate as rules see it; kept on the row, which a batch may compare with
    several records sharing one of its keys. (Values are normalised as they are compared:
    most candidates fail on their first field.)"""
    if kind == "lead":
        return row  # a lead's columns already carry the names rules use
    view: dict[str, Any] | None = row.get("_view")
    if view is None:
        view = row["_view"] = comparable(kind, row, row.get("account_name"))
        view[NORMALISED] = {}
    return view


def _matches(
    rules: Sequence[DuplicateRule], left: Mapping[str, Any], right: Mapping[str, Any]
) -> bool:
    return any(match(rule.rule, left, right) is not None for rule in rules)


def _better(new: DuplicateCandidate, old: DuplicateCandidate | None) -> bool:
    if old is None:
        return True
    return (_SEVERITY[new.action], new.score) > (_SEVERITY[old.action], old.score)


def display_name(kind: str, view: Mapping[str, Any]) -> str:
    """How a record is named in lists of matches."""
    if kind == "account":
        return str(view.get("name") or "")
    return " ".join(str(view[k]) for k in ("first_name", "last_name") if view.get(k))


def write_reports(
    uow: UnitOfWork,
    object_type: str,
    found: Mapping[int, Sequence[DuplicateCandidate]],
    *,
    actor_id: int,
    now: datetime,
) -> int:
    """Record matches for the duplicates report (record id → its matches), skipping pairs
    already open in either direction; how many rows were written."""
    pairs: dict[tuple[str, int, str, int], DuplicateCandidate] = {}
    for record_id, candidates in found.items():
        for c in candidates:
            pair = (object_type, record_id, c.object_type, c.record_id)
            if (pair[2], pair[3], pair[0], pair[1]) not in pairs:
                pairs.setdefault(pair, c)
    fresh = set(pairs) - uow.duplicates.open_pairs(pairs)
    rows = [{"rule_id": pairs[p].rule_id, "object_type": p[0], "record_id": p[1],
             "other_type": p[2], "other_id": p[3], "score": pairs[p].score,
             "reported_at": now, "reported_by_id": actor_id} for p in sorted(fresh)]  # fmt: skip
    return uow.duplicates.add_reports(rows)
