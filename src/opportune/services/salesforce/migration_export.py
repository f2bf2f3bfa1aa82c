"""Opportune's records as a Salesforce data export: the CSV files ``import-salesforce`` reads.

One file per object, with Salesforce's field names as headers and the records' Salesforce
ids (Opportune's own, stable ones) as ``Id`` and in the references. It is read through
the SOQL service, so it holds what the acting user may see, in batches (memory stays
bounded). Importing it into another installation rebuilds the same records and
relations: the round trip the migration is tested with.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opportune.domain.salesforce.export_rows import IMPORT_ORDER, export_columns
from opportune.domain.salesforce.objects import sobject
from opportune.domain.users import User

if TYPE_CHECKING:
    from opportune.services import Opportune


def write_export(core: Opportune, actor: User, directory: Path) -> dict[str, int]:
    """Write ``User.csv`` ... ``Task.csv`` into ``directory``; return the rows per object."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in IMPORT_ORDER:
        found = sobject(name)
        assert found is not None
        columns = export_columns(found)
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8-sig") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            written[name] = 0
            for record in _records(core, actor, name, columns):
                writer.writerow([_cell(record.get(column)) for column in columns])
                written[name] += 1
    return written


def _records(
    core: Opportune, actor: User, name: str, columns: list[str]
) -> Iterator[dict[str, Any]]:
    """Every record of the object, batch after batch (``nextRecordsUrl``)."""
    # SOQL for the SOQL parser, from the object's own field names: no user input in it.
    soql = f"SELECT {', '.join(columns)} FROM {name} ORDER BY Id"  # noqa: S608
    result = core.soql.query(actor, soql)
    while True:
        yield from result["records"]
        if result["done"]:
            return
        result = core.soql.more(actor, result["nextRecordsUrl"].rsplit("/", 1)[1])


def _cell(value: object) -> str:
    """A value as the weekly export writes it: booleans as true/false, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
