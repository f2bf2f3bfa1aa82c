"""The docs keep up with the code: every setting is documented."""

from __future__ import annotations

from pathlib import Path

from opportune import Settings
from opportune.domain.salesforce.objects import OBJECTS

DOCS = Path(__file__).parent.parent / "docs"


def test_every_setting_is_documented_in_the_configuration_guide() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [
        f"OPPORTUNE_{name.upper()}" for name in Settings.model_fields
        if f"`OPPORTUNE_{name.upper()}`" not in text
    ]  # fmt: skip
    assert missing == []


def test_the_readme_starts_with_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text().splitlines()
    head = "\n".join(readme[:6])
    assert "make run" in head
    assert "make test" in head


def test_every_salesforce_field_is_in_the_mapping_of_the_salesforce_guide() -> None:
    text = (DOCS / "salesforce.md").read_text()
    missing = [
        f"{obj.name}.{f.name}" for obj in OBJECTS.values() for f in obj.fields
        if f"| `{f.name}` |" not in text.split(f"### {obj.name} (", 1)[-1].split("###", 1)[0]
    ]  # fmt: skip
    assert missing == []
