"""The web-to-lead library API: admin configuration, public posts, and the overflow queue."""

from __future__ import annotations

import builtins
import dataclasses
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Engine

from opportune.domain.leads import new_lead
from opportune.domain.users import User
from opportune.domain.web_form_snippet import DEFAULT_SNIPPET_FIELDS, snippet_html
from opportune.domain.web_forms import (
    DEFAULT_FIELDS,
    PostedLead,
    SubmissionStatus,
    WebForm,
    WebFormSubmission,
    form_config_fields,
    host_allowed,
    is_spam,
    map_posted_fields,
    redirect_target,
)
from opportune.errors import (
    ConflictError,
    FieldError,
    NotFoundError,
    RateLimitError,
    ValidationError,
)
from opportune.services.audit_trail import setting_changed
from opportune.services.clock import Clock
from opportune.services.permissions import require_admin
from opportune.services.picklists import load_lead_picklists
from opportune.services.uow import UnitOfWork
from opportune.services.web_forms.intake import build_lead, process
from opportune.settings import Settings

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
QUEUE_BATCH = 100
PAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """What the public endpoint tells the visitor (spam looks like any success)."""

    submission_id: int
    status: SubmissionStatus
    redirect_to: str | None
    posted: PostedLead


@dataclass(frozen=True, slots=True)
class FormOverview:
    """A form with its numbers: queued posts, leads made today, posts per status."""

    form: WebForm
    queued: int
    leads_today: int
    status_counts: dict[str, int] = field(default_factory=dict)
    owner_name: str | None = None


@dataclass(frozen=True, slots=True)
class SubmissionPage:
    """A page of a form's submissions, newest first."""

    items: list[WebFormSubmission]
    next_cursor: str | None
    total: int


@dataclass(slots=True)
class QueueRun:
    """What one run of :meth:`WebFormService.process_queue` did."""

    processed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    remaining: int = 0


class WebFormService:
    """Web-to-lead forms: admin configuration, public posts, limits and the overflow queue."""

    def __init__(self, engine: Engine, clock: Clock, settings: Settings) -> None:
        self.engine = engine
        self.clock = clock
        self.settings = settings

    # --- configuration (administrators) --------------------------------------------------

    def create(self, actor: User | None, data: Mapping[str, object]) -> WebForm:
        """Create a form with a new random public key (its ``oid``)."""
        require_admin(actor)
        values, errors = form_config_fields(data, creating=True)
        now = self.clock()
        with UnitOfWork(self.engine, write=True) as uow:
            _check_references(uow, values, errors)
            creator = actor.id if actor is not None and actor.id else _first_admin(uow)
            form = WebForm(key=secrets.token_urlsafe(24), name=str(values.pop("name")),
                           created_by_id=creator, created_at=now, updated_at=now)  # fmt: skip
            _apply(form, values)
            form.id = uow.web_forms.add(form)
            setting_changed(uow, actor, now, "web_form", None, form)
            uow.commit()
        return form

    def update(self, actor: User | None, form_id: int, data: Mapping[str, object]) -> WebForm:
        """Change the settings given; the key stays (pasted snippets keep working)."""
        require_admin(actor)
        values, errors = form_config_fields(data, creating=False)
        with UnitOfWork(self.engine, write=True) as uow:
            form = _get(uow, form_id)
            before = dataclasses.replace(form)
            _check_references(uow, values, errors)
            _apply(form, values)
            form.updated_at = self.clock()
            uow.web_forms.update(form)
            setting_changed(uow, actor, form.updated_at, "web_form", before, form)
            uow.commit()
        return form

    def delete(self, actor: User | None, form_id: int) -> None:
        """Delete a form and its submission log; refused while posts are queued."""
        require_admin(actor)
        with UnitOfWork(self.engine, write=True) as uow:
            before = _get(uow, form_id)
            queued = uow.web_forms.count_submissions(form_id, [SubmissionStatus.QUEUED.value])
            if queued:
                raise ConflictError(
                    f"{queued} post(s) to this form are queued: process them first "
                    "(or deactivate the form instead of deleting it)"
                )
            uow.web_forms.delete(form_id)
            setting_changed(uow, actor, self.clock(), "web_form", before, None)
            uow.commit()

    def get(self, actor: User | None, form_id: int) -> WebForm:
        """The form with this id."""
        require_admin(actor)
        with UnitOfWork(self.engine) as uow:
            return _get(uow, form_id)

    def get_by_key(self, actor: User | None, key: str) -> WebForm:
        """The form whose public key this is."""
        require_admin(actor)
        with UnitOfWork(self.engine) as uow:
            form = uow.web_forms.get_by_key(key)
        if form is None:
            raise NotFoundError(f"No web form has the key {key!r}")
        return form

    def list(self, actor: User | None) -> builtins.list[FormOverview]:
        """Every form with its queue size and today's lead count, by name."""
        require_admin(actor)
        start, end = utc_day(self.clock())
        with UnitOfWork(self.engine) as uow:
            queued = uow.web_forms.queue_sizes()
            names = {u.id: u.name for u in uow.users.all()}
            forms = uow.web_forms.all()
            made = {f.id: uow.web_forms.leads_made(f.id or 0, start, end) for f in forms}
        return [
            FormOverview(f, queued.get(f.id or 0, 0), made[f.id], owner_name=names.get(f.owner_id))
            for f in forms
        ]

    def overview(self, actor: User | None, form_id: int) -> FormOverview:
        """One form with its numbers."""
        require_admin(actor)
        start, end = utc_day(self.clock())
        with UnitOfWork(self.engine) as uow:
            form = _get(uow, form_id)
            counts = uow.web_forms.status_counts(form_id)
            owner = uow.users.get(form.owner_id) if form.owner_id else None
            return FormOverview(
                form, counts.get(SubmissionStatus.QUEUED.value, 0),
                uow.web_forms.leads_made(form_id, start, end), counts,
                owner.name if owner else None,
            )  # fmt: skip

    def submissions(
        self,
        actor: User | None,
        form_id: int,
        *,
        statuses: Sequence[str] = (),
        cursor: str | None = None,
        limit: int = 50,
    ) -> SubmissionPage:
        """A page of the form's submissions, newest first; ``cursor`` continues a page."""
        require_admin(actor)
        statuses = _statuses(statuses)
        before = _cursor(cursor)
        limit = max(1, min(limit, PAGE_MAX))
        with UnitOfWork(self.engine) as uow:
            _get(uow, form_id)
            rows = uow.web_forms.submissions(
                form_id, statuses=statuses, before_id=before, limit=limit + 1
            )
            total = uow.web_forms.count_submissions(form_id, statuses)
        more = len(rows) > limit
        items = rows[:limit]
        return SubmissionPage(items, str(items[-1].id) if more and items else None, total)

    def snippet(
        self,
        actor: User | None,
        form_id: int,
        *,
        base_url: str,
        fields: Sequence[str] = DEFAULT_SNIPPET_FIELDS,
        return_url: str | None = None,
    ) -> str:
        """The HTML ``<form>`` to paste into a website, posting to ``base_url``/web-to-lead.

        ``return_url`` must be on one of the form's redirect hosts (else the visitor would
        get the thank-you page, which is surely not what the admin meant).
        """
        require_admin(actor)
        with UnitOfWork(self.engine) as uow:
            form = _get(uow, form_id)
            sources = [v.label for v in load_lead_picklists(uow).sources if v.is_active]
        if return_url and redirect_target(return_url, form.allowed_redirect_hosts) is None:
            raise ValidationError.single(
                "return_url", "INVALID_FIELD",
                "Must be an http(s) address on one of the form's redirect hosts "
                f"({', '.join(form.allowed_redirect_hosts) or 'none yet'})",
            )  # fmt: skip
        base = (self.settings.public_url or base_url).rstrip("/")
        try:
            return snippet_html(
                action=f"{base}/web-to-lead", key=form.key, form_name=form.name,
                fields=fields, return_url=return_url or None, lead_sources=sources,
            )  # fmt: skip
        except ValueError as exc:
            raise ValidationError.single("fields", "INVALID_FIELD", str(exc)) from exc

    # --- public posts --------------------------------------------------------------------

    def submit(self, key: str, payload: Mapping[str, object], *, ip: str) -> SubmissionResult:
        """Receive one post to the form whose key is ``key`` (no user: it is public).

        Raises NotFoundError (no active form), RateLimitError (too many posts from this
        IP this hour, or to this form this minute) and ValidationError (bad fields; the post
        is still logged as *rejected*). A filled honeypot is logged as *spam* and answered
        like a success. Over the daily cap, the post is *queued* for :meth:`process_queue`.
        """
        now = self.clock()
        data = {str(k): v for k, v in payload.items()}
        with UnitOfWork(self.engine, write=True) as uow:
            form = uow.web_forms.get_by_key(key, lock=True) if key else None
            if form is None or not form.is_active or form.id is None:
                raise NotFoundError("No active web form has this oid")
            _check_rates(uow, form, ip, now)
            submission = WebFormSubmission(form.id, now, ip[:45], data, SubmissionStatus.QUEUED)
            error = self._receive(uow, form, submission, now)
            submission.id = uow.web_forms.add_submission(submission)
            uow.commit()
        if error is not None:
            raise error
        return SubmissionResult(
            submission.id,
            submission.status,
            redirect_target(data.get("retURL"), form.allowed_redirect_hosts),
            map_posted_fields(data, form.defaults),
        )

    def _receive(
        self, uow: UnitOfWork, form: WebForm, submission: WebFormSubmission, now: datetime
    ) -> ValidationError | None:
        """Decide what becomes of a post; return the error to show for an invalid one."""
        if is_spam(submission.payload):
            submission.status, submission.processed_at = SubmissionStatus.SPAM, now
            return None
        try:
            build_lead(uow, form, submission.payload, now)
        except ValidationError as exc:
            submission.status, submission.processed_at = SubmissionStatus.REJECTED, now
            submission.error = exc.message
            return exc
        assert form.id is not None
        backlog = uow.web_forms.queued(form.id, 1)
        if backlog or _room(uow, form, now) <= 0:
            return None  # stays queued, behind the earlier ones
        process(uow, form, submission, now)
        return None

    def allowed_origin(self, origin: str) -> bool:
        """True when a browser page at ``origin`` may post JSON here (CORS): its host is a
        redirect host of an active form."""
        host = redirect_host_of(origin)
        if host is None:
            return False
        with UnitOfWork(self.engine) as uow:
            return host_allowed(host, uow.web_forms.active_hosts())

    def origin_allowed_for(self, key: str, origin: str) -> bool:
        """True when ``origin`` is on one of the redirect hosts of the form with ``key``."""
        host = redirect_host_of(origin)
        with UnitOfWork(self.engine) as uow:
            form = uow.web_forms.get_by_key(key) if host else None
        return bool(form and host and host_allowed(host, form.allowed_redirect_hosts))

    # --- the overflow queue --------------------------------------------------------------

    def process_queue(self, now: datetime | None = None) -> QueueRun:
        """Process queued posts, oldest first, of every form with room today under its cap.

        Safe to run at any time and from several places (the server's thread, cron): each
        batch locks its form. Queued posts of a deactivated form are processed too: they
        were accepted when it was active.
        """
        now = now or self.clock()
        run = QueueRun()
        with UnitOfWork(self.engine) as uow:
            form_ids = sorted(uow.web_forms.queue_sizes())
        for form_id in form_ids:
            # One short transaction per batch; go on while the form has room and posts wait.
            more = True
            while more:
                more = self._process_batch(form_id, now, run)
        with UnitOfWork(self.engine) as uow:
            run.remaining = sum(uow.web_forms.queue_sizes().values())
        return run

    def _process_batch(self, form_id: int, now: datetime, run: QueueRun) -> bool:
        """Process one batch of a form's queue; True when there may be more to do now."""
        with UnitOfWork(self.engine, write=True) as uow:
            form = uow.web_forms.get(form_id, lock=True)
            room = _room(uow, form, now) if form else 0
            if form is None or room <= 0:
                return False
            batch = uow.web_forms.queued(form_id, min(room, QUEUE_BATCH))
            for submission in batch:
                process(uow, form, submission, now)
                uow.web_forms.update_submission(submission)
                run.processed += 1
                status = submission.status.value
                run.by_status[status] = run.by_status.get(status, 0) + 1
            uow.commit()
        return len(batch) == min(room, QUEUE_BATCH) and len(batch) > 0


def utc_day(now: datetime) -> tuple[datetime, datetime]:
    """The start and end of the UTC day ``now`` is in (the daily cap's day)."""
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def redirect_host_of(origin: str) -> str | None:
    """The host of an ``Origin`` header value, if it is an http(s) origin."""
    try:
        parts = urlsplit(origin)
        host = parts.hostname
    except ValueError:
        return None
    return host if parts.scheme in ("http", "https") and host else None


def _room(uow: UnitOfWork, form: WebForm, now: datetime) -> int:
    assert form.id is not None
    start, end = utc_day(now)
    return form.daily_cap - uow.web_forms.leads_made(form.id, start, end)


def _check_rates(uow: UnitOfWork, form: WebForm, ip: str, now: datetime) -> None:
    """Refuse a post over the form's per-IP hourly or per-form per-minute limit."""
    assert form.id is not None
    for limit, window, ip_only, what in (
        (form.per_ip_per_hour, HOUR, ip, "posts from your address this hour"),
        (form.per_form_per_minute, MINUTE, None, "posts to this form this minute"),
    ):
        count, oldest = uow.web_forms.recent(form.id, now - window, ip=ip_only)
        if count >= limit:
            wait = (oldest + window - now).total_seconds() if oldest else window.total_seconds()
            raise RateLimitError(
                f"Too many {what} ({limit} allowed): please try again later",
                retry_after=max(1, math.ceil(wait)),
            )


def _get(uow: UnitOfWork, form_id: int) -> WebForm:
    form = uow.web_forms.get(form_id)
    if form is None:
        raise NotFoundError.for_record("Web form", form_id)
    return form


def _first_admin(uow: UnitOfWork) -> int:
    admins = sorted(u.id for u in uow.users.all() if u.is_admin and u.is_active and u.id)
    if not admins:
        raise ConflictError("Create an administrator first: web forms belong to one")
    return admins[0]


def _check_references(
    uow: UnitOfWork, values: dict[str, object], errors: builtins.list[FieldError]
) -> None:
    """Add errors for an owner who is no active user and default labels not in the lists;
    raise every error found so far, format and reference alike."""
    owner_id = values.get("owner_id")
    if isinstance(owner_id, int) and owner_id not in uow.users.existing_active_ids([owner_id]):
        errors.append(
            FieldError(
                "owner_id", "INVALID_CROSS_REFERENCE_KEY", f"No active user with id {owner_id}"
            )
        )
    defaults = values.get("defaults")
    if isinstance(defaults, dict):
        errors.extend(_default_errors(uow, defaults))
    if errors:
        raise ValidationError(errors)


def _apply(form: WebForm, values: dict[str, object]) -> None:
    for name, value in values.items():
        setattr(form, name, value)


def _default_errors(uow: UnitOfWork, defaults: dict[str, str]) -> builtins.list[FieldError]:
    """Check default labels against the picklists, as a lead with them would be checked."""
    sample = {**defaults, "last_name": "x", "company": "x", "close_reason": None}
    try:
        new_lead(sample, picklists=load_lead_picklists(uow), actor_id=1, now=datetime.now(UTC))
    except ValidationError as exc:
        where = {"close_reason": "status"}
        return [
            FieldError(f"defaults.{where.get(e.field, e.field)}", e.code, e.message)
            for e in exc.fields
            if where.get(e.field, e.field) in DEFAULT_FIELDS
        ]
    return []


def _statuses(statuses: Sequence[str]) -> builtins.list[str]:
    valid = {s.value for s in SubmissionStatus}
    bad = [s for s in statuses if s not in valid]
    if bad:
        raise ValidationError.single(
            "status",
            "INVALID_FIELD",
            f"Unknown status {bad[0]!r}: one of {', '.join(sorted(valid))}",
        )
    return list(statuses)


def _cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not (cursor.isascii() and cursor.isdecimal()) or len(cursor) > 10:
        raise ValidationError.single(
            "cursor", "INVALID_CURSOR", "Not a cursor from a previous page"
        )
    return int(cursor)
