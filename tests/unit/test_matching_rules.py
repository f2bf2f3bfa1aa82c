"""Matching rules: exact and fuzzy comparisons, and Salesforce's standard person rule."""

from __future__ import annotations

import pytest

from opportune.domain.matching import (
    STANDARD_PERSON_RULE,
    Comparison,
    Method,
    Rule,
    best_matches,
    match,
    score,
    soundex,
)

JON = {"first_name": "Jon", "last_name": "Smyth", "company": "Acme Inc.", "title": "CTO"}
JOHN = {"first_name": "John", "last_name": "Smith", "company": "ACME", "title": "cto"}


@pytest.mark.parametrize(
    ("word", "code"),
    [("Robert", "R163"), ("Rupert", "R163"), ("Smith", "S530"), ("Smyth", "S530"),
     ("Ashcraft", "A261"), ("Tymczak", "T522"), ("Pfister", "P236"), ("", "")],
)  # fmt: skip
def test_soundex(word: str, code: str) -> None:
    assert soundex(word) == code


def test_names_that_sound_alike_score_full_marks() -> None:
    assert score("last_name", "Smyth", "Smith") == 100.0
    assert score("first_name", "Jon", "John") == 100.0
    assert score("first_name", "Ann", "Bob") < 85  # type: ignore[operator]


def test_companies_compare_without_legal_forms_and_emails_without_case() -> None:
    assert score("company", "Acme Inc.", "ACME") == 100.0
    assert score("email", "Ada@Acme.com", "ada@acme.com") == 100.0
    assert score("phone", "+1 (555) 010-0100", "555.010.0100") == 100.0


def test_an_empty_value_never_matches() -> None:
    assert score("email", None, "ada@acme.com") is None
    assert match(Rule("r", ((Comparison("email"),),)), {"email": ""}, {"email": ""}) is None


def test_jon_smyth_at_acme_inc_is_john_smith_at_acme() -> None:
    found = match(STANDARD_PERSON_RULE, JON, JOHN)
    assert found is not None and found.alternative == 2
    assert found.scores == {"first_name": 100.0, "last_name": 100.0, "title": 100.0,
                            "company": 100.0}  # fmt: skip


def test_the_standard_rule_matches_on_names_and_email() -> None:
    left = {"first_name": "Ada", "last_name": "Ng", "email": "ada@acme.com"}
    right = {"first_name": "ADA", "last_name": "Ng", "email": "Ada@Acme.com"}
    assert match(STANDARD_PERSON_RULE, left, right) is not None
    other_person = {**right, "first_name": "Bob"}
    assert match(STANDARD_PERSON_RULE, left, other_person) is None


def test_fuzzy_thresholds_decide() -> None:
    strict = Rule("strict", ((Comparison("company", Method.FUZZY, 95),),))
    loose = Rule("loose", ((Comparison("company", Method.FUZZY, 80),),))
    left, right = {"company": "Initech Software"}, {"company": "Initech Softwares"}
    assert match(strict, left, right) is not None  # 98 or so
    assert match(strict, {"company": "Initech"}, {"company": "Initrode"}) is None
    assert match(loose, {"company": "Initech"}, {"company": "Initrode"}) is not None


def test_best_matches_lists_each_matching_candidate() -> None:
    candidates = [JOHN, {"first_name": "Jane", "last_name": "Doe", "company": "Globex"}, JON]
    assert [i for i, _ in best_matches(STANDARD_PERSON_RULE, JON, candidates)] == [0, 2]
