"""The ``query/`` and ``queryAll/`` resources: SOQL over the Salesforce REST API.

Thin: each route calls :class:`~opportune.services.salesforce.query.SoqlService` as the
token's user. ``Sforce-Query-Options: batchSize=N`` asks for batches of N records
(Salesforce takes 200 to 2,000; other sizes are brought into that range).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from opportune.api.deps import OpportuneDep
from opportune.api.salesforce.deps import ApiVersion, SfUser
from opportune.domain.soql import SoqlError

router = APIRouter()

_BATCH_SIZE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
MIN_BATCH, MAX_BATCH = 200, 2000
Soql = Annotated[str | None, Query(alias="q")]
QueryOptions = Annotated[str | None, Header(alias="Sforce-Query-Options")]


def batch_size(options: str | None) -> int:
    """The batch size a ``Sforce-Query-Options`` header asks for (2,000 by default)."""
    match = _BATCH_SIZE.search(options or "")
    return MAX_BATCH if match is None else max(MIN_BATCH, min(int(match.group(1)), MAX_BATCH))


def _run(
    core: OpportuneDep, user: SfUser, version: str, q: str | None, options: str | None,
    *, all_rows: bool,
) -> dict[str, Any]:  # fmt: skip
    if q is None or not q.strip():
        raise SoqlError("missing the query: the q parameter", line=1, column=1, offset=0)
    return core.soql.query(
        user, q, version=version, all_rows=all_rows, batch_size=batch_size(options)
    )


@router.get("/data/{version}/query")
@router.get("/data/{version}/query/")
def query(
    version: ApiVersion, user: SfUser, core: OpportuneDep, q: Soql = None,
    options: QueryOptions = None,
) -> dict[str, Any]:  # fmt: skip
    """The first batch of a SOQL query's records."""
    return _run(core, user, version, q, options, all_rows=False)


@router.get("/data/{version}/queryAll")
@router.get("/data/{version}/queryAll/")
def query_all(
    version: ApiVersion, user: SfUser, core: OpportuneDep, q: Soql = None,
    options: QueryOptions = None,
) -> dict[str, Any]:  # fmt: skip
    """queryAll: the same records as ``query`` (Opportune keeps no deleted records)."""
    return _run(core, user, version, q, options, all_rows=True)


@router.get("/data/{version}/query/{locator}")
@router.get("/data/{version}/queryAll/{locator}")
def more(locator: str, version: ApiVersion, user: SfUser, core: OpportuneDep) -> dict[str, Any]:
    """The next batch of a query, from its ``nextRecordsUrl``."""
    return core.soql.more(user, locator, version=version)
