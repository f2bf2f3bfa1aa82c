"""The self-signed certificate of ``opportune serve --https``."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

from cryptography import x509

from opportune.tls import ensure_self_signed


def _names(cert: Path) -> list[str]:
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    san = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(name.value) for name in san]


def test_the_certificate_loads_in_ssl_as_a_server_pair_and_a_trust_anchor(tmp_path: Path) -> None:
    pair = ensure_self_signed(tmp_path / "tls")
    assert pair.created
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pair.cert, pair.key)
    client = ssl.create_default_context(cafile=str(pair.cert))
    assert client.get_ca_certs()[0]["subject"] == ((("commonName", "Opportune self-signed"),),)


def test_the_certificate_names_the_loopback_address_and_localhost(tmp_path: Path) -> None:
    names = _names(ensure_self_signed(tmp_path).cert)
    assert names == [str(ipaddress.ip_address("127.0.0.1")), "localhost"]


def test_the_served_host_is_named_too_unless_it_means_every_address(tmp_path: Path) -> None:
    assert _names(ensure_self_signed(tmp_path / "a", "crm.example.com").cert)[-1] == (
        "crm.example.com"
    )
    assert _names(ensure_self_signed(tmp_path / "b", "192.0.2.7").cert)[-1] == "192.0.2.7"
    assert len(_names(ensure_self_signed(tmp_path / "c", "0.0.0.0").cert)) == 2  # noqa: S104


def test_the_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    pair = ensure_self_signed(tmp_path)
    assert pair.key.stat().st_mode & 0o777 == 0o600


def test_a_second_call_reuses_the_files(tmp_path: Path) -> None:
    first = ensure_self_signed(tmp_path)
    cert, key = first.cert.read_bytes(), first.key.read_bytes()
    second = ensure_self_signed(tmp_path, "other.example.com")
    assert not second.created
    assert (second.cert, second.key) == (first.cert, first.key)
    assert (second.cert.read_bytes(), second.key.read_bytes()) == (cert, key)


def test_the_certificate_is_valid_for_825_days(tmp_path: Path) -> None:
    loaded = x509.load_pem_x509_certificate(ensure_self_signed(tmp_path).cert.read_bytes())
    lifetime = loaded.not_valid_after_utc - loaded.not_valid_before_utc
    assert 825 <= lifetime.days <= 826
