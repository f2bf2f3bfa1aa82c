"""The HTML snippet an administrator pastes into a website to post leads to a form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from opportune.domain.lead_fields import LEAD
from opportune.domain.picklists import INDUSTRIES, RATINGS, SALUTATIONS
from opportune.domain.web_forms import HONEYPOT, SALESFORCE_NAMES

__all__ = ["DEFAULT_SNIPPET_FIELDS", "FIELD_LABELS", "SnippetField", "snippet_html"]

FIELD_LABELS: dict[str, str] = {
    "salutation": "Salutation",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "company": "Company",
    "title": "Title",
    "phone": "Phone",
    "mobile": "Mobile",
    "fax": "Fax",
    "URL": "Website",
    "street": "Street",
    "city": "City",
    "state": "State/Province",
    "zip": "Zip/Postal code",
    "country": "Country",
    "description": "Description",
    "lead_source": "Lead source",
    "industry": "Industry",
    "rating": "Rating",
    "revenue": "Annual revenue",
    "employees": "Employees",
    "emailOptOut": "Email opt out",
    "doNotCall": "Do not call",
}
DEFAULT_SNIPPET_FIELDS = ("first_name", "last_name", "email", "company", "phone", "description")
_REQUIRED = frozenset({"last_name", "company"})
_CHOICES: dict[str, tuple[str, ...]] = {
    "salutation": SALUTATIONS,
    "industry": INDUSTRIES,
    "rating": RATINGS,
}
_CHECKBOXES = frozenset({"emailOptOut", "doNotCall"})
# Off-screen rather than display:none, which some bots recognise and skip.
_HIDDEN_STYLE = "position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden"


@dataclass(frozen=True, slots=True)
class SnippetField:
    """A field a snippet can offer: its posted name and its label."""

    name: str
    label: str
    required: bool


def snippet_fields() -> list[SnippetField]:
    """Every field a snippet can contain, in form order."""
    return [SnippetField(n, FIELD_LABELS[n], n in _REQUIRED) for n in SALESFORCE_NAMES]


def snippet_html(
    *,
    action: str,
    key: str,
    form_name: str,
    fields: Sequence[str] = DEFAULT_SNIPPET_FIELDS,
    return_url: str | None = None,
    lead_sources: Sequence[str] = (),
) -> str:
    """The ``<form>`` to paste into a page: posts ``fields`` to ``action`` as form ``key``.

    Last name and company are always included (a lead needs them). Unknown field names
    raise ``ValueError``.
    """
    unknown = [f for f in fields if f not in SALESFORCE_NAMES]
    if unknown:
        raise ValueError(f"Unknown field(s): {', '.join(unknown)}")
    chosen = [n for n in SALESFORCE_NAMES if n in fields or n in _REQUIRED]
    lines = [
        f'<!-- Opportune web-to-lead form "{escape(form_name)}": paste it into your page. -->',
        f'<form action="{escape(action)}" method="POST" accept-charset="UTF-8">',
        f'  <input type="hidden" name="oid" value="{escape(key)}">',
    ]
    if return_url:
        lines.append(f'  <input type="hidden" name="retURL" value="{escape(return_url)}">')
    lines += [
        "  <!-- Leave this hidden field empty: it catches spam robots. -->",
        f'  <div style="{_HIDDEN_STYLE}" aria-hidden="true">',
        f'    <label for="{HONEYPOT}">Leave this empty</label>',
        f'    <input type="text" id="{HONEYPOT}" name="{HONEYPOT}" tabindex="-1"'
        ' autocomplete="off">',
        "  </div>",
    ]
    for name in chosen:
        lines += _field_lines(name, lead_sources)
    lines += ['  <p><input type="submit" value="Submit"></p>', "</form>"]
    return "\n".join(lines) + "\n"


def _field_lines(name: str, lead_sources: Sequence[str]) -> list[str]:
    label = FIELD_LABELS[name]
    required = " required" if name in _REQUIRED else ""
    if name in _CHECKBOXES:
        return [
            f'  <p><input type="checkbox" id="{name}" name="{name}" value="1">'
            f' <label for="{name}">{label}</label></p>'
        ]
    head = f'  <p><label for="{name}">{label}</label><br>'
    choices = lead_sources if name == "lead_source" else _CHOICES.get(name)
    if choices:
        options = "".join(
            f'<option value="{escape(c)}">{escape(c)}</option>' for c in ("", *choices)
        ).replace('<option value=""></option>', '<option value="">--None--</option>')
        return [head, f'    <select id="{name}" name="{name}">{options}</select></p>']
    if name == "description":
        return [head, f'    <textarea id="{name}" name="{name}" rows="4" cols="40"></textarea></p>']
    kind = {"email": "email", "URL": "url", "phone": "tel", "mobile": "tel", "fax": "tel"}
    limit = LEAD.text_limits().get(SALESFORCE_NAMES[name])
    maxlength = f' maxlength="{limit}"' if limit else ""
    return [
        head,
        f'    <input type="{kind.get(name, "text")}" id="{name}" name="{name}"'
        f'{maxlength} size="30"{required}></p>',
    ]
