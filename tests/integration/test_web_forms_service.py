"""Web-to-lead through the library: posts become leads, limits hold, nothing is dropped.

Every test runs on SQLite and PostgreSQL. Time is a controllable clock so that the daily
cap and the rate-limit windows can be crossed without waiting.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from opportune import Opportune, User
from opportune.db import tables as t
from opportune.domain.web_forms import SubmissionStatus, WebForm
from opportune.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ValidationError,
)
from opportune.services.uow import UnitOfWork
from tests.conftest import add_user

START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
_serial = (str(n) for n in itertools.count())


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(core: Opportune) -> Clock:
    """The web form service's clock, under the test's control."""
    controlled = Clock()
    core.web_forms.clock = controlled
    return controlled


def make_form(core: Opportune, admin: User, **settings: Any) -> WebForm:
    data: dict[str, Any] = {
        "name": "Contact us",
        "allowed_redirect_hosts": ["www.example.com"],
        "defaults": {"lead_source": "Web", "campaign": "Spring 2025"},
        "use_assignment_rule": False,
        **settings,
    }
    return core.web_forms.create(admin, data)


def post(core: Opportune, form: WebForm, ip: str = "203.0.113.7", **fields: Any) -> Any:
    """Post as a visitor; each post is a different person unless the test says otherwise."""
    person = fields.get("last_name", "Hopper").replace(" ", ".") + next(_serial)
    payload = {
        "oid": form.key,
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Navy Lab",
        "email": f"{person.lower()}@navy.example",
        **fields,
    }
    return core.web_forms.submit(form.key, payload, ip=ip)


def leads_of(core: Opportune) -> list[dict[str, Any]]:
    with core.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t.leads).order_by(t.leads.c.id))]


def statuses(core: Opportune, form: WebForm) -> list[str]:
    with core.engine.connect() as conn:
        rows = conn.execute(
            select(t.web_form_submissions.c.status)
            .where(t.web_form_submissions.c.form_id == form.id)
            .order_by(t.web_form_submissions.c.id)
        )
        return [r[0] for r in rows]


# --- posts become leads ----------------------------------------------------------------


def test_a_salesforce_style_post_becomes_a_lead_with_the_form_defaults(
    core: Opportune, admin: User, manager: User, clock: Clock
) -> None:
    form = make_form(
        core,
        admin,
        owner_id=manager.id,
        defaults={"lead_source": "Web", "campaign": "Spring 2025", "rating": "Warm"},
    )
    result = post(
        core,
        form,
        mobile="+1 555 0100",
        URL="navy.example",
        zip="20301",
        revenue="2500000",
        employees="120",
        emailOptOut="1",
        doNotCall="on",
        rating="Hot",
        industry="government",
        retURL="https://www.example.com/thanks",
        custom_field="kept in the log",
    )
    assert result.status is SubmissionStatus.CREATED
    assert result.redirect_to == "https://www.example.com/thanks"
    assert result.posted.ignored == ("custom_field",)
    [lead] = leads_of(core)
    assert (lead["first_name"], lead["last_name"], lead["company"]) == (
        "Grace",
        "Hopper",
        "Navy Lab",
    )
    assert lead["mobile_phone"] == "+1 555 0100" and lead["website"] == "navy.example"
    assert lead["postal_code"] == "20301" and lead["annual_revenue"] == Decimal("2500000")
    assert lead["number_of_employees"] == 120
    assert lead["has_opted_out_of_email"] is True and lead["do_not_call"] is True
    assert lead["rating"] == "Hot"  # posted beats the form's default
    assert lead["industry"] == "Government"
    assert lead["campaign"] == "Spring 2025"
    assert core.leads.lookups().record(core.leads.get(admin, lead["id"]))["lead_source"] == "Web"
    assert lead["owner_id"] == manager.id and lead["is_unread_by_owner"] is True
    assert lead["created_by_id"] == admin.id
    page = core.web_forms.submissions(admin, form.id or 0)
    [submission] = page.items
    assert submission.lead_id == lead["id"] and submission.ip == "203.0.113.7"
    assert submission.payload["custom_field"] == "kept in the log"
    assert submission.received_at == START


def test_an_invalid_post_is_refused_naming_the_posted_fields_and_logged_as_rejected(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin)
    with pytest.raises(ValidationError) as caught:
        post(core, form, last_name="", email="not-an-email", zip="9" * 30, rating="Lukewarm")
    fields = {e.field for e in caught.value.fields}
    assert fields == {"last_name", "email", "zip", "rating"}
    assert leads_of(core) == []
    assert statuses(core, form) == ["rejected"]
    [submission] = core.web_forms.submissions(admin, form.id or 0).items
    assert submission.error and "last_name" in submission.error


def test_unknown_and_inactive_forms_accept_nothing(core: Opportune, admin: User) -> None:
    form = make_form(core, admin)
    with pytest.raises(NotFoundError):
        core.web_forms.submit("no-such-key", {"last_name": "A", "company": "B"}, ip="1.2.3.4")
    core.web_forms.update(admin, form.id or 0, {"is_active": False})
    with pytest.raises(NotFoundError):
        post(core, form)
    assert leads_of(core) == [] and statuses(core, form) == []


def test_a_return_url_on_another_host_gives_no_redirect_but_the_lead_is_saved(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin, allowed_redirect_hosts=["www.example.com", "*.example.org"])
    assert post(core, form, retURL="https://evil.example.net/").redirect_to is None
    second = post(
        core,
        form,
        retURL="https://shop.example.org/ok",
        ip="2.2.2.2",
        last_name="Other",
        email="other@example.org",
    )
    assert second.redirect_to == "https://shop.example.org/ok"
    assert len(leads_of(core)) == 2


def test_a_filled_honeypot_is_stored_as_spam_and_makes_no_lead(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin)
    result = post(
        core, form, website_url_hp="http://buy-now.example", retURL="https://www.example.com/"
    )
    assert result.status is SubmissionStatus.SPAM
    assert result.redirect_to == "https://www.example.com/"  # answered like a success
    assert leads_of(core) == [] and statuses(core, form) == ["spam"]


# --- the daily cap and the queue -------------------------------------------------------


def test_posts_over_the_daily_cap_are_queued_and_processed_in_order_on_later_days(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin, daily_cap=2)
    for i in range(5):
        post(core, form, ip=f"198.51.100.{i}", last_name=f"Lead{i}")
        clock.advance(seconds=1)
    assert [lead["last_name"] for lead in leads_of(core)] == ["Lead0", "Lead1"]
    assert statuses(core, form) == ["created", "created", "queued", "queued", "queued"]
    assert core.web_forms.overview(admin, form.id or 0).queued == 3

    today = core.web_forms.process_queue(clock.now + timedelta(hours=1))
    assert (today.processed, today.remaining) == (0, 3)

    tomorrow = START + timedelta(days=1, minutes=5)
    run = core.web_forms.process_queue(tomorrow)
    assert (run.processed, run.by_status, run.remaining) == (2, {"created": 2}, 1)
    assert [lead["last_name"] for lead in leads_of(core)] == [f"Lead{i}" for i in range(4)]
    # A new post on a day with a backlog waits behind it, first come first served.
    clock.now = tomorrow + timedelta(minutes=1)
    assert post(core, form, last_name="Late").status is SubmissionStatus.QUEUED

    run = core.web_forms.process_queue(START + timedelta(days=2))
    assert (run.processed, run.remaining) == (2, 0)
    assert [lead["last_name"] for lead in leads_of(core)][-2:] == ["Lead4", "Late"]
    with UnitOfWork(core.engine) as uow:
        processed = [s.processed_at for s in uow.web_forms.submissions(form.id or 0)]
    assert all(when is not None for when in processed)


def test_queued_posts_of_a_deactivated_form_are_still_processed(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin, daily_cap=1)
    post(core, form)
    post(core, form, ip="9.9.9.9", last_name="Second")
    core.web_forms.update(admin, form.id or 0, {"is_active": False})
    with pytest.raises(ConflictError):
        core.web_forms.delete(admin, form.id or 0)
    run = core.web_forms.process_queue(START + timedelta(days=1))
    assert run.processed == 1 and leads_of(core)[-1]["last_name"] == "Second"
    core.web_forms.delete(admin, form.id or 0)
    assert core.web_forms.list(admin) == []


# --- rate limits -----------------------------------------------------------------------


def test_posts_per_ip_per_hour_are_limited_and_the_window_slides(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin, per_ip_per_hour=2)
    post(core, form, ip="203.0.113.1")
    clock.advance(minutes=10)
    post(core, form, ip="203.0.113.1", last_name="Again")
    clock.advance(minutes=5)
    with pytest.raises(RateLimitError) as caught:
        post(core, form, ip="203.0.113.1", last_name="Third")
    assert caught.value.retry_after == 45 * 60  # when the first post leaves the window
    post(core, form, ip="203.0.113.2", last_name="Other")  # another visitor is fine
    clock.advance(minutes=45)
    post(core, form, ip="203.0.113.1", last_name="Later")
    assert [lead["last_name"] for lead in leads_of(core)] == ["Hopper", "Again", "Other", "Later"]
    assert len(statuses(core, form)) == 4  # refused posts are not stored


def test_posts_per_form_per_minute_are_limited_whatever_the_address(
    core: Opportune, admin: User, clock: Clock
) -> None:
    form = make_form(core, admin, per_form_per_minute=2)
    other = make_form(core, admin, name="Other form")
    post(core, form, ip="10.0.0.1")
    post(core, form, ip="10.0.0.2", website_url_hp="spam")  # spam counts too
    with pytest.raises(RateLimitError) as caught:
        post(core, form, ip="10.0.0.3")
    assert caught.value.retry_after == 60
    post(core, other, ip="10.0.0.3")  # limits are per form
    clock.advance(seconds=61)
    post(core, form, ip="10.0.0.3", last_name="Next minute")
    assert len(leads_of(core)) == 3


# --- duplicates and assignment ---------------------------------------------------------


def test_a_duplicate_is_attached_to_the_existing_lead_as_a_task_for_its_owner(
    core: Opportune, admin: User, rep: User, clock: Clock
) -> None:
    existing = core.leads.create(
        rep,
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "company": "Navy Lab",
            "email": "grace@navy.example",
        },
    )
    form = make_form(core, admin, duplicate_action="attach")
    result = post(
        core,
        form,
        email="grace@navy.example",
        phone="+1 555 0199",
        description="Please call me back",
    )
    assert result.status is SubmissionStatus.ATTACHED
    assert [lead["id"] for lead in leads_of(core)] == [existing.id]
    with core.engine.connect() as conn:
        [task] = conn.execute(select(t.activities)).mappings().all()
    assert task["lead_id"] == existing.id and task["owner_id"] == rep.id
    assert task["kind"] == "task" and task["status"] == "Open"
    assert "Contact us" in task["subject"]
    assert "Please call me back" in task["description"] and "+1 555 0199" in task["description"]
    [submission] = core.web_forms.submissions(admin, form.id or 0).items
    assert submission.lead_id == existing.id and submission.status is SubmissionStatus.ATTACHED


def test_a_duplicate_can_instead_be_created_and_flagged_in_the_duplicates_report(
    core: Opportune, admin: User, rep: User, clock: Clock
) -> None:
    existing = core.leads.create(
        rep,
        {
            "first_name": "Grace",
            "last_name": "Hopper",
            "company": "Navy Lab",
            "email": "grace@navy.example",
        },
    )
    form = make_form(core, admin, duplicate_action="flag")
    result = post(core, form, email="grace@navy.example")
    assert result.status is SubmissionStatus.FLAGGED
    new = leads_of(core)[-1]
    assert new["id"] != existing.id
    with core.engine.connect() as conn:
        reports = conn.execute(select(t.duplicate_reports)).mappings().all()
    pairs = {(r["record_id"], r["other_type"], r["other_id"]) for r in reports}
    assert (new["id"], "lead", existing.id) in pairs


def test_the_active_assignment_rule_chooses_the_owner_when_the_form_uses_it(
    core: Opportune, admin: User, manager: User, rep: User, clock: Clock
) -> None:
    rule = core.assignment.create_rule(
        admin,
        {
            "name": "Countries",
            "default_owner_id": manager.id,
            "entries": [
                {
                    "criteria": [{"field": "country", "operator": "equals", "value": "France"}],
                    "assignee_type": "user",
                    "user_id": rep.id,
                }
            ],
        },
    )
    core.assignment.activate(admin, rule.id or 0)
    form = make_form(core, admin, use_assignment_rule=True, owner_id=admin.id)
    post(core, form, country="France")
    post(core, form, ip="5.5.5.5", last_name="Elsewhere", email="x@y.example", country="Peru")
    off = make_form(core, admin, name="No rule", use_assignment_rule=False, owner_id=admin.id)
    post(core, off, ip="6.6.6.6", last_name="Direct", email="d@y.example")
    owners = [(lead["last_name"], lead["owner_id"]) for lead in leads_of(core)]
    assert owners == [("Hopper", rep.id), ("Elsewhere", manager.id), ("Direct", admin.id)]


def test_leads_of_a_form_whose_owner_was_deactivated_go_to_its_creator(
    core: Opportune, admin: User, clock: Clock
) -> None:
    seller = add_user(core, "Sam Seller", "rep", admin)
    form = make_form(core, admin, owner_id=seller.id)
    core.users.update(admin, seller.id or 0, {"is_active": False})
    post(core, form)
    assert leads_of(core)[0]["owner_id"] == admin.id


# --- configuration ---------------------------------------------------------------------


def test_form_settings_are_validated_naming_each_bad_one(
    core: Opportune, admin: User, rep: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        core.web_forms.create(
            admin,
            {
                "name": "",
                "allowed_redirect_hosts": ["ok.example.com", "not a host"],
                "defaults": {"lead_source": "Carrier pigeon", "rating": "Tepid", "colour": "red"},
                "duplicate_action": "drop",
                "daily_cap": 0,
                "per_ip_per_hour": "many",
            },
        )
    fields = {e.field for e in caught.value.fields}
    assert fields == {
        "name",
        "allowed_redirect_hosts",
        "defaults.colour",
        "duplicate_action",
        "daily_cap",
        "per_ip_per_hour",
    }
    with pytest.raises(ValidationError) as caught:
        core.web_forms.create(
            admin,
            {
                "name": "X",
                "owner_id": 999999,
                "defaults": {"lead_source": "Carrier pigeon", "status": "Closed - Converted"},
            },
        )
    fields = {e.field for e in caught.value.fields}
    assert fields == {"owner_id", "defaults.lead_source", "defaults.status"}
    assert core.web_forms.list(admin) == []
    with pytest.raises(PermissionDeniedError):
        core.web_forms.create(rep, {"name": "Mine"})


def test_a_form_gets_a_random_key_that_edits_keep(core: Opportune, admin: User) -> None:
    first = make_form(core, admin, allowed_redirect_hosts=["https://WWW.Example.com/path"])
    second = make_form(core, admin, name="Second")
    assert first.key != second.key and len(first.key) >= 30
    assert first.allowed_redirect_hosts == ["www.example.com"]
    changed = core.web_forms.update(admin, first.id or 0, {"name": "Renamed", "daily_cap": 10})
    assert changed.key == first.key and changed.daily_cap == 10
    assert [o.form.name for o in core.web_forms.list(admin)] == ["Renamed", "Second"]
