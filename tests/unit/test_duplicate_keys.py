"""Duplicate keys: one company or person written differently gives the same key."""

from __future__ import annotations

import pytest

from opportune.domain.duplicates import (
    PersonKeys,
    account_match,
    company_key,
    contact_match,
    email_domain,
    name_key,
    phone_key,
    website_domain,
)


@pytest.mark.parametrize(
    "name",
    ["Acme", "ACME, Inc.", "Acme Incorporated", "The Acme Co.", "acme ltd", "Ácme GmbH"],
)
def test_spellings_of_one_company_share_a_key(name: str) -> None:
    assert company_key(name) == "acme"


def test_company_key_keeps_what_tells_companies_apart() -> None:
    assert company_key("Acme Hardware Inc") == "acme hardware"
    assert company_key("Procter & Gamble") == company_key("Procter and Gamble")
    assert company_key("The Company") == "the"
    assert company_key("  ") is None


@pytest.mark.parametrize(
    "site", ["acme.com", "https://www.Acme.com/about", "http://acme.com:8080", "www.acme.com/"]
)
def test_web_addresses_of_one_site_share_a_domain(site: str) -> None:
    assert website_domain(site) == "acme.com"


def test_website_domain_needs_a_host() -> None:
    assert website_domain("localhost") is None
    assert website_domain(None) is None


def test_email_domain_ignores_free_mail() -> None:
    assert email_domain("Ada@Acme.com") == "acme.com"
    assert email_domain("ada@gmail.com") is None
    assert email_domain("not an address") is None


def test_name_and_phone_keys() -> None:
    assert name_key("José", "Núñez-García") == "jose nunez garcia"
    assert phone_key("+1 (555) 010-0100") == phone_key("555.010.0100") == "5550100100"
    assert phone_key("123") is None


def test_account_matches_by_name_or_website_exactly_and_by_email_domain_loosely() -> None:
    by_name = account_match(7, ("ACME Inc.", None, None), ("Acme", None))
    assert by_name is not None and by_name.exact and by_name.reasons == ("same company name",)
    by_site = account_match(7, ("Other", "www.acme.com", None), ("Acme", "https://acme.com"))
    assert by_site is not None and by_site.exact
    by_mail = account_match(7, ("Other", None, "ada@acme.com"), ("Acme", "acme.com"))
    assert by_mail is not None and not by_mail.exact
    assert account_match(7, ("Globex", "globex.com", None), ("Acme", "acme.com")) is None


def test_contact_matches_by_email_or_name_with_company_or_phone() -> None:
    lead = PersonKeys.of("ada@acme.com", "Ada", "Ng", "Acme Inc", "+1 555 010 0100")
    same_mail = contact_match(8, lead, PersonKeys.of("ADA@acme.com", None, "Other", None, None))
    assert same_mail is not None and same_mail.exact
    same_company = contact_match(8, lead, PersonKeys.of(None, "ada", "NG", "ACME", None))
    assert same_company is not None and same_company.reasons == ("same name", "same company")
    assert not same_company.exact
    same_phone = contact_match(8, lead, PersonKeys.of(None, "Ada", "Ng", "X", "5550100100"))
    assert same_phone is not None and same_phone.reasons == ("same name", "same phone")
    assert contact_match(8, lead, PersonKeys.of(None, "Ada", "Ng", "Globex", None)) is None
