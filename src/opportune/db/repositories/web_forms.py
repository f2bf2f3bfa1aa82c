"""Web forms and their submissions (rate limits and the overflow queue read them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from opportune.db import tables as t
from opportune.db.repositories._common import new_id
from opportune.domain.web_forms import (
    DuplicateHandling,
    SubmissionStatus,
    WebForm,
    WebFormSubmission,
)

FORM_COLUMNS = tuple(f.name for f in dataclasses.fields(WebForm))
SUBMISSION_COLUMNS = tuple(f.name for f in dataclasses.fields(WebFormSubmission))
# Submissions that made a lead: what the daily cap counts.
LEAD_MAKING = (SubmissionStatus.CREATED.value, SubmissionStatus.FLAGGED.value)
_subs = t.web_form_submissions


class WebFormRepository:
    """Web forms and their submissions (rate limits and the overflow queue read them)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- forms ---------------------------------------------------------------------------

    def get(self, form_id: int, *, lock: bool = False) -> WebForm | None:
        """The form with this id; with ``lock``, held against other posts until commit."""
        stmt = select(t.web_forms).where(t.web_forms.c.id == form_id)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return _form(row._mapping) if row else None

    def get_by_key(self, key: str, *, lock: bool = False) -> WebForm | None:
        """The form whose public key (``oid``) this is; ``lock`` as in :meth:`get`.

        Locking the form row serialises its posts on PostgreSQL, so rate limits and the
        daily cap are counted exactly (SQLite writers are serialised anyway).
        """
        stmt = select(t.web_forms).where(t.web_forms.c.key == key)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return _form(row._mapping) if row else None

    def all(self) -> list[WebForm]:
        """Every form, by name."""
        rows = self.conn.execute(select(t.web_forms).order_by(t.web_forms.c.name, t.web_forms.c.id))
        return [_form(r._mapping) for r in rows]

    def active_hosts(self) -> set[str]:
        """The redirect hosts of every active form (for CORS preflights)."""
        stmt = select(t.web_forms.c.allowed_redirect_hosts).where(t.web_forms.c.is_active)
        return {host for (hosts,) in self.conn.execute(stmt) for host in hosts or ()}

    def add(self, form: WebForm) -> int:
        """Insert a form and return its id."""
        return new_id(self.conn.execute(insert(t.web_forms).values(_form_values(form))))

    def update(self, form: WebForm) -> None:
        """Save every column of a form."""
        values = _form_values(form)
        self.conn.execute(update(t.web_forms).where(t.web_forms.c.id == form.id).values(values))

    def delete(self, form_id: int) -> None:
        """Delete a form and (by cascade) its submissions."""
        self.conn.execute(delete(_subs).where(_subs.c.form_id == form_id))
        self.conn.execute(delete(t.web_forms).where(t.web_forms.c.id == form_id))

    # --- submissions ---------------------------------------------------------------------

    def add_submission(self, submission: WebFormSubmission) -> int:
        """Insert a submission and return its id."""
        values = _submission_values(submission)
        return new_id(self.conn.execute(insert(_subs).values(values)))

    def update_submission(self, submission: WebFormSubmission) -> None:
        """Save what became of a submission."""
        values = {
            "status": submission.status.value,
            "lead_id": submission.lead_id,
            "error": submission.error,
            "processed_at": submission.processed_at,
        }
        self.conn.execute(update(_subs).where(_subs.c.id == submission.id).values(values))

    def get_submission(self, submission_id: int) -> WebFormSubmission | None:
        """One submission."""
        row = self.conn.execute(select(_subs).where(_subs.c.id == submission_id)).first()
        return _submission(row._mapping) if row else None

    def recent(
        self, form_id: int, since: datetime, *, ip: str | None = None
    ) -> tuple[int, datetime | None]:
        """How many posts the form (from ``ip``, if given) received after ``since``; the oldest."""
        stmt = select(func.count(), func.min(_subs.c.received_at)).where(
            _subs.c.form_id == form_id, _subs.c.received_at > since
        )
        if ip is not None:
            stmt = stmt.where(_subs.c.ip == ip)
        count, oldest = self.conn.execute(stmt).one()
        return int(count), oldest

    def leads_made(self, form_id: int, start: datetime, end: datetime) -> int:
        """How many leads the form made in [start, end) (what the daily cap counts)."""
        stmt = select(func.count()).where(
            _subs.c.form_id == form_id,
            _subs.c.status.in_(LEAD_MAKING),
            _subs.c.processed_at >= start,
            _subs.c.processed_at < end,
        )
        return int(self.conn.execute(stmt).scalar_one())

    def queued(self, form_id: int, limit: int) -> list[WebFormSubmission]:
        """The form's oldest queued submissions, first come first served."""
        stmt = (
            select(_subs)
            .where(_subs.c.status == SubmissionStatus.QUEUED.value, _subs.c.form_id == form_id)
            .order_by(_subs.c.id)
            .limit(limit)
        )
        return [_submission(r._mapping) for r in self.conn.execute(stmt)]

    def queue_sizes(self) -> dict[int, int]:
        """Queued submissions per form id (forms with none are left out)."""
        stmt = (
            select(_subs.c.form_id, func.count())
            .where(_subs.c.status == SubmissionStatus.QUEUED.value)
            .group_by(_subs.c.form_id)
        )
        return {int(form_id): int(count) for form_id, count in self.conn.execute(stmt)}

    def status_counts(self, form_id: int) -> dict[str, int]:
        """How many of the form's submissions are in each status."""
        stmt = (
            select(_subs.c.status, func.count())
            .where(_subs.c.form_id == form_id)
            .group_by(_subs.c.status)
        )
        return {str(status): int(count) for status, count in self.conn.execute(stmt)}

    def submissions(
        self,
        form_id: int,
        *,
        statuses: Sequence[str] = (),
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[WebFormSubmission]:
        """The form's submissions, newest first, optionally only some statuses."""
        stmt = select(_subs).where(_subs.c.form_id == form_id)
        if statuses:
            stmt = stmt.where(_subs.c.status.in_(list(statuses)))
        if before_id is not None:
            stmt = stmt.where(_subs.c.id < before_id)
        stmt = stmt.order_by(_subs.c.id.desc()).limit(limit)
        return [_submission(r._mapping) for r in self.conn.execute(stmt)]

    def count_submissions(self, form_id: int, statuses: Sequence[str] = ()) -> int:
        """How many submissions the form has (in these statuses)."""
        stmt = select(func.count()).where(_subs.c.form_id == form_id)
        if statuses:
            stmt = stmt.where(_subs.c.status.in_(list(statuses)))
        return int(self.conn.execute(stmt).scalar_one())


def _form(row: RowMapping) -> WebForm:
    values = {name: row[name] for name in FORM_COLUMNS}
    values["duplicate_action"] = DuplicateHandling(values["duplicate_action"])
    values["defaults"] = dict(values["defaults"] or {})
    values["allowed_redirect_hosts"] = list(values["allowed_redirect_hosts"] or [])
    return WebForm(**values)


def _form_values(form: WebForm) -> dict[str, Any]:
    values = {name: getattr(form, name) for name in FORM_COLUMNS if name != "id"}
    values["duplicate_action"] = form.duplicate_action.value
    return values


def _submission(row: RowMapping) -> WebFormSubmission:
    values = {name: row[name] for name in SUBMISSION_COLUMNS}
    values["status"] = SubmissionStatus(values["status"])
    values["payload"] = dict(values["payload"] or {})
    return WebFormSubmission(**values)


def _submission_values(submission: WebFormSubmission) -> dict[str, Any]:
    values = {name: getattr(submission, name) for name in SUBMISSION_COLUMNS if name != "id"}
    values["status"] = submission.status.value
    return values
