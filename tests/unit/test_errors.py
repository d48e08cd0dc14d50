"""provider/errors.py: one tree for every error, one HTTP status mapping, one message each."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

import provider
from provider import errors
from provider.errors import (
    Conflict,
    HttpError,
    NotFound,
    ProviderError,
    RateLimited,
    ServerError,
    Unauthorized,
    http_error,
    retry_after_seconds,
)
from provider.mitxonline.rest import MitxOnlineRest


def provider_modules() -> list[Any]:
    names = [m.name for m in pkgutil.walk_packages(provider.__path__, "provider.")]
    return [importlib.import_module(name) for name in names]


def test_every_exception_of_the_provider_is_defined_in_errors() -> None:
    elsewhere = {
        f"{module.__name__}.{name}"
        for module in provider_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseException)
        and value.__module__ == module.__name__
        and module.__name__ != "provider.errors"
    }
    assert elsewhere == set()


def test_the_docstring_tree_names_every_error() -> None:
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, ProviderError) and value.__module__ == "provider.errors"
    }
    assert defined <= set((errors.__doc__ or "").replace("─", " ").replace("│", " ").split())


def test_moved_errors_keep_their_old_names_and_bases() -> None:
    from provider.adopt import AdoptError
    from provider.code_sheet import UnknownContract
    from provider.edx.keys import InvalidCourseKey

    assert AdoptError is errors.AdoptError
    assert UnknownContract is errors.UnknownContract and issubclass(UnknownContract, LookupError)
    assert InvalidCourseKey is errors.InvalidCourseKey and issubclass(InvalidCourseKey, ValueError)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, "", Unauthorized),
        (403, "", Unauthorized),
        (404, "", NotFound),
        (409, "taken", Conflict),
        (400, "course-v1:A+B+C already exists", Conflict),
        (400, "bad", HttpError),
        (429, "", RateLimited),
        (503, "", ServerError),
    ],
)
def test_one_status_mapping(status: int, body: str, kind: type[HttpError]) -> None:
    error = http_error("GET", "http://x/", status, body, "read x")
    assert type(error) is kind and error.status == status and "read x: GET http://x/ answered" in str(error)


def test_retry_after_is_read_as_seconds_or_a_date() -> None:
    now = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + dt.timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    limited = http_error("GET", "http://x/", 429, "", "read", {"Retry-After": "12"})
    assert isinstance(limited, RateLimited) and limited.retry_after == 12.0


def rest(*answers: httpx.Response) -> tuple[MitxOnlineRest, list[float]]:
    queue, sleeps = list(answers), []
    transport = httpx.MockTransport(lambda request: queue.pop(0))
    return MitxOnlineRest("http://mitx.test", "key", transport=transport, sleep=sleeps.append), sleeps


def test_the_mitxonline_rest_client_maps_409_and_waits_as_retry_after_asks() -> None:
    client, _ = rest(httpx.Response(409, text="exists"))
    with pytest.raises(Conflict):
        client.organizations()
    client, sleeps = rest(httpx.Response(429, headers={"Retry-After": "9"}), httpx.Response(200, json=[]))
    assert client.organizations() == []
    assert sleeps == [9.0]


def test_every_error_renders_its_message_and_what_to_do_next() -> None:
    error = ServerError("POST", "http://studio/", 500, "broke", "create K")
    assert error.render() == f"{error}\nNext step: {ServerError.next_step}"
    drifted = errors.Drifted("run K", {"title": ("a", "b")})
    # Its message already ends with what to do.
    assert drifted.render() == str(drifted) and "Set `adopt: true`" in str(drifted)
    for kind in vars(errors).values():
        if inspect.isclass(kind) and issubclass(kind, ProviderError) and kind is not errors.Drifted:
            assert kind.next_step, kind
