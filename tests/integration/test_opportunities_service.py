"""Opportunity use cases through the service layer, on every database engine."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from opportune import (
    NotFoundError,
    Opportune,
    PermissionDeniedError,
    StaleRecordError,
    User,
    ValidationError,
)
from opportune.db import tables as t
from opportune.domain.opportunities import Opportunity
from opportune.services.opportunities import OpportunityFilters, OpportunityService

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _stamps(owner: User) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"owner_id": owner.id, "created_at": now, "created_by_id": owner.id,
            "updated_at": now, "updated_by_id": owner.id}  # fmt: skip


def add_account(core: Opportune, owner: User, name: str = "Acme") -> int:
    with core.engine.begin() as conn:
        result = conn.execute(insert(t.accounts).values(name=name, **_stamps(owner)))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_contact(core: Opportune, owner: User, account_id: int | None, name: str = "Ng") -> int:
    with core.engine.begin() as conn:
        values = {"last_name": name, "account_id": account_id, **_stamps(owner)}
        result = conn.execute(insert(t.contacts).values(values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def counts(core: Opportune) -> tuple[int, ...]:
    """Rows of every table an opportunity use case writes."""
    tables = (t.opportunities, t.opportunity_history, t.field_history, t.opportunity_contact_roles)
    with core.engine.connect() as conn:
        return tuple(
            int(conn.execute(select(func.count()).select_from(tbl)).scalar_one()) for tbl in tables
        )


def stage_id(core: Opportune, label: str) -> int:
    return next(s.id for s in core.pipeline.stages() if s.label == label)


def reason_id(core: Opportune, label: str) -> int:
    return next(r.id for r in core.pipeline.lost_reasons() if r.label == label)


@pytest.fixture
def account(core: Opportune, rep: User) -> int:
    return add_account(core, rep)


def make(core: Opportune, actor: User, account: int, **data: object) -> Opportunity:
    values: dict[str, object] = {"name": "Deal", "account_id": account,
                                 "close_date": "2026-06-30", **data}  # fmt: skip
    return core.opportunities.create(actor, values)


def oid(opp: Opportunity) -> int:
    assert opp.id is not None
    return opp.id


# --- create, get, bad input ------------------------------------------------------------------


def test_a_new_opportunity_takes_the_first_stages_defaults(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account, amount="12,500")
    stored = core.opportunities.get(rep, oid(opp))
    assert stored.stage_id == stage_id(core, "Prospecting")
    assert (stored.probability, stored.forecast_category) == (10, "Pipeline")
    assert (stored.is_closed, stored.is_won, stored.owner_id) == (False, False, rep.id)
    assert (stored.currency_code, stored.close_date, stored.version) == (
        "USD", date(2026, 6, 30), 1,
    )  # fmt: skip
    assert stored.expected_revenue == Decimal("1250.00")
    [snapshot] = core.opportunities.stage_history(rep, oid(opp))
    assert (snapshot.stage_id, snapshot.amount, snapshot.expected_revenue) == (
        stored.stage_id, Decimal("12500.00"), Decimal("1250.00"),
    )  # fmt: skip
    assert snapshot.changed_by_id == rep.id and not snapshot.is_closed


def test_every_field_is_stored_and_shown_with_labels(
    core: Opportune, admin: User, rep: User, account: int
) -> None:
    data: dict[str, object] = {
        "name": "Acme renewal", "account_id": account, "close_date": date(2026, 9, 1),
        "stage": "negotiation/review", "amount": "80000", "probability": 85,
        "forecast_category": "Commit", "type": "Existing Business", "next_step": "Send quote",
        "lead_source": "Web", "description": "Three-year term.", "owner_id": rep.id,
        "currency_code": "usd",
    }  # fmt: skip
    opp = core.opportunities.create(admin, data)
    record = core.opportunities.lookups().record(core.opportunities.get(admin, oid(opp)))
    assert {k: record[k] for k in ("stage", "lead_source", "owner_name", "forecast_category")} == {
        "stage": "Negotiation/Review", "lead_source": "Web", "owner_name": rep.name,
        "forecast_category": "Commit",
    }  # fmt: skip
    assert (record["amount"], record["probability"], record["expected_revenue"]) == (
        "80000.00", 85, "68000.00",
    )  # fmt: skip
    assert (record["type"], record["next_step"], record["lost_reason"]) == (
        "Existing Business", "Send quote", None,
    )  # fmt: skip


def test_bad_input_is_refused_naming_every_field_and_nothing_is_saved(
    core: Opportune, rep: User, account: int
) -> None:
    with pytest.raises(ValidationError) as exc:
        make(core, rep, account, stage="Nope", close_date="soon", amount="-5", probability=101)
    assert {f.field for f in exc.value.fields} == {"stage", "close_date", "amount", "probability"}
    with pytest.raises(ValidationError) as exc:
        make(core, rep, account, currency_code="EUR", is_won=True)
    assert {f.field for f in exc.value.fields} == {"currency_code", "is_won"}
    assert counts(core) == (0, 0, 0, 0)


def test_an_unknown_account_or_owner_is_refused(core: Opportune, rep: User, account: int) -> None:
    for field, data in (("account_id", {"account_id": 9999}), ("owner_id", {"owner_id": 9999})):
        with pytest.raises(ValidationError) as exc:
            make(core, rep, account, **data)
        assert (exc.value.fields[0].field, exc.value.fields[0].code) == (
            field, "INVALID_CROSS_REFERENCE_KEY",
        )  # fmt: skip
    opp = make(core, rep, account)
    with pytest.raises(ValidationError) as exc:
        core.opportunities.update(rep, oid(opp), {"account_id": 9999, "name": "Renamed"})
    assert exc.value.fields[0].code == "INVALID_CROSS_REFERENCE_KEY"
    assert counts(core) == (1, 1, 0, 0)
    assert core.opportunities.get(rep, oid(opp)).name == "Deal"


def test_a_missing_opportunity_is_not_found_for_every_use_case(core: Opportune, rep: User) -> None:
    service = core.opportunities
    calls = (
        lambda: service.get(rep, 404),
        lambda: service.update(rep, 404, {"stage": "Closed Won"}),
        lambda: service.delete(rep, 404),
        lambda: service.history(rep, 404),
        lambda: service.stage_history(rep, 404),
        lambda: service.contact_roles(rep, 404),
        lambda: service.add_contact_role(rep, 404, {"contact_id": 1}),
    )
    for call in calls:
        with pytest.raises(NotFoundError):
            call()


# --- stage moves ------------------------------------------------------------------------------


def test_a_stage_move_takes_the_stages_probability_forecast_and_state(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account, amount="1000")
    moved = core.opportunities.update(rep, oid(opp), {"stage": "Negotiation/Review"})
    assert (moved.probability, moved.forecast_category, moved.is_closed) == (90, "Pipeline", False)
    won = core.opportunities.update(rep, oid(opp), {"stage": "Closed Won"})
    stored = core.opportunities.get(rep, oid(opp))
    assert stored == won
    assert (stored.probability, stored.forecast_category) == (100, "Closed")
    assert (stored.is_closed, stored.is_won, stored.expected_revenue) == (
        True, True, Decimal("1000.00"),
    )  # fmt: skip


def test_probability_and_forecast_can_be_overridden_but_closed_and_won_cannot(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account)
    moved = core.opportunities.update(
        rep,
        oid(opp),
        {"stage": "Value Proposition", "probability": 35, "forecast_category": "commit"},
    )
    assert (moved.probability, moved.forecast_category) == (35, "Commit")
    kept = core.opportunities.update(rep, oid(opp), {"name": "Bigger deal"})
    assert (kept.probability, kept.forecast_category) == (35, "Commit")
    with pytest.raises(ValidationError) as exc:
        core.opportunities.update(rep, oid(opp), {"is_closed": True, "is_won": True})
    assert {f.code for f in exc.value.fields} == {"INVALID_FIELD_FOR_INSERT_UPDATE"}
    assert core.opportunities.get(rep, oid(opp)).is_closed is False


def test_an_inactive_stage_cannot_be_chosen_but_an_opportunity_on_it_keeps_it(
    core: Opportune, admin: User, rep: User, account: int
) -> None:
    there = make(core, rep, account, stage="Perception Analysis")
    elsewhere = make(core, rep, account)
    core.pipeline.save_stage(admin, {"is_active": False}, stage_id(core, "Perception Analysis"))
    with pytest.raises(ValidationError) as exc:
        core.opportunities.update(rep, oid(elsewhere), {"stage": "Perception Analysis"})
    assert exc.value.fields[0].field == "stage"
    with pytest.raises(ValidationError):
        make(core, rep, account, stage="Perception Analysis")
    renamed = core.opportunities.update(
        rep, oid(there), {"name": "Still here", "stage": "Perception Analysis"}
    )
    assert renamed.stage_id == stage_id(core, "Perception Analysis")
    assert core.opportunities.get(rep, oid(elsewhere)).stage_id == stage_id(core, "Prospecting")


def test_closing_as_lost_needs_a_reason_from_the_list(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account)
    before = counts(core)
    for data in ({"stage": "Closed Lost"}, {"stage": "Closed Lost", "lost_reason": "Bored"}):
        with pytest.raises(ValidationError) as exc:
            core.opportunities.update(rep, oid(opp), data)
        assert exc.value.fields[0].field == "lost_reason"
    assert counts(core) == before
    lost = core.opportunities.update(
        rep, oid(opp), {"stage": "Closed Lost", "lost_reason": "price"}
    )
    assert (lost.is_closed, lost.is_won, lost.probability) == (True, False, 0)
    assert lost.lost_reason_id == reason_id(core, "Price")
    assert core.opportunities.lookups().record(lost)["lost_reason"] == "Price"


def test_a_reopen_shows_in_field_history_and_stage_history(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account)
    core.opportunities.update(rep, oid(opp), {"stage": "Closed Lost", "lost_reason": "Timing"})
    reopened = core.opportunities.update(rep, oid(opp), {"stage": "Qualification"})
    assert (reopened.is_closed, reopened.lost_reason_id, reopened.probability) == (False, None, 10)
    changes = {
        (c.field, c.old_value, c.new_value) for c in core.opportunities.history(rep, oid(opp))
    }
    assert ("is_closed", "true", "false") in changes
    assert ("lost_reason_id", str(reason_id(core, "Timing")), None) in changes
    snapshots = core.opportunities.stage_history(rep, oid(opp))
    assert [s.is_closed for s in snapshots] == [False, True, False]
    assert snapshots[-1].stage_id == stage_id(core, "Qualification")


# --- history and metrics ----------------------------------------------------------------------


def test_a_snapshot_is_written_exactly_when_a_tracked_value_changes(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account, amount="100")
    steps: list[tuple[dict[str, object], bool]] = [
        ({"next_step": "Call back", "description": "Warm"}, False),
        ({"amount": "150"}, True),
        ({"amount": "150.00"}, False),
        ({"close_date": "2026-07-31"}, True),
        ({"probability": 25}, True),
        ({"forecast_category": "Best Case"}, True),
        ({"stage": "Qualification"}, True),
        ({"type": "New Business"}, False),
        ({}, False),
    ]
    expected = 1
    for data, writes in steps:
        core.opportunities.update(rep, oid(opp), data)
        expected += writes
        assert len(core.opportunities.stage_history(rep, oid(opp))) == expected, data
    last = core.opportunities.stage_history(rep, oid(opp))[-1]
    assert (last.amount, last.probability, last.forecast_category) == (
        Decimal("150.00"), 10, "Pipeline",
    )  # fmt: skip
    assert core.opportunities.get(rep, oid(opp)).version == 8


def test_field_history_records_each_changed_field_with_who_and_when(
    core: Opportune, manager: User, rep: User, account: int
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the manager edits it too
    clock = Clock()
    service = OpportunityService(core.engine, clock)
    opp = service.create(rep, {"name": "Deal", "account_id": account, "close_date": "2026-06-30"})
    clock.advance(hours=1)
    service.update(manager, oid(opp), {"name": "Big deal", "amount": "5000"})
    changes = service.history(rep, oid(opp))
    assert {(c.field, c.old_value, c.new_value) for c in changes} == {
        ("name", "Deal", "Big deal"), ("amount", None, "5000.00"),
    }  # fmt: skip
    assert {(c.changed_by_id, c.changed_at) for c in changes} == {(manager.id, clock.now)}


def test_time_in_stage_stage_age_days_to_close_and_pushes_over_several_moves(
    core: Opportune, rep: User, account: int
) -> None:
    clock = Clock()
    service = OpportunityService(core.engine, clock)
    opp = service.create(rep, {"name": "Deal", "account_id": account, "close_date": "2026-06-30"})
    clock.advance(days=2)
    service.update(rep, oid(opp), {"stage": "Needs Analysis", "close_date": "2026-07-31"})
    clock.advance(days=1)
    service.update(rep, oid(opp), {"amount": "900", "close_date": "2026-07-15"})
    clock.advance(days=3)
    service.update(rep, oid(opp), {"stage": "Prospecting", "close_date": "2026-08-31"})
    clock.advance(hours=12)
    prospecting, analysis = stage_id(core, "Prospecting"), stage_id(core, "Needs Analysis")
    open_metrics = service.metrics(rep, oid(opp))
    assert open_metrics.time_in_stages == {
        prospecting: timedelta(days=2, hours=12), analysis: timedelta(days=4),
    }  # fmt: skip
    assert open_metrics.stage_age == timedelta(hours=12)
    assert (open_metrics.days_to_close, open_metrics.close_date_pushes) == (None, 2)
    clock.advance(days=1)
    service.update(rep, oid(opp), {"stage": "Closed Won"})
    later = clock.now + timedelta(days=10)
    closed = service.metrics(rep, oid(opp), later)
    assert closed.days_to_close == 7
    assert closed.stage_age == timedelta(days=10)
    assert closed.time_in_stages[prospecting] == timedelta(days=3, hours=12)


# --- concurrency and deletion -------------------------------------------------------------------


def test_of_two_people_moving_the_same_opportunity_the_later_one_gets_a_conflict(
    core: Opportune, manager: User, rep: User, account: int
) -> None:
    core.users.update(None, rep.id or 0, {"manager_id": manager.id})  # the manager edits it too
    opp = make(core, rep, account)
    read_by_both = core.opportunities.get(rep, oid(opp)).version
    core.opportunities.update(
        rep, oid(opp), {"stage": "Qualification"}, expected_version=read_by_both
    )
    before = counts(core)
    for stale in (read_by_both, read_by_both + 5):
        with pytest.raises(StaleRecordError) as exc:
            core.opportunities.update(
                manager, oid(opp), {"stage": "Closed Won"}, expected_version=stale
            )
        assert exc.value.code == "STALE_RECORD"
    stored = core.opportunities.get(rep, oid(opp))
    assert (stored.stage_id, stored.version) == (stage_id(core, "Qualification"), 2)
    assert counts(core) == before


def test_a_rep_deletes_own_opportunities_and_their_history_goes_with_them(
    core: Opportune, manager: User, rep: User, account: int
) -> None:
    # Opportunities open to all for read and write: the rep may edit the manager's
    # opportunity, and the delete rule alone still refuses the rep.
    core.sharing.set_org_default(None, "opportunity", "read_write")
    mine = make(core, rep, account)
    theirs = make(core, manager, account)
    core.opportunities.add_contact_role(
        rep, oid(mine), {"contact_id": add_contact(core, rep, account)}
    )
    with pytest.raises(PermissionDeniedError):
        core.opportunities.delete(rep, oid(theirs))
    core.opportunities.delete(rep, oid(mine))
    assert counts(core) == (1, 1, 0, 0)
    core.opportunities.delete(manager, oid(theirs))
    assert counts(core) == (0, 0, 0, 0)
    with pytest.raises(NotFoundError):
        core.opportunities.update(rep, oid(mine), {"stage": "Closed Won"})


# --- contact roles --------------------------------------------------------------------------------


def test_contact_roles_follow_the_rules_and_failures_change_nothing(
    core: Opportune, rep: User, account: int
) -> None:
    opp = make(core, rep, account)
    ann, bob = add_contact(core, rep, account, "Ann"), add_contact(core, rep, account, "Bob")
    outsider = add_contact(core, rep, add_account(core, rep, "Other Co"), "Out")
    service = core.opportunities
    first = service.add_contact_role(
        rep, oid(opp), {"contact_id": ann, "role": "decision maker", "is_primary": True}
    )
    assert (first.role, first.is_primary) == ("Decision Maker", True)
    service.add_contact_role(rep, oid(opp), {"contact_id": ann, "role": "Economic Buyer"})
    before = counts(core)
    refused: list[tuple[dict[str, object], str, str]] = [
        ({"contact_id": 9999}, "contact_id", "INVALID_CROSS_REFERENCE_KEY"),
        ({"contact_id": outsider}, "contact_id", "INVALID_CROSS_REFERENCE_KEY"),
        ({"contact_id": bob, "is_primary": True}, "is_primary", "DUPLICATE_VALUE"),
        ({"contact_id": ann, "role": "Decision Maker"}, "role", "DUPLICATE_VALUE"),
        ({"contact_id": bob, "role": "Boss"}, "role", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ]
    for data, field, code in refused:
        with pytest.raises(ValidationError) as exc:
            service.add_contact_role(rep, oid(opp), data)
        assert (exc.value.fields[0].field, exc.value.fields[0].code) == (field, code), data
    assert counts(core) == before
    partner = service.add_contact_role(
        rep, oid(opp), {"contact_id": outsider, "role": "Influencer"}, allow_other_accounts=True
    )
    assert [r.contact_id for r in service.contact_roles(rep, oid(opp))] == [ann, ann, outsider]
    assert partner.id is not None and first.id is not None
    with pytest.raises(ValidationError):
        service.update_contact_role(rep, oid(opp), partner.id, {"is_primary": True})
    service.update_contact_role(rep, oid(opp), first.id, {"is_primary": False})
    promoted = service.update_contact_role(
        rep, oid(opp), partner.id, {"is_primary": True, "role": "Evaluator"}
    )
    assert (promoted.role, promoted.is_primary) == ("Evaluator", True)
    service.remove_contact_role(rep, oid(opp), first.id)
    roles = service.contact_roles(rep, oid(opp))
    assert [(r.contact_id, r.role, r.is_primary) for r in roles] == [
        (outsider, "Evaluator", True), (ann, "Economic Buyer", False),
    ]  # fmt: skip
    with pytest.raises(NotFoundError):
        service.remove_contact_role(rep, oid(opp), first.id)


# --- lists and the board ----------------------------------------------------------------------


def names(core: Opportune, actor: User, **filters: object) -> list[str]:
    page = core.opportunities.list(actor, OpportunityFilters(**filters)).page  # type: ignore[arg-type]
    return [opp.name for opp in page.items]


def test_list_filters_by_stage_owner_account_state_close_period_and_name(
    core: Opportune, manager: User, rep: User, account: int
) -> None:
    # Opportunities public read-only, so the rep's list shows the manager's too.
    core.sharing.set_org_default(None, "opportunity", "read")
    other = add_account(core, rep, "Other Co")
    make(core, rep, account, name="Alpha renewal", close_date="2026-04-10")
    make(core, rep, other, name="Beta upsell", close_date="2026-05-10", stage="Qualification")
    make(core, manager, account, name="Gamma 50% deal", close_date="2026-06-10",
         stage="Closed Won")  # fmt: skip
    make(core, manager, other, name="Delta", close_date="2026-07-10", stage="Closed Lost",
         lost_reason="Price")  # fmt: skip
    assert names(core, rep) == ["Alpha renewal", "Beta upsell", "Gamma 50% deal", "Delta"]
    assert names(core, rep, stage=["prospecting, Qualification"]) == [
        "Alpha renewal",
        "Beta upsell",
    ]
    assert names(core, rep, owner=["me"]) == ["Alpha renewal", "Beta upsell"]
    assert names(core, rep, owner=[manager.email], account=[other]) == ["Delta"]
    assert names(core, rep, state="open") == ["Alpha renewal", "Beta upsell"]
    assert names(core, rep, state="closed") == ["Gamma 50% deal", "Delta"]
    assert names(core, rep, state="WON") == ["Gamma 50% deal"]
    assert names(core, rep, state="lost") == ["Delta"]
    assert names(core, rep, close_from=date(2026, 5, 10), close_to=date(2026, 6, 10)) == [
        "Beta upsell", "Gamma 50% deal",
    ]  # fmt: skip
    assert names(core, rep, q="RENEW") == ["Alpha renewal"]
    assert names(core, rep, q="50%") == ["Gamma 50% deal"]
    assert names(core, rep, sort="-close_date", limit=1) == ["Delta"]
    page = core.opportunities.list(rep, OpportunityFilters(state="open", with_total=True)).page
    assert page.total == 2


def test_bad_list_filters_are_refused_naming_each_filter(core: Opportune, rep: User) -> None:
    with pytest.raises(ValidationError) as exc:
        core.opportunities.list(
            rep,
            OpportunityFilters(
                stage=["Nope"], owner=["ghost@example.com"], account=["x"], state="maybe",
                sort="-colour", limit=0, close_from=date(2026, 2, 1), close_to=date(2026, 1, 1),
                cursor="garbage",
            ),
        )  # fmt: skip
    assert {f.field for f in exc.value.fields} == {
        "stage", "owner", "account", "state", "sort", "limit", "close_to", "cursor",
    }  # fmt: skip


@pytest.mark.parametrize("sort", ["close_date", "-close_date", "amount", "-amount"])
def test_keyset_pages_cover_every_opportunity_once_forwards_and_backwards(
    core: Opportune, rep: User, account: int, sort: str
) -> None:
    for i in range(17):
        # Equal close dates and amounts in groups, some amounts missing: ties need the id.
        amount = None if i % 5 == 0 else f"{(i % 4) * 250}.50"
        make(core, rep, account, name=f"O{i}", close_date=date(2026, 1, 1 + i // 3),
             amount=amount)  # fmt: skip
    everything = core.opportunities.list(rep, OpportunityFilters(sort=sort, limit=100)).page.items
    pages: list[list[int | None]] = []
    cursor = None
    while True:
        page = core.opportunities.list(
            rep, OpportunityFilters(sort=sort, limit=4, cursor=cursor)
        ).page
        pages.append([opp.id for opp in page.items])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [i for p in pages for i in p] == [opp.id for opp in everything]
    assert len(everything) == 17
    field = sort.lstrip("-")
    keys = [(getattr(o, field) or Decimal(-1), o.id or 0) for o in everything]
    assert keys == sorted(keys, reverse=sort.startswith("-"))
    back: list[list[int | None]] = []
    prev = page.prev_cursor
    while prev is not None:
        earlier = core.opportunities.list(rep, OpportunityFilters(sort=sort, limit=4, cursor=prev))
        back.insert(0, [opp.id for opp in earlier.page.items])
        prev = earlier.page.prev_cursor
    assert back == pages[:-1]


def test_a_board_column_pages_its_cards_and_totals_the_whole_column(
    core: Opportune, manager: User, rep: User, account: int
) -> None:
    # Opportunities public read-only, so the rep's board shows the manager's cards too.
    core.sharing.set_org_default(None, "opportunity", "read")
    amounts = ["1000.00", "2500.50", None, "333.33", "10.00"]
    for i, amount in enumerate(amounts):
        owner = rep if i % 2 == 0 else manager
        make(core, owner, account, name=f"Q{i}", stage="Needs Analysis", amount=amount,
             close_date=date(2026, 5, 5 - i), owner_id=owner.id)  # fmt: skip
    make(core, rep, account, name="Elsewhere", amount="999", stage="Qualification")
    overridden = make(core, rep, account, name="Q-override", stage="Needs Analysis",
                      amount="100", probability=55, close_date="2026-05-20")  # fmt: skip
    column_stage = stage_id(core, "Needs Analysis")
    column = core.opportunities.board_column(rep, column_stage, limit=2)
    assert column.stage.label == "Needs Analysis"
    assert [o.name for o in column.page.items] == ["Q4", "Q3"]
    everything = core.opportunities.list(
        rep, OpportunityFilters(stage=["Needs Analysis"], limit=100)
    ).page.items
    assert column.totals.count == 6 == len(everything)
    assert column.totals.amount == Decimal("3943.83")
    assert column.totals.expected_revenue == sum(
        (o.expected_revenue or Decimal(0) for o in everything), Decimal(0)
    )
    assert column.totals.expected_revenue == Decimal("823.77")
    assert overridden.expected_revenue == Decimal("55.00")
    second = core.opportunities.board_column(rep, column_stage, cursor=column.page.next_cursor,
                                             limit=2)  # fmt: skip
    assert [o.name for o in second.page.items] == ["Q2", "Q1"]
    mine = core.opportunities.board_column(
        rep, column_stage, OpportunityFilters(owner=["me"], close_to=date(2026, 5, 4))
    )
    assert [o.name for o in mine.page.items] == ["Q4", "Q2"]
    assert (mine.totals.count, mine.totals.amount) == (2, Decimal("10.00"))
    empty = core.opportunities.board_column(rep, stage_id(core, "Closed Won"))
    assert (empty.totals.count, empty.totals.amount, empty.totals.expected_revenue) == (
        0, Decimal("0.00"), Decimal("0.00"),
    )  # fmt: skip
    with pytest.raises(NotFoundError):
        core.opportunities.board_column(rep, 999)


def test_an_opportunity_with_activities_goes_to_the_recycle_bin_with_them(
    core: Opportune, rep: User
) -> None:
    account = core.accounts.create(rep, {"name": "Acme"})
    opp = core.opportunities.create(
        rep, {"name": "Deal", "account_id": account.id, "close_date": "2027-01-31"}
    )
    task = core.activities.create(
        rep, {"kind": "task", "subject": "Send quote", "opportunity_id": opp.id}
    )
    core.opportunities.delete(rep, opp.id)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        core.opportunities.get(rep, opp.id)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        core.activities.get(rep, task.id)  # type: ignore[arg-type]
    entry = core.recycle_bin.find(rep, "opportunity", opp.id)  # type: ignore[arg-type]
    assert (entry.name, entry.related_count >= 1) == ("Deal", True)
