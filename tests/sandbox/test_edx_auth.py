"""Token endpoint and authentication rules (docs/platforms/edx.md §1, §9)."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest

from sandbox import store
from sandbox.edx import auth
from tests.sandbox.helpers import Sandbox

TOKEN_PATH = "/oauth2/access_token"
RUNS = "/api/v1/course_runs/"


def test_token_is_an_expiring_jwt_with_the_staff_claim(sandbox: Sandbox) -> None:
    response = httpx.post(
        sandbox.info["edx_lms_url"] + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.info["edx_client_id"],
            "client_secret": sandbox.info["edx_client_secret"],
            "token_type": "jwt",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "JWT"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read write email profile"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["preferred_username"] == "sandbox_worker"
    assert claims["administrator"] is True
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    assert {"aud", "iss", "scopes", "version", "sub", "filters", "is_restricted", "email_verified", "email"} <= set(
        claims
    )


def test_token_type_header_is_accepted(sandbox: Sandbox) -> None:
    response = httpx.post(
        sandbox.info["edx_lms_url"] + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.info["edx_client_id"],
            "client_secret": sandbox.info["edx_client_secret"],
        },
        headers={"X-Token-Type": "jwt"},
    )
    assert response.json()["token_type"] == "JWT"


def test_wrong_secret_and_unknown_client_are_401_invalid_client(sandbox: Sandbox) -> None:
    url = sandbox.info["edx_lms_url"] + TOKEN_PATH
    for client_id, secret in ((sandbox.info["edx_client_id"], "wrong"), ("nobody", "x")):
        response = httpx.post(
            url, data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        )
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client"}


def test_unsupported_grant_is_400(sandbox: Sandbox) -> None:
    response = httpx.post(
        sandbox.info["edx_lms_url"] + TOKEN_PATH,
        data={"grant_type": "password", "client_id": sandbox.info["edx_client_id"]},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


def test_no_credentials_is_401_with_jwt_challenge(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.info["edx_studio_url"] + RUNS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'JWT realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_jwt_prefix_is_case_insensitive(sandbox: Sandbox) -> None:
    token = sandbox.token()
    for prefix in ("JWT", "jwt", "Jwt"):
        response = httpx.get(sandbox.info["edx_studio_url"] + RUNS, headers={"Authorization": f"{prefix} {token}"})
        assert response.status_code == 200, prefix


def test_bearer_tokens_are_not_accepted_by_course_runs(sandbox: Sandbox) -> None:
    bearer = sandbox.token(token_type="bearer")
    response = httpx.get(sandbox.info["edx_studio_url"] + RUNS, headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_opaque_token_without_token_type(sandbox: Sandbox) -> None:
    response = httpx.post(
        sandbox.info["edx_lms_url"] + TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": sandbox.info["edx_client_id"],
            "client_secret": sandbox.info["edx_client_secret"],
        },
    )
    assert response.json()["token_type"] == "Bearer"
    assert response.json()["access_token"].count(".") != 2  # not a JWT


def test_invalid_token_is_401(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.info["edx_studio_url"] + RUNS, headers={"Authorization": "JWT not.a.token"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'JWT realm="api"'
    assert response.json() == {"detail": "Error decoding signature."}


def test_expired_token_is_401(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    # A minute's lifetime: the fresh token surely works; the one issued an hour ago not.
    client = sandbox.add_client("short_lived", "--token-ttl", "60")
    token = sandbox.token(client["client_id"], client["client_secret"])
    assert (
        httpx.get(sandbox.info["edx_studio_url"] + RUNS, headers={"Authorization": f"JWT {token}"}).status_code == 200
    )
    # The same client's token as the LMS issued it an hour ago (its clock, injected):
    # expired, without waiting for its lifetime to pass.
    db = store.connect(sandbox.state_dir)
    issued = auth.find_client(db, client["client_id"], client["client_secret"])
    assert issued is not None
    scopes = jwt.decode(token, options={"verify_signature": False})["scopes"]
    an_hour_ago = time.time() - 3600
    monkeypatch.setattr(auth.time, "time", lambda: an_hour_ago)
    old = auth.issue_jwt(db, sandbox.info["edx_lms_url"], issued, scopes)
    monkeypatch.undo()
    db.close()
    response = httpx.get(sandbox.info["edx_studio_url"] + RUNS, headers={"Authorization": f"JWT {old}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature has expired."}


def test_non_staff_token_is_403(sandbox: Sandbox) -> None:
    client = sandbox.add_client("learner", "--no-staff")
    token = sandbox.token(client["client_id"], client["client_secret"])
    assert jwt.decode(token, options={"verify_signature": False})["administrator"] is False
    response = httpx.get(sandbox.info["edx_studio_url"] + RUNS, headers={"Authorization": f"JWT {token}"})
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
