"""The fast email check agrees with email-validator, which stays the authority."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from opportune.domain.emails import normalize_email
from opportune.errors import ValidationError

SAMPLES = [
    "mei@acme.com", "Mei.Ng@ACME.Co.UK", "o'brien+crm@mail.example.org", "a@b.io",
    "x@sub-domain.example.com", "first.last@x.museum", "1@2.com", "a..b@x.com", ".a@x.com",
    "a.@x.com", "a@-x.com", "a@x-.com", "a@x.c", "a@x.123", "a@x", "a@localhost", "a@x.test",
    "a@x.local", "ab@@x.com", "a b@x.com", "\"quoted\"@x.com", "üser@x.com", "a@bücher.de",
    "a@x..com", "a" * 65 + "@x.com", "a@" + "b" * 64 + ".com", "user@[127.0.0.1]",
]  # fmt: skip


def reference(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@pytest.mark.parametrize("address", SAMPLES)
def test_the_fast_path_accepts_and_normalises_exactly_what_email_validator_does(
    address: str,
) -> None:
    expected = reference(address)
    if expected is None:
        with pytest.raises(ValidationError) as exc:
            normalize_email(address)
        assert exc.value.fields[0].code == "INVALID_EMAIL_ADDRESS"
    else:
        assert normalize_email(address) == expected
