"""A self-signed TLS certificate for ``opportune serve --https``.

Salesforce clients such as simple-salesforce only speak HTTPS, so a server that should
answer them without a reverse proxy needs a certificate. :func:`ensure_self_signed`
creates one on first use (``cert.pem`` and ``key.pem``, the key readable by its owner
only) and reuses it afterwards, so clients told to trust it keep working across restarts.
It names ``127.0.0.1``, ``localhost`` and the host being served. Clients trust it by
pointing at ``cert.pem``: ``REQUESTS_CA_BUNDLE=.../cert.pem``, or ``session.verify`` (with
``session.trust_env = False`` where ``REQUESTS_CA_BUNDLE`` is set to something else).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["VALID_DAYS", "CertificatePair", "ensure_self_signed"]

# 825 days is the longest validity Apple's and browsers' rules accept for a server certificate.
VALID_DAYS = 825
CERT_FILE = "cert.pem"
KEY_FILE = "key.pem"
_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CertificatePair:
    """Where a certificate and its key are, and whether they were just created."""

    cert: Path
    key: Path
    created: bool


def ensure_self_signed(directory: Path, host: str = "127.0.0.1") -> CertificatePair:
    """The certificate and key in ``directory``, created (with the directory) if missing.

    Existing files are reused as they are, even when ``host`` is not among their names:
    replacing them would break the clients that already trust them.
    """
    cert, key = directory / CERT_FILE, directory / KEY_FILE
    if cert.exists() and key.exists():
        return CertificatePair(cert, key, created=False)
    directory.mkdir(parents=True, exist_ok=True)
    private_key = ec.generate_private_key(ec.SECP256R1())
    _write_private(key, _key_pem(private_key))
    cert.write_bytes(_certificate(private_key, host).public_bytes(serialization.Encoding.PEM))
    return CertificatePair(cert, key, created=True)


def _certificate(private_key: ec.EllipticCurvePrivateKey, host: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Opportune self-signed")])
    public_key = private_key.public_key()
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))  # tolerate clients' clock skew
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        # The certificate is its own trust anchor: mark it a CA and give it the key
        # identifiers that strict verification (Python 3.13's default) asks for.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_KEY_USAGE, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(private_key, hashes.SHA256())
    )


def _names(host: str) -> list[x509.GeneralName]:
    """127.0.0.1, localhost and ``host`` (an address or a DNS name), without repeats."""
    names: list[x509.GeneralName] = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.DNSName("localhost"),
    ]
    try:
        extra: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        extra = x509.DNSName(host)
    # 0.0.0.0 and :: mean "every address", not a name a client connects to.
    unspecified = isinstance(extra, x509.IPAddress) and extra.value.is_unspecified
    if host and extra not in names and not unspecified:
        names.append(extra)
    return names


def _key_pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    """Write a file that only its owner can read, from the moment it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)  # in case the file existed with wider permissions
