"""Web-to-lead rules: posted field names, safe redirects, form settings and the snippet."""

from __future__ import annotations

import pytest

from opportune.domain.web_form_snippet import snippet_html
from opportune.domain.web_forms import (
    HONEYPOT,
    clean_form_config,
    clean_host,
    is_spam,
    map_posted_fields,
    posted_field_errors,
    redirect_target,
)
from opportune.errors import FieldError, ValidationError


def test_salesforce_names_map_to_lead_fields_and_unknown_names_are_reported() -> None:
    posted = map_posted_fields(
        {
            "oid": "k",
            "retURL": "https://x",
            "first_name": "Ada",
            "mobile": "1",
            "URL": "a.io",
            "zip": "9",
            "revenue": "5",
            "employees": "3",
            "emailOptOut": "1",
            "doNotCall": "1",
            "00N5e00000ABC": "custom",
            HONEYPOT: "",
            "debug": "1",
        },
    )
    assert posted.values == {
        "first_name": "Ada",
        "mobile_phone": "1",
        "website": "a.io",
        "postal_code": "9",
        "annual_revenue": "5",
        "number_of_employees": "3",
        "has_opted_out_of_email": "1",
        "do_not_call": "1",
    }
    assert posted.ignored == ("00N5e00000ABC",)


def test_defaults_fill_only_what_the_post_left_empty() -> None:
    posted = map_posted_fields(
        {"lead_source": "  ", "rating": "Hot", "campaign": "Posted"},
        {"lead_source": "Web", "rating": "Cold", "status": "Working - Contacted"},
    )
    assert posted.values == {
        "lead_source": "Web",
        "rating": "Hot",
        "campaign": "Posted",
        "status": "Working - Contacted",
    }


def test_errors_are_named_as_the_fields_were_posted() -> None:
    errors = posted_field_errors(
        [FieldError("postal_code", "X", "m"), FieldError("email", "Y", "n")]
    )
    assert [e.field for e in errors] == ["zip", "email"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com/thanks?x=1", True),
        ("http://WWW.EXAMPLE.COM/", True),
        ("https://shop.example.org/", True),
        ("https://example.org/", False),  # *.example.org means subdomains only
        ("https://www.example.com.evil.net/", False),
        ("https://evil.net/?next=www.example.com", False),
        ("https://www.example.com@evil.net/", False),
        ("https://user:pw@www.example.com/", False),
        ("//www.example.com/", False),
        ("/thanks", False),
        ("javascript:alert(1)//www.example.com", False),
        ("https://www.example.com\\@evil.net/", False),
        ("https://www.example.com/\nSet-Cookie: x", False),
        ("https://www.example.com:99999/", False),
        ("", False),
    ],
)
def test_only_http_urls_on_allowed_hosts_are_redirect_targets(url: str, expected: bool) -> None:
    hosts = ["www.example.com", "*.example.org"]
    assert (redirect_target(url, hosts) == url) is expected
    if not expected:
        assert redirect_target(url, hosts) is None


def test_hosts_are_stored_plain_and_bad_ones_refused() -> None:
    assert clean_host(" https://WWW.Example.com:8443/path ") == "www.example.com"
    assert clean_host("*.Example.org") == "*.example.org"
    assert clean_host("localhost") == "localhost"
    for bad in ("not a host", "*.com", "-bad-.example", ""):
        with pytest.raises(ValueError, match=r"host|broad"):
            clean_host(bad)


def test_the_honeypot_counts_only_when_filled() -> None:
    assert not is_spam({HONEYPOT: ""}) and not is_spam({HONEYPOT: "  "}) and not is_spam({})
    assert is_spam({HONEYPOT: "http://spam.example"})


def test_form_settings_name_every_bad_one() -> None:
    with pytest.raises(ValidationError) as caught:
        clean_form_config(
            {
                "daily_cap": "0",
                "per_form_per_minute": True,
                "duplicate_action": "ignore",
                "defaults": {"owner": "x"},
                "allowed_redirect_hosts": "ok.example bad host!",
                "secret": 1,
            },
            creating=True,
        )
    assert {e.field for e in caught.value.fields} == {
        "daily_cap",
        "per_form_per_minute",
        "duplicate_action",
        "defaults.owner",
        "allowed_redirect_hosts",
        "secret",
        "name",
    }
    cleaned = clean_form_config(
        {
            "name": " Demo ",
            "allowed_redirect_hosts": "a.example, b.example\na.example",
            "daily_cap": "25",
            "is_active": "false",
        },
        creating=True,
    )
    assert cleaned == {
        "name": "Demo",
        "allowed_redirect_hosts": ["a.example", "b.example"],
        "daily_cap": 25,
        "is_active": False,
    }


def test_the_snippet_posts_the_chosen_fields_with_the_key_return_url_and_hidden_honeypot() -> None:
    html = snippet_html(
        action="https://crm.example.com/web-to-lead",
        key="K<ey>",
        form_name='Say "hi"',
        fields=["email", "rating", "doNotCall"],
        return_url="https://www.example.com/t?a=1&b=2",
    )
    assert '<form action="https://crm.example.com/web-to-lead" method="POST"' in html
    assert '<input type="hidden" name="oid" value="K&lt;ey&gt;">' in html
    assert 'name="retURL" value="https://www.example.com/t?a=1&amp;b=2"' in html
    assert 'name="last_name"' in html and 'name="company"' in html  # always included
    assert 'name="email"' in html and '<option value="Hot">Hot</option>' in html
    assert 'type="checkbox" id="doNotCall" name="doNotCall" value="1"' in html
    assert 'name="phone"' not in html
    assert f'name="{HONEYPOT}" tabindex="-1"' in html and "left:-10000px" in html
    assert "<script" not in html
    with pytest.raises(ValueError, match="nope"):
        snippet_html(action="a", key="k", form_name="f", fields=["nope"])
