"""The docs keep up with the code: every setting is documented."""

from __future__ import annotations

from pathlib import Path

from opportune import Settings

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
