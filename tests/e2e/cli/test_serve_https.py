"""``opportune serve --https``: a given certificate, or a self-signed one made once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opportune.tls import ensure_self_signed
from tests.e2e.cli.conftest import Run, one_error_line

SECURE_COOKIES = "OPPORTUNE_SECURE_COOKIES"


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The keyword arguments of each uvicorn.run call, which does not start a server."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("opportune.cli.system.uvicorn.run", lambda *a, **k: calls.append(k))
    yield calls
    # serve --https marks cookies Secure through the environment, for the server it starts;
    # in this process that would leak into every later test's app.
    os.environ.pop(SECURE_COOKIES, None)


def test_https_makes_a_self_signed_certificate_once_and_says_how_to_trust_it(
    run: Run, tmp_path: Path, uvicorn_calls: list[dict[str, Any]]
) -> None:
    env = {"OPPORTUNE_DATA_DIR": str(tmp_path / "data")}
    result = run("serve", "--https", "--port", "8443", env=env)
    assert result.exit_code == 0, result.output
    cert, key = (tmp_path / "data" / "tls" / "cert.pem").resolve(), tmp_path / "data/tls/key.pem"
    text = " ".join(result.stdout.split())
    assert f"Created a self-signed certificate: {cert}" in text
    assert f"REQUESTS_CA_BUNDLE={cert}" in text
    assert "https://127.0.0.1:8443" in text
    assert os.environ[SECURE_COOKIES] == "true"
    assert uvicorn_calls[0]["ssl_certfile"].endswith("tls/cert.pem")
    assert uvicorn_calls[0]["ssl_keyfile"].endswith("tls/key.pem")
    first = cert.read_bytes(), key.read_bytes()
    again = run("serve", "--https", env=env)
    assert f"Self-signed certificate: {cert}" in " ".join(again.stdout.split())
    assert (cert.read_bytes(), key.read_bytes()) == first


def test_a_given_certificate_and_key_are_served_as_they_are(
    run: Run, tmp_path: Path, uvicorn_calls: list[dict[str, Any]]
) -> None:
    pair = ensure_self_signed(tmp_path / "mine")
    result = run("serve", "--cert", str(pair.cert), "--key", str(pair.key))
    assert result.exit_code == 0, result.output
    assert "https://127.0.0.1:8000" in result.stdout
    assert "self-signed" not in result.stdout
    assert uvicorn_calls[0]["ssl_certfile"] == str(pair.cert)
    assert uvicorn_calls[0]["ssl_keyfile"] == str(pair.key)


def test_a_certificate_without_its_key_is_refused(
    run: Run, tmp_path: Path, uvicorn_calls: list[dict[str, Any]]
) -> None:
    pair = ensure_self_signed(tmp_path)
    line = one_error_line(run("serve", "--https", "--cert", str(pair.cert)), 2)
    assert line == "Error: --key: required with --cert"
    assert uvicorn_calls == []
