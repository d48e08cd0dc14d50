"""Initialising a state directory: schema, credentials and seed data, all idempotent."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path

from sandbox.edx import auth, models
from sandbox.settings import set_value_once
from sandbox.store import open_store, transaction

# The user behind the default OAuth application (it must be global staff, docs/platforms/edx.md §1) and the
# service user MITx Online reads the LMS as (docs/platforms/edx.md §5). `edx` is the devstack staff user that
# fixtures and examples put on course teams (docs/platforms/edx.md §7).
CLIENT_USERNAME = "sandbox_worker"
SERVICE_USERNAME = "sandbox_service_worker"
SEED_STAFF_USERS = ("edx",)


class CredentialsMismatch(RuntimeError):
    """Credentials asked for at start differ from those this state directory already has."""


def prepare_state(state_dir: Path, seed: dict[str, str] | None = None) -> sqlite3.Connection:
    """Open the store and generate credentials once; return the open connection.

    `seed` fixes credentials (`edx_client_id`, `edx_client_secret`, `mitxonline_api_key`)
    instead of generating them, so a committed stack file can name them (the demo's
    `sandbox` stack). It applies to a new state directory; an existing one must match.
    """
    seed = {k: v for k, v in (seed or {}).items() if v}
    db = open_store(state_dir)
    with transaction(db):
        client_id = set_value_once(db, "edx_client_id", seed.get("edx_client_id") or secrets.token_hex(10))
        client_secret = set_value_once(
            db, "edx_client_secret", seed.get("edx_client_secret") or secrets.token_urlsafe(32)
        )
        api_key = set_value_once(db, "mitxonline_api_key", seed.get("mitxonline_api_key") or secrets.token_urlsafe(32))
        stored = {"edx_client_id": client_id, "edx_client_secret": client_secret, "mitxonline_api_key": api_key}
        differing = sorted(k for k, v in seed.items() if stored.get(k) != v)
        if differing:
            raise CredentialsMismatch(
                f"{state_dir} already has other values for {', '.join(differing)}; "
                "use a new --state-dir to start with these credentials"
            )
        service_token = set_value_once(db, "edx_service_token", secrets.token_urlsafe(24))
        set_value_once(db, "edx_service_username", SERVICE_USERNAME)
        auth.signing_key(db)
        if auth.find_client(db, client_id, client_secret) is None:
            auth.create_client(db, CLIENT_USERNAME, is_staff=True, client_id=client_id, client_secret=client_secret)
        auth.ensure_service_token(db, SERVICE_USERNAME, service_token)
        for username in SEED_STAFF_USERS:
            models.ensure_user(db, username, True)
    return db
