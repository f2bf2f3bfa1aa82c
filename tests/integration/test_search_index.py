"""The trigram search index exists and the database uses it for search."""

from __future__ import annotations

from sqlalchemy import text

from opportune import LeadFilters, Opportune, User


def test_the_search_query_uses_the_trigram_index(core: Opportune, rep: User) -> None:
    core.leads.create_many(rep, [{"last_name": f"L{i}", "company": f"C{i}"} for i in range(200)])
    with core.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM leads WHERE id IN "
                "(SELECT rowid FROM leads_search WHERE leads_search MATCH '\"c17\"')"
            )).fetchall()  # fmt: skip
            assert any("VIRTUAL TABLE INDEX" in str(row) for row in plan), plan
        else:
            conn.execute(text("SET enable_seqscan = off"))
            plan = conn.execute(text(
                "EXPLAIN SELECT id FROM leads WHERE (coalesce(first_name, '') || ' ' || "
                "last_name || ' ' || company || ' ' || coalesce(email, '')) ILIKE '%c17%'"
            )).fetchall()  # fmt: skip
            assert any("ix_leads_search_trgm" in str(row) for row in plan), plan
    found = core.leads.list(rep, LeadFilters(q="c17", limit=50)).page.items
    assert sorted(lead.company for lead in found) == ["C17", "C170", "C171", "C172", "C173",
                                                       "C174", "C175", "C176", "C177", "C178",
                                                       "C179"]  # fmt: skip
