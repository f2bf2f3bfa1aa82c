"""Record-level access through the record services, on both databases."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from opportune import Opportune, User
from opportune.db.tables import audit_log
from opportune.domain.sharing import Access
from opportune.errors import NotFoundError, PermissionDeniedError, ValidationError
from opportune.services.filters import LeadFilters
from tests.conftest import add_user


@dataclass
class Team:
    """An admin; a manager with two reps below; a rep in another team."""

    admin: User
    boss: User
    ann: User
    bob: User
    outsider: User


@pytest.fixture
def team(core: Opportune) -> Team:
    admin = add_user(core, "Ada Admin", "admin")
    boss = add_user(core, "Max Manager", "manager")
    ann, bob, outsider = (add_user(core, n, "rep") for n in ("Ann Rep", "Bob Rep", "Oli Rep"))
    for user in (ann, bob):
        core.users.update(admin, user.id or 0, {"manager_id": boss.id})
    return Team(admin, boss, core.users.get(ann.id or 0), core.users.get(bob.id or 0), outsider)


def lead_of(core: Opportune, owner: User, name: str = "Ng") -> int:
    lead = core.leads.create(owner, {"last_name": name, "company": f"{name} Ltd"})
    assert lead.id is not None
    return lead.id


def listed(core: Opportune, user: User) -> set[int]:
    page = core.leads.list(user, LeadFilters(with_total=True, limit=100))
    assert page.page.total == len(page.page.items)
    return {lead.id for lead in page.page.items if lead.id}


def test_a_private_lead_is_hidden_from_other_reps_everywhere(core: Opportune, team: Team) -> None:
    lead_id = lead_of(core, team.ann)
    for call in (core.leads.get, core.leads.history):
        with pytest.raises(NotFoundError, match=f"Lead {lead_id} does not exist"):
            call(team.outsider, lead_id)
    with pytest.raises(NotFoundError):
        core.leads.update(team.outsider, lead_id, {"rating": "Hot"})
    with pytest.raises(NotFoundError):
        core.leads.delete(team.outsider, lead_id)
    assert lead_id not in listed(core, team.outsider)
    assert core.leads.get(team.ann, lead_id).rating is None  # nothing changed


def test_managers_see_and_edit_what_their_reports_own_recursively(
    core: Opportune, team: Team
) -> None:
    top = add_user(core, "Vi President", "manager")
    core.users.update(team.admin, team.boss.id or 0, {"manager_id": top.id})
    lead_id = lead_of(core, team.bob)
    for viewer in (team.boss, top, team.admin):
        assert lead_id in listed(core, viewer)
        core.leads.update(viewer, lead_id, {"rating": "Warm"})
    assert lead_id not in listed(core, team.ann)  # a peer is not above Bob


def test_a_reporting_line_that_loops_is_refused(core: Opportune, team: Team) -> None:
    with pytest.raises(ValidationError) as caught:
        core.users.update(team.admin, team.boss.id or 0, {"manager_id": team.ann.id})
    assert caught.value.fields[0].field == "manager_id"
    assert core.users.get(team.boss.id or 0).manager_id is None


def test_public_read_only_accounts_are_readable_but_edits_are_refused(
    core: Opportune, team: Team
) -> None:
    account = core.accounts.create(team.ann, {"name": "Acme"})
    assert account.id is not None
    assert core.accounts.get(team.outsider, account.id).name == "Acme"
    with pytest.raises(PermissionDeniedError):
        core.accounts.update(team.outsider, account.id, {"name": "Hijacked"})
    assert core.accounts.get(team.ann, account.id).name == "Acme"


def test_an_admin_changes_the_org_wide_default(core: Opportune, team: Team) -> None:
    lead_id = lead_of(core, team.ann)
    with pytest.raises(PermissionDeniedError):
        core.sharing.set_org_default(team.boss, "lead", "read")
    core.sharing.set_org_default(team.admin, "lead", "read")
    assert core.leads.get(team.outsider, lead_id).id == lead_id
    with pytest.raises(PermissionDeniedError):
        core.leads.update(team.outsider, lead_id, {"rating": "Hot"})
    core.sharing.set_org_default(team.admin, "lead", "read_write")
    assert core.leads.update(team.outsider, lead_id, {"rating": "Hot"}).rating == "Hot"
    assert core.sharing.org_defaults()["lead"].value == "read_write"


def test_sharing_a_record_with_a_user_grants_the_chosen_access(core: Opportune, team: Team) -> None:
    opp_account = core.accounts.create(team.ann, {"name": "Acme"})
    opp = core.opportunities.create(
        team.ann, {"name": "Deal", "account_id": opp_account.id, "close_date": "2027-01-31"}
    )
    assert opp.id is not None
    with pytest.raises(NotFoundError):
        core.sharing.share(team.outsider, "opportunity", opp.id, access="edit",
                           user_id=team.outsider.id)  # fmt: skip
    share = core.sharing.share(team.ann, "opportunity", opp.id, access="read",
                               user_id=team.outsider.id)  # fmt: skip
    assert core.opportunities.get(team.outsider, opp.id).name == "Deal"
    assert core.sharing.access(team.outsider, "opportunity", opp.id) is Access.READ
    with pytest.raises(PermissionDeniedError):
        core.opportunities.update(team.outsider, opp.id, {"name": "Mine now"})
    with pytest.raises(PermissionDeniedError):  # a reader cannot share it on
        core.sharing.share(team.outsider, "opportunity", opp.id, access="read", user_id=team.bob.id)
    core.sharing.unshare(team.ann, share.id)
    with pytest.raises(NotFoundError):
        core.opportunities.get(team.outsider, opp.id)


def test_a_queue_share_reaches_its_members(core: Opportune, team: Team) -> None:
    queue = core.assignment.create_queue(team.admin, "Inbound")
    core.assignment.add_queue_member(team.admin, queue.id, team.outsider.id or 0)
    lead_id = lead_of(core, team.ann)
    core.sharing.share(team.ann, "lead", lead_id, access="edit", queue_id=queue.id)
    assert core.leads.update(team.outsider, lead_id, {"rating": "Cold"}).rating == "Cold"
    assert [s.grantee for s in core.sharing.shares(team.ann, "lead", lead_id)] == ["Queue: Inbound"]


def test_a_share_names_exactly_one_existing_grantee(core: Opportune, team: Team) -> None:
    lead_id = lead_of(core, team.ann)
    with pytest.raises(ValidationError) as caught:
        core.sharing.share(team.ann, "lead", lead_id, access="read")
    assert caught.value.fields[0].field == "user_id"
    with pytest.raises(ValidationError) as caught:
        core.sharing.share(team.ann, "lead", lead_id, access="read", user_id=999_999)
    assert caught.value.fields[0].field == "user_id"
    with pytest.raises(ValidationError) as caught:
        core.sharing.share(team.ann, "lead", lead_id, access="own", user_id=team.bob.id)
    assert caught.value.fields[0].field == "access"
    assert core.sharing.shares(team.ann, "lead", lead_id) == []


def test_sharing_changes_are_audited(core: Opportune, team: Team) -> None:
    lead_id = lead_of(core, team.ann)
    core.sharing.share(team.ann, "lead", lead_id, access="read", user_id=team.bob.id)
    core.sharing.set_org_default(team.admin, "contact", "private")
    with core.engine.connect() as conn:
        rows = conn.execute(select(audit_log.c.action, audit_log.c.actor_id,
                                   audit_log.c.object_id)).all()  # fmt: skip
    assert ("record.shared", team.ann.id, lead_id) in rows
    assert ("sharing.default_changed", team.admin.id, None) in rows
