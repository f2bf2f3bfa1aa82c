"""Migrations build the schema the code expects, seed the defaults, and go both ways."""

from __future__ import annotations

from sqlalchemy import inspect

from opportune import Opportune
from opportune.db import migrate
from opportune.db.engine import make_engine
from opportune.domain.picklists import DEFAULT_CLOSE_REASONS, DEFAULT_LEAD_SOURCES


def test_the_migrated_schema_matches_the_tables_in_code(core: Opportune) -> None:
    assert migrate.current_revision(core.engine) == migrate.head_revision(core.engine)
    assert migrate.pending_model_changes(core.engine) == []


def test_the_default_statuses_sources_and_reasons_are_seeded(core: Opportune) -> None:
    picklists = core.picklists.lead_picklists()
    assert [(s.label, s.is_default, s.is_converted) for s in picklists.statuses] == [
        ("Open - Not Contacted", True, False),
        ("Working - Contacted", False, False),
        ("Closed - Converted", False, True),
        ("Closed - Not Converted", False, False),
    ]
    assert tuple(v.label for v in picklists.sources) == DEFAULT_LEAD_SOURCES
    assert tuple(v.label for v in picklists.close_reasons) == DEFAULT_CLOSE_REASONS


def test_downgrade_to_base_and_upgrade_again(core: Opportune) -> None:
    migrate.downgrade(core.engine, "base")
    assert migrate.current_revision(core.engine) is None
    assert "leads" not in inspect(core.engine).get_table_names()
    migrate.upgrade(core.engine)
    assert "leads" in inspect(core.engine).get_table_names()
    assert migrate.pending_model_changes(core.engine) == []


def test_upgrade_creates_the_sqlite_file_and_its_folder(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "nested" / "crm.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    assert path.exists() and migrate.current_revision(engine) == migrate.head_revision(engine)
    engine.dispose()


def test_upgrade_on_an_empty_postgresql_database(pg_database: str) -> None:
    engine = make_engine(pg_database)
    migrate.upgrade(engine)
    assert migrate.pending_model_changes(engine) == []
    engine.dispose()


def test_the_default_pipeline_stages_and_lost_reasons_are_seeded(core: Opportune) -> None:
    from sqlalchemy import text

    with core.engine.connect() as conn:
        stages = conn.execute(text(
            "SELECT label, probability, forecast_category, is_closed, is_won "
            "FROM opportunity_stages ORDER BY sort_order"
        )).fetchall()  # fmt: skip
        reasons = conn.execute(text("SELECT count(*) FROM opportunity_lost_reasons")).scalar()
    assert [tuple(row) for row in stages[:1] + stages[-2:]] == [
        ("Prospecting", 10, "Pipeline", False, False),
        ("Closed Won", 100, "Closed", True, True),
        ("Closed Lost", 0, "Omitted", True, False),
    ]
    assert len(stages) == 10
    assert reasons and reasons >= 5
