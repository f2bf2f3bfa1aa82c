"""Hand-built leads and opportunities for the list filters report click-throughs use.

Shared by the library, API, web and CLI tests of those filters so that each interface is
checked against the same records. Moments the application sets itself (when a lead was
last touched, when an opportunity was created or entered its stage) are written straight
into the database, since no use case can backdate them.

Leads, by when each was last touched relative to the start of ``today``'s UTC day
(``untouched_days=30`` keeps those touched before the start of today - 30):

=========  ======================  ================================  ===========
name       updated_at              last_activity_at                  converted
=========  ======================  ================================  ===========
Stale      1 s before today-30     -                                 no
Edge       exactly today-30        -                                 no
Called     today-73                today-23                          no
Quiet      today-73                12 h before today-30              no
Closed     today-64 (closed, not converted)  -                       no
Won        today-69                -                                 yes
Recent     today-5                 -                                 yes
Gone       today-90, merged into Stale (never listed)                yes
=========  ======================  ================================  ===========

Opportunities (account "Acme"; "stay" is when the current stay in the stage began):

=======  ====================  ================  =========  ==========  ===========  ===========
name     stage                 lead source       forecast   lost        created      stay
=======  ====================  ================  =========  ==========  ===========  ===========
Alpha    Prospecting           Web               Pipeline   -           01-10 09:00  01-10 09:00
Bravo    Negotiation/Review    Partner Referral  Commit     -           01-31 23:59  02-28 23:59
Charlie  Proposal/Price Quote  Web               Best Case  -           02-01 00:00  03-01 00:00
Delta    Closed Lost           Web               Omitted    Price       02-15 12:00  03-05 08:00
Echo     Closed Lost           -                 Omitted    Competitor  03-02 08:00  03-10 08:00
Foxtrot  Closed Won            Phone Inquiry     Closed     -           02-20 12:00  03-12 08:00
=======  ====================  ================  =========  ==========  ===========  ===========

Bravo's two moments are at 23:59:59, one second before the next day begins.

(All in 2026, UTC; every one closes on 2026-06-30 with an amount of 1000.)

Charlie also spent 2026-02-01 to 2026-03-01 in Prospecting: an ended stay, which the
``stage_entered_to`` filter must ignore.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, insert, update

from opportune import Opportune, User
from opportune.db import tables as t

Stay = tuple[str, datetime, datetime | None]


def utc(text: str) -> datetime:
    """A UTC moment from ISO text without an offset."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day_start(today: date, days_ago: int) -> datetime:
    """The start (UTC) of the day ``days_ago`` days before ``today``."""
    return datetime.combine(today - timedelta(days=days_ago), time.min, tzinfo=UTC)


def set_columns(core: Opportune, table: Any, row_id: int, **values: Any) -> None:
    """Write columns the application keeps itself (moments, flags) directly."""
    with core.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == row_id).values(**values))


def add_lead(
    core: Opportune,
    owner: User,
    name: str,
    *,
    updated: datetime,
    activity: datetime | None = None,
    converted: bool = False,
    closed: bool = False,
) -> int:
    """A lead last updated at ``updated`` (and last worked on at ``activity``)."""
    data = {"last_name": name, "company": f"{name} Ltd"}
    if closed:
        data |= {"status": "Closed - Not Converted", "close_reason": "No need"}
    lead = core.leads.create(owner, data, assign=False)
    assert lead.id is not None
    values: dict[str, Any] = {"updated_at": updated, "last_activity_at": activity}
    if converted:
        statuses = core.picklists.lead_picklists().statuses
        status = next(s for s in statuses if s.is_converted)
        values |= {"is_converted": True, "status_id": status.id}
    set_columns(core, t.leads, lead.id, **values)
    return lead.id


def lead_set(core: Opportune, owner: User, today: date) -> dict[str, int]:
    """The leads of the module docstring, by name."""
    edge = day_start(today, 30)
    ids = {
        "Stale": add_lead(core, owner, "Stale", updated=edge - timedelta(seconds=1)),
        "Edge": add_lead(core, owner, "Edge", updated=edge),
        "Called": add_lead(core, owner, "Called", updated=day_start(today, 73),
                           activity=day_start(today, 23)),
        "Quiet": add_lead(core, owner, "Quiet", updated=day_start(today, 73),
                          activity=edge - timedelta(hours=12)),
        "Closed": add_lead(core, owner, "Closed", updated=day_start(today, 64), closed=True),
        "Won": add_lead(core, owner, "Won", updated=day_start(today, 69), converted=True),
        "Recent": add_lead(core, owner, "Recent", updated=day_start(today, 5), converted=True),
        "Gone": add_lead(core, owner, "Gone", updated=day_start(today, 90), converted=True),
    }  # fmt: skip
    set_columns(core, t.leads, ids["Gone"], merged_into_id=ids["Stale"])
    return ids


def set_stays(core: Opportune, opportunity_id: int, stays: Sequence[Stay]) -> None:
    """Replace the opportunity's stays in stages (stage label, entered, left or None)."""
    stage_ids = {s.label: s.id for s in core.pipeline.stages()}
    p = t.opportunity_stage_periods
    with core.engine.begin() as conn:
        conn.execute(delete(p).where(p.c.opportunity_id == opportunity_id))
        for label, entered, left in stays:
            days = None if left is None else (left - entered).total_seconds() / 86400
            conn.execute(insert(p).values(
                opportunity_id=opportunity_id, stage_id=stage_ids[label],
                is_closed_stage=label.startswith("Closed"), entered_at=entered, left_at=left,
                days=days,
            ))  # fmt: skip


def add_opportunity(
    core: Opportune,
    owner: User,
    account_id: int,
    name: str,
    *,
    created: datetime,
    stays: Sequence[Stay],
    **fields: str,
) -> int:
    """An opportunity created at ``created`` whose last stay is in its current stage."""
    data = {"name": name, "account_id": account_id, "close_date": "2026-06-30", "amount": "1000",
            "stage": stays[-1][0], **fields}  # fmt: skip
    opp = core.opportunities.create(owner, data)
    assert opp.id is not None
    set_columns(core, t.opportunities, opp.id, created_at=created)
    set_stays(core, opp.id, stays)
    return opp.id


def opportunity_set(core: Opportune, owner: User) -> dict[str, int]:
    """The opportunities of the module docstring, by name."""
    account = core.accounts.create(owner, {"name": "Acme"})
    assert account.id is not None

    def add(name: str, created: str, stays: Sequence[tuple[str, str]], **fields: str) -> int:
        ends = [utc(entered) for _, entered in stays[1:]] + [None]
        built = [
            (label, utc(entered), end) for (label, entered), end in zip(stays, ends, strict=True)
        ]
        return add_opportunity(core, owner, account.id or 0, name, created=utc(created),
                               stays=built, **fields)  # fmt: skip

    return {
        "Alpha": add("Alpha", "2026-01-10T09:00", [("Prospecting", "2026-01-10T09:00")],
                     lead_source="Web"),
        "Bravo": add("Bravo", "2026-01-31T23:59:59",
                     [("Prospecting", "2026-01-31T23:59:59"),
                      ("Negotiation/Review", "2026-02-28T23:59:59")],
                     lead_source="Partner Referral", forecast_category="Commit"),
        "Charlie": add("Charlie", "2026-02-01T00:00",
                       [("Prospecting", "2026-02-01T00:00"),
                        ("Proposal/Price Quote", "2026-03-01T00:00")],
                       lead_source="Web", forecast_category="Best Case"),
        "Delta": add("Delta", "2026-02-15T12:00",
                     [("Prospecting", "2026-02-15T12:00"), ("Closed Lost", "2026-03-05T08:00")],
                     lead_source="Web", lost_reason="Price"),
        "Echo": add("Echo", "2026-03-02T08:00",
                    [("Prospecting", "2026-03-02T08:00"), ("Closed Lost", "2026-03-10T08:00")],
                    lost_reason="Competitor"),
        "Foxtrot": add("Foxtrot", "2026-02-20T12:00",
                       [("Prospecting", "2026-02-20T12:00"), ("Closed Won", "2026-03-12T08:00")],
                       lead_source="Phone Inquiry"),
    }  # fmt: skip
