"""OAuth 2.0 for the Salesforce-compatible API: the username-password grant and revocation.

Salesforce clients sign in with ``POST /services/oauth2/token`` and use the
``access_token`` as their session id. Here the access token is an ordinary Opportune API
token (named ``Salesforce OAuth``, expiring after :data:`TOKEN_DAYS` days), so it shows in
the user's token list and can be revoked there too. ``client_id`` and ``client_secret``
identify a connected app in Salesforce; Opportune has none, so it accepts any, and uses
the secret only to sign the response as Salesforce does.

Errors are :class:`ValidationError` whose field error's code is OAuth's error code
(``invalid_request``, ``unsupported_grant_type``), or :class:`AuthenticationError` for
bad credentials (OAuth's ``invalid_grant``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from opportune.domain.salesforce.ids import checksum, sf_id
from opportune.domain.security import allowed_scopes
from opportune.errors import ValidationError
from opportune.services.auth import AuthService

__all__ = ["ORG_ID", "TOKEN_DAYS", "TOKEN_NAME", "OAuthGrant", "password_grant", "revoke"]

TOKEN_NAME = "Salesforce OAuth"  # noqa: S105 - the token's label, not a secret
TOKEN_DAYS = 30
# One installation is one "org"; its id only appears in the identity URL.
ORG_ID = "00D000000000001" + checksum("00D000000000001")
_REQUIRED = ("username", "password")


@dataclass(frozen=True, slots=True)
class OAuthGrant:
    """A successful token response."""

    access_token: str
    instance_url: str
    id: str
    issued_at: str
    signature: str

    def as_dict(self) -> dict[str, str]:
        """The JSON body Salesforce sends."""
        return {
            "access_token": self.access_token,
            "instance_url": self.instance_url,
            "id": self.id,
            "token_type": "Bearer",
            "issued_at": self.issued_at,
            "signature": self.signature,
        }


def password_grant(
    auth: AuthService, form: Mapping[str, str | None], instance_url: str
) -> OAuthGrant:
    """Check ``username`` and ``password`` of a ``grant_type=password`` request and issue
    an API token for the user; ``instance_url`` is where the client should send requests."""
    grant_type = form.get("grant_type")
    if not grant_type:
        raise _oauth_error("grant_type", "invalid_request", "grant_type is required")
    if grant_type != "password":
        raise _oauth_error("grant_type", "unsupported_grant_type", "grant type not supported")
    for field in _REQUIRED:
        if not form.get(field):
            raise _oauth_error(field, "invalid_request", f"{field} is required")
    user = auth.authenticate(form["username"] or "", form["password"] or "")
    assert user.id is not None  # a stored user
    # A Salesforce session can do whatever its user can: every scope the user may have.
    issued = auth.create_token(None, user.id, TOKEN_NAME, expires_in_days=TOKEN_DAYS,
                               scopes=list(allowed_scopes(user)))  # fmt: skip
    identity = f"{instance_url}/id/{ORG_ID}/{sf_id('User', user.id)}"
    issued_at = str(int(auth.clock().timestamp() * 1000))
    signature = _sign(form.get("client_secret") or "", identity + issued_at)
    return OAuthGrant(issued.token, instance_url, identity, issued_at, signature)


def revoke(auth: AuthService, token: str | None) -> None:
    """Revoke an access token; ``invalid_request`` without one, ``invalid_token`` for a
    token that is unknown or already revoked."""
    if not token:
        raise _oauth_error("token", "invalid_request", "token is required")
    if not auth.revoke_token_value(token):
        raise _oauth_error("token", "invalid_token", "invalid token")


def _sign(secret: str, message: str) -> str:
    # Salesforce's signature: HMAC-SHA256 of id + issued_at, keyed with the client secret,
    # so a client can check that the response is for its own request.
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _oauth_error(field: str, error: str, description: str) -> ValidationError:
    return ValidationError.single(field, error, description)
