"""Helpers for API tests: the error format, database snapshots, shortcuts to set up leads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update

from opportune import Opportune
from opportune.db import tables as t
from tests.snapshots import every_row


class Response(Protocol):
    """What the helpers read of an HTTP response (httpx's or httpx2's)."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


def assert_error(
    response: Response, status: int, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """Check ``response`` is an error in the documented format; return its body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["message"]
    for item in body["fields"]:
        assert set(item) == {"field", "code", "message"}, item
    if code is not None:
        codes = {body["code"]} | {f["code"] for f in body["fields"]}
        assert code in codes, body
    if field is not None:
        assert field in {f["field"] for f in body["fields"]}, body
    return body


def field_codes(response: Response) -> dict[str, str]:
    """The field errors of an error response, as field -> code."""
    return {f["field"]: f["code"] for f in response.json()["fields"]}


def db_snapshot(core: Opportune) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (token use times aside: reading touches them)."""
    return every_row(core, but_columns=("last_used_at",))


def set_lead_columns(core: Opportune, lead_id: int, **values: Any) -> None:
    """Write lead columns directly, for states the API cannot reach (converted, backdated)."""
    with core.engine.begin() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == lead_id).values(**values))


def mark_converted(core: Opportune, lead_id: int) -> None:
    """Make a lead look converted (conversion itself comes in a later issue)."""
    status = next(s for s in core.picklists.lead_picklists().statuses if s.is_converted)
    set_lead_columns(core, lead_id, is_converted=True, status_id=status.id)


def backdate(core: Opportune, lead_id: int, when: datetime) -> None:
    """Pretend a lead was created at ``when``."""
    set_lead_columns(core, lead_id, created_at=when)
