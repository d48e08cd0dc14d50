"""OAuth2 clients, tokens and request authentication (docs/platforms/edx.md §1).

JWTs are HS256-signed with a secret kept in the store (the real LMS signs with its own
key set; clients never verify the signature, they only read `exp`/`iat`).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from sandbox.edx import models
from sandbox.http import Request
from sandbox.settings import set_value_once

JWT_AUDIENCE = "lms-key"  # the devstack default JWT_AUDIENCE
DEFAULT_SCOPES = "read write email profile"  # docs/platforms/edx.md §1: the application's configured scopes
DEFAULT_TOKEN_TTL = 3600  # OAUTH2_PROVIDER ACCESS_TOKEN_EXPIRE_SECONDS in edX's settings


class AuthError(Exception):
    """A 401: the credentials were presented but are wrong."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Principal:
    username: str
    is_staff: bool


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    username: str
    scopes: str
    token_ttl: int


def signing_key(db: sqlite3.Connection) -> str:
    return set_value_once(db, "edx_jwt_signing_key", secrets.token_hex(32))


def issuer(lms_url: str) -> str:
    return f"{lms_url}/oauth2"


def create_client(
    db: sqlite3.Connection,
    username: str,
    *,
    is_staff: bool,
    token_ttl: int = DEFAULT_TOKEN_TTL,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Client:
    """An OAuth application whose `user` is `username` (created or refreshed)."""
    models.ensure_user(db, username, is_staff)
    client = Client(
        client_id or secrets.token_hex(10),
        client_secret or secrets.token_urlsafe(32),
        username,
        DEFAULT_SCOPES,
        token_ttl,
    )
    db.execute(
        "INSERT OR REPLACE INTO edx_oauth_clients (client_id, client_secret, username, scopes, token_ttl)"
        " VALUES (?, ?, ?, ?, ?)",
        (client.client_id, client.client_secret, client.username, client.scopes, client.token_ttl),
    )
    return client


def find_client(db: sqlite3.Connection, client_id: str, client_secret: str) -> Client | None:
    row = db.execute("SELECT * FROM edx_oauth_clients WHERE client_id = ?", (client_id,)).fetchone()
    if row is None or not secrets.compare_digest(row["client_secret"], client_secret):
        return None
    return Client(row["client_id"], row["client_secret"], row["username"], row["scopes"], row["token_ttl"])


def issue_jwt(db: sqlite3.Connection, lms_url: str, client: Client, scopes: list[str]) -> str:
    """`_create_jwt` (docs/platforms/edx.md §1): claims depend on the granted scopes."""
    now = int(time.time())
    is_staff = models.user_is_staff(db, client.username)
    claims: dict[str, Any] = {
        "aud": JWT_AUDIENCE,
        "iss": issuer(lms_url),
        "iat": now,
        "exp": now + client.token_ttl,
        "preferred_username": client.username,
        "scopes": scopes,
        "version": "1.2.0",
        "sub": hashlib.md5(client.username.encode(), usedforsecurity=False).hexdigest(),
        "filters": [],
        "is_restricted": False,
        "email_verified": True,
    }
    if "profile" in scopes:
        claims.update(
            name=client.username,
            family_name="",
            given_name="",
            administrator=is_staff,
            superuser=is_staff,
        )
    if "email" in scopes:
        claims["email"] = f"{client.username}@example.com"
    import jwt  # see _jwt_principal

    return jwt.encode(claims, signing_key(db), algorithm="HS256")


def issue_bearer(db: sqlite3.Connection, client: Client) -> str:
    """An opaque DOT access token (the answer when `token_type` is not `jwt`)."""
    token = secrets.token_urlsafe(24)
    db.execute(
        "INSERT INTO edx_bearer_tokens (token, username, expires_at) VALUES (?, ?, ?)",
        (token, client.username, time.time() + client.token_ttl),
    )
    return token


def _split_authorization(req: Request) -> tuple[str, str] | None:
    header = req.headers.get("authorization", "")
    prefix, _, token = header.partition(" ")
    if not token:
        return None
    # docs/platforms/edx.md §1: edx-drf-extensions compares the prefix case-insensitively (`jwt` works).
    return prefix.lower(), token.strip()


def _jwt_principal(db: sqlite3.Connection, lms_url: str, token: str) -> Principal:
    # PyJWT (about 45 ms of CPU) is imported where a token is made or read: the CLI's
    # `edx` commands import this module for its constants, and every `manage` process
    # imports the CLI.
    import jwt

    try:
        claims = jwt.decode(
            token,
            signing_key(db),
            algorithms=["HS256"],
            audience=JWT_AUDIENCE,
            issuer=issuer(lms_url),
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("Signature has expired.") from None
    except jwt.InvalidTokenError:
        raise AuthError("Error decoding signature.") from None
    username = claims.get("preferred_username") or claims.get("username")
    if not isinstance(username, str) or not username:
        raise AuthError("Invalid payload.")
    # docs/platforms/edx.md §1: JwtAuthentication gets or creates the user and copies `administrator` onto
    # `is_staff` (JWT_PAYLOAD_USER_ATTRIBUTE_MAPPING) on every request.
    administrator = claims.get("administrator")
    models.ensure_user(db, username, bool(administrator) if administrator is not None else None)
    return Principal(username, models.user_is_staff(db, username))


def _bearer_principal(db: sqlite3.Connection, token: str) -> Principal:
    row = db.execute("SELECT username, expires_at FROM edx_bearer_tokens WHERE token = ?", (token,)).fetchone()
    if row is None or (row["expires_at"] is not None and row["expires_at"] < time.time()):
        raise AuthError("Invalid token.")
    return Principal(row["username"], models.user_is_staff(db, row["username"]))


def authenticate(db: sqlite3.Connection, lms_url: str, req: Request, *, allow_bearer: bool) -> Principal | None:
    """The principal of a request, None when it carries no credentials we recognise.

    Studio's course_runs API has no Bearer authenticator (docs/platforms/edx.md §1), so there a Bearer
    header counts as "no credentials" (`allow_bearer=False`).
    """
    parts = _split_authorization(req)
    if parts is None:
        return None
    prefix, token = parts
    if prefix == "jwt":
        return _jwt_principal(db, lms_url, token)
    if prefix == "bearer" and allow_bearer:
        return _bearer_principal(db, token)
    return None


def ensure_service_token(db: sqlite3.Connection, username: str, token: str) -> None:
    """The non-expiring service-worker Bearer token MITx Online is configured with (docs/platforms/edx.md §1)."""
    models.ensure_user(db, username, True)
    db.execute(
        "INSERT OR IGNORE INTO edx_bearer_tokens (token, username, expires_at) VALUES (?, ?, NULL)",
        (token, username),
    )
