"""Picklist values of a Salesforce export that Opportune does not know.

What a migrating administrator expects: values that are only labels (lead sources, lead
close reasons, opportunity lost reasons) are added to Opportune's lists, so nothing is
lost; values that carry behaviour (lead statuses, opportunity stages) are never guessed
into new configuration: they are mapped to the closest existing one (the converted status
for a converted lead, the default status otherwise; a won, lost or open stage as
Salesforce's ``IsWon``/``IsClosed`` say), and every mapping is a line in the report. A
lead closed without a reason gets the close reason "Other" (an opportunity lost without
one, the lost reason "Other"), also reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

from opportune.domain.picklists import LeadStatus, PicklistValue, find_by_label
from opportune.domain.salesforce.export_rows import ExportRow, ValueNote
from opportune.domain.stages import Stage
from opportune.errors import ValidationError

if TYPE_CHECKING:
    from opportune.services import Opportune

_SF_NAMES = {"lead_source": "LeadSource", "account_source": "AccountSource",
             "close_reason": "Close_Reason__c", "lost_reason": "Loss_Reason__c",
             "status": "Status", "stage": "StageName"}  # fmt: skip
_NOUNS = {"lead_sources": "lead source", "lead_close_reasons": "lead close reason",
          "lost_reasons": "lost reason"}  # fmt: skip
ListName = Literal["lead_sources", "lead_close_reasons", "lost_reasons"]
_LABELS: dict[str, ListName] = {
    "lead_source": "lead_sources",
    "account_source": "lead_sources",
    "close_reason": "lead_close_reasons",
    "lost_reason": "lost_reasons",
}
OTHER = "Other"


class PicklistMapper:
    """Resolves an export row's picklist labels against Opportune's lists, adding values."""

    def __init__(self, core: Opportune) -> None:
        self.core = core
        self.lists: dict[str, list[PicklistValue]] = {}
        self.statuses: tuple[LeadStatus, ...] = ()
        self.stages: tuple[Stage, ...] = ()
        self.reload()

    def reload(self) -> None:
        """Read the lists again (once per import, and after adding a value)."""
        lead = self.core.picklists.lead_picklists()
        pipeline = self.core.pipeline.pipeline()
        self.statuses = lead.statuses
        self.stages = tuple(pipeline.stages)
        self.lists = {"lead_sources": list(lead.sources),
                      "lead_close_reasons": list(lead.close_reasons),
                      "lost_reasons": list(pipeline.lost_reasons)}  # fmt: skip

    def apply(self, object_name: str, row: ExportRow, data: dict[str, object]) -> None:
        """Replace the labels in ``data`` by ones Opportune accepts, noting each change."""
        for name, list_name in _LABELS.items():
            if isinstance(data.get(name), str):
                data[name] = self._label(list_name, str(data[name]), row, _SF_NAMES[name])
        if object_name == "Lead":
            self._lead_status(row, data)
        if "stage" in data:
            self._stage(row, data)

    def converted_status(self, row: ExportRow, label: object) -> LeadStatus:
        """The converted status a lead exported as converted gets (its own when it is one)."""
        converted = [s for s in self.statuses if s.is_converted and s.is_active]
        found = find_by_label(converted, label) if isinstance(label, str) else None
        if found is None:
            found = converted[0]
            if isinstance(label, str):
                row.notes.append(ValueNote("Status", label, f"imported as {found.label}"))
        return found

    def _label(self, list_name: ListName, label: str, row: ExportRow, sf_name: str) -> str | None:
        values = self.lists[list_name]
        found = find_by_label(values, label)
        if found is not None and found.is_active:
            return found.label
        if found is not None:
            row.notes.append(ValueNote(sf_name, label, "left empty: inactive in Opportune"))
            return None
        try:
            added = self._add(list_name)(None, {"label": label})
        except ValidationError as exc:
            reason = exc.fields[0].message if exc.fields else exc.message
            row.notes.append(ValueNote(sf_name, label, f"left empty: {reason}"))
            return None
        values.append(added)
        row.notes.append(ValueNote(sf_name, label, f"added as a new {_NOUNS[list_name]}"))
        return added.label

    def _add(self, list_name: ListName) -> Callable[..., PicklistValue]:
        if list_name == "lost_reasons":
            return self.core.pipeline.save_lost_reason
        return lambda actor, data: self.core.picklists.save_value(actor, list_name, data)

    def _lead_status(self, row: ExportRow, data: dict[str, object]) -> None:
        if row.conversion is not None:
            data.pop("status", None)
            data.pop("close_reason", None)
            return
        if "status" not in data:
            return
        label = data.get("status")
        usable = [s for s in self.statuses if s.is_active and not s.is_converted]
        found = find_by_label(usable, label) if isinstance(label, str) else None
        if found is None:
            found = next(s for s in usable if s.is_default)
            if isinstance(label, str):
                row.notes.append(ValueNote("Status", label, f"imported as {found.label}"))
        data["status"] = found.label
        if found.needs_close_reason and not data.get("close_reason"):
            data["close_reason"] = self._fallback("lead_close_reasons", row, "Close_Reason__c")

    def _stage(self, row: ExportRow, data: dict[str, object]) -> None:
        label = data.get("stage")
        active = [s for s in self.stages if s.is_active]
        found = find_by_label(active, label) if isinstance(label, str) else None
        if found is None:
            found = _closest_stage(active, row.flags)
            if isinstance(label, str):
                row.notes.append(ValueNote("StageName", label, f"imported as {found.label}"))
        data["stage"] = found.label
        if found.is_lost and not data.get("lost_reason"):
            data["lost_reason"] = self._fallback("lost_reasons", row, "Loss_Reason__c")

    def _fallback(self, list_name: ListName, row: ExportRow, sf_name: str) -> str:
        """ "Other" (else the first active value) for a record closed without a reason."""
        active = [v for v in self.lists[list_name] if v.is_active]
        chosen = find_by_label(active, OTHER) or active[0]
        row.notes.append(ValueNote(sf_name, "", f"imported as {chosen.label}"))
        return chosen.label


def _closest_stage(active: Sequence[Stage], flags: dict[str, bool]) -> Stage:
    """The first active stage that is won, lost or open as Salesforce's flags say."""
    if flags.get("IsWon"):
        matches = [s for s in active if s.is_won]
    elif flags.get("IsClosed"):
        matches = [s for s in active if s.is_lost]
    else:
        matches = [s for s in active if not s.is_closed]
    return (matches or list(active))[0]
