"""The pipeline board through the service layer (``OpportunityService.board``), on every engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opportune import Opportune, Opportunity, User, ValidationError
from opportune.services.opportunities import Board, OpportunityFilters

OPEN_STAGES = [
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition",
    "Id. Decision Makers", "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review",
]  # fmt: skip


@pytest.fixture
def account(core: Opportune, rep: User) -> int:
    created = core.accounts.create(rep, {"name": "Northwind"})
    assert created.id is not None
    return created.id


def make(core: Opportune, owner: User, account: int, name: str, **data: object) -> Opportunity:
    values: dict[str, object] = {"name": name, "account_id": account,
                                 "close_date": "2026-06-30", **data}  # fmt: skip
    return core.opportunities.create(owner, values)


def column_names(board: Board, label: str) -> list[str]:
    column = next(c for c in board.columns if c.stage.label == label)
    return [opp.name for opp in column.page.items]


def totals_of(board: Board, label: str) -> tuple[int, Decimal, Decimal]:
    column = next(c for c in board.columns if c.stage.label == label)
    return column.totals.count, column.totals.amount, column.totals.expected_revenue


def test_the_board_has_every_open_stage_and_the_won_and_lost_zones_with_their_totals(
    core: Opportune, rep: User, account: int
) -> None:
    make(core, rep, account, "A", stage="Prospecting", amount="1000")
    make(core, rep, account, "B", stage="Prospecting", amount="333.33")
    make(core, rep, account, "C", stage="Prospecting")  # no amount: counted, adds nothing
    make(core, rep, account, "D", stage="Negotiation/Review", amount="2000", probability=45)
    make(core, rep, account, "Won", stage="Closed Won", amount="5000")
    make(core, rep, account, "Lost 1", stage="Closed Lost", amount="700", lost_reason="Price")
    make(core, rep, account, "Lost 2", stage="Closed Lost", amount="300", lost_reason="Timing")

    board = core.opportunities.board(rep)

    assert [c.stage.label for c in board.columns] == OPEN_STAGES
    assert totals_of(board, "Prospecting") == (3, Decimal("1333.33"), Decimal("133.33"))
    assert totals_of(board, "Negotiation/Review") == (1, Decimal("2000.00"), Decimal("900.00"))
    assert totals_of(board, "Qualification") == (0, Decimal("0.00"), Decimal("0.00"))
    assert column_names(board, "Qualification") == []
    assert (board.won.stage.label, board.won.totals.count, board.won.totals.amount) == (
        "Closed Won", 1, Decimal("5000.00"),
    )  # fmt: skip
    assert (board.lost.stage.label, board.lost.totals.count, board.lost.totals.amount) == (
        "Closed Lost", 2, Decimal("1000.00"),
    )  # fmt: skip
    assert board.lost.totals.expected_revenue == Decimal("0.00")
    # The one grouped query agrees with the per-column totals the API serves.
    for column in board.columns:
        assert core.opportunities.board_column(rep, column.stage.id).totals == column.totals


def test_cards_come_by_close_date_then_creation_with_their_account_names(
    core: Opportune, rep: User, account: int
) -> None:
    other = core.accounts.create(rep, {"name": "Contoso"}).id
    assert other is not None
    make(core, rep, account, "Late", close_date="2026-09-01")
    make(core, rep, other, "Tie first", close_date="2026-05-01")
    make(core, rep, account, "Early", close_date="2026-03-15")
    make(core, rep, other, "Tie second", close_date="2026-05-01")

    board = core.opportunities.board(rep)

    assert column_names(board, "Prospecting") == ["Early", "Tie first", "Tie second", "Late"]
    column = board.columns[0]
    assert {column.account_names[o.account_id] for o in column.page.items} == {
        "Northwind", "Contoso",
    }  # fmt: skip
    assert board.lookups.pipeline.stage(column.stage.id).label == "Prospecting"


def test_owner_and_close_period_filters_narrow_columns_and_zones_alike(
    core: Opportune, manager: User, rep: User, account: int
) -> None:
    # Opportunities public read-only, so the rep's board shows the manager's cards too.
    core.sharing.set_org_default(None, "opportunity", "read")
    make(core, rep, account, "Rep March", close_date="2026-03-10", amount="100")
    make(core, rep, account, "Rep June", close_date="2026-06-10", amount="200")
    make(core, manager, account, "Manager March", close_date="2026-03-20", amount="400")
    make(core, rep, account, "Rep won March", close_date="2026-03-25", amount="800",
         stage="Closed Won")  # fmt: skip
    make(core, manager, account, "Manager won June", close_date="2026-06-25", amount="1600",
         stage="Closed Won")  # fmt: skip
    march = {"close_from": date(2026, 3, 1), "close_to": date(2026, 3, 31)}

    mine = core.opportunities.board(rep, OpportunityFilters(owner=["me"]))
    assert column_names(mine, "Prospecting") == ["Rep March", "Rep June"]
    assert (mine.won.totals.count, mine.won.totals.amount) == (1, Decimal("800.00"))

    in_march = core.opportunities.board(rep, OpportunityFilters(**march))  # type: ignore[arg-type]
    assert column_names(in_march, "Prospecting") == ["Rep March", "Manager March"]
    assert totals_of(in_march, "Prospecting")[:2] == (2, Decimal("500.00"))
    assert in_march.won.totals.count == 1

    theirs = core.opportunities.board(
        rep,
        OpportunityFilters(owner=[str(manager.id)], **march),  # type: ignore[arg-type]
    )
    assert column_names(theirs, "Prospecting") == ["Manager March"]
    assert theirs.won.totals.count == 0


def test_a_column_pages_on_from_the_boards_cursor_and_totals_stay_whole(
    core: Opportune, rep: User, account: int
) -> None:
    for day in range(1, 8):
        make(core, rep, account, f"Deal {day}", stage="Needs Analysis", amount="10",
             close_date=date(2026, 4, day))  # fmt: skip

    board = core.opportunities.board(rep, per_column=3)
    column = next(c for c in board.columns if c.stage.label == "Needs Analysis")
    assert [o.name for o in column.page.items] == ["Deal 1", "Deal 2", "Deal 3"]
    assert (column.totals.count, column.totals.amount) == (7, Decimal("70.00"))
    seen = [o.name for o in column.page.items]
    cursor = column.page.next_cursor
    while cursor:
        more = core.opportunities.board_column(rep, column.stage.id, cursor=cursor, limit=3)
        seen += [o.name for o in more.page.items]
        assert more.account_names == {account: "Northwind"}
        cursor = more.page.next_cursor
    assert seen == [f"Deal {day}" for day in range(1, 8)]
    first_stage = board.columns[0]
    assert first_stage.page.items == [] and first_stage.page.next_cursor is None


def test_inactive_stages_leave_the_board_but_keep_their_opportunities(
    core: Opportune, admin: User, rep: User, account: int
) -> None:
    parked = make(core, rep, account, "Parked", stage="Qualification", amount="50")
    stage = next(s for s in core.pipeline.stages() if s.label == "Qualification")
    core.pipeline.save_stage(admin, {"is_active": False}, stage.id)

    board = core.opportunities.board(rep)

    assert "Qualification" not in [c.stage.label for c in board.columns]
    assert len(board.columns) == len(OPEN_STAGES) - 1
    assert board.column(stage.id) is None
    assert core.opportunities.get(rep, parked.id or 0).stage_id == stage.id


def test_totals_alone_read_no_cards_and_bad_input_names_the_field(
    core: Opportune, rep: User, account: int
) -> None:
    make(core, rep, account, "Only", amount="10")
    board = core.opportunities.board(rep, per_column=0)
    assert board.columns[0].totals.count == 1
    assert board.columns[0].page.items == []

    with pytest.raises(ValidationError) as exc:
        core.opportunities.board(rep, per_column=-1)
    assert [f.field for f in exc.value.fields] == ["per_column"]
    with pytest.raises(ValidationError) as exc:
        core.opportunities.board(
            rep, OpportunityFilters(owner=["ghost@example.com"], close_from=date(2026, 5, 1),
                                    close_to=date(2026, 4, 1)),
        )  # fmt: skip
    assert {f.field for f in exc.value.fields} == {"owner", "close_to"}
