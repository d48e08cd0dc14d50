"""provider/platforms.py: the one place that builds the clients from the settings
(docs/decisions.md §25)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pulumi.dynamic import Config, ConfigureRequest

from provider import platforms
from provider.base import ProviderBase
from provider.edx.client import EdxClient
from provider.edx.keys import CourseKey
from provider.errors import ConfigurationError
from provider.mitxonline.client import MitxOnline
from provider.platforms import Platforms
from provider.settings import PlatformSettings
from tests.unit.edx.test_client import FakeEdx

KNOWN_RUN = "course-v1:UAI_BIGCO+A.0001x+1T21C2026"
MISSING_RUN = "course-v1:UAI_BIGCO+B.0002x+1T21C2026"


def stack_config(lms: str = "http://lms.test", manage: str = "manage.py", clone_timeout: float = 900) -> dict[str, str]:
    """The stack config the engine hands to `configure()`."""
    return {
        "courseware:edx": json.dumps({"lmsUrl": lms, "studioUrl": "http://studio.test", "clientId": "cid"}),
        "courseware:edxClientSecret": "edx-secret",
        "courseware:mitxonline": json.dumps(
            {"url": "http://mitxonline.test", "manageCommand": [manage], "cloneTimeout": clone_timeout}
        ),
        "courseware:mitxonlineApiKey": "api-key",
    }


def settings(**config: Any) -> PlatformSettings:
    return PlatformSettings.model_validate(
        {
            "edx": json.loads(stack_config(**config)["courseware:edx"]) | {"clientSecret": "edx-secret"},
            "mitxonline": json.loads(stack_config(**config)["courseware:mitxonline"]) | {"apiKey": "api-key"},
        }
    )


def configure(**config: Any) -> None:
    """Configure a provider the way the engine does, in this process."""
    ProviderBase().configure(ConfigureRequest(Config(stack_config(**config), "courseware")))


def studio(request: httpx.Request) -> httpx.Response:
    """A Studio that has one run."""
    if request.url.path.startswith(f"/api/v1/course_runs/{KNOWN_RUN}/"):
        return httpx.Response(200, json={"id": KNOWN_RUN, "title": "A", "schedule": {}, "pacing_type": "self_paced"})
    return httpx.Response(404, json={"detail": "Not found."})


def test_configure_builds_the_clients_from_the_stack_config() -> None:
    configure(lms="http://lms.one", manage="manage-one", clone_timeout=7)
    edx, mitxonline = platforms.edx(), platforms.mitxonline()
    assert isinstance(edx, EdxClient) and "lms.one" in repr(edx)
    assert isinstance(mitxonline, MitxOnline) and mitxonline.manage.prefix == ("manage-one",)
    assert mitxonline.clone_timeout == 7


def test_two_configures_with_different_settings_give_two_client_sets() -> None:
    configure(lms="http://lms.one", manage="manage-one")
    first = platforms.edx(), platforms.mitxonline()
    configure(lms="http://lms.two", manage="manage-two")
    second = platforms.edx(), platforms.mitxonline()
    assert first[0] is not second[0] and first[1] is not second[1]
    assert "lms.two" in repr(second[0]) and second[1].manage.prefix == ("manage-two",)


def test_the_same_settings_keep_the_clients() -> None:
    """The engine configures each provider class it unpickles (docs/platforms/pulumi.md
    §1): they all share one edX token, one set of command sessions and shared reads."""
    configure()
    current, edx, mitxonline = platforms.current(), platforms.edx(), platforms.mitxonline()
    configure()
    assert platforms.current() is current
    assert platforms.edx() is edx and platforms.mitxonline() is mitxonline


def test_new_mitxonline_settings_keep_the_edx_client() -> None:
    configure(manage="manage-one")
    edx, mitxonline = platforms.edx(), platforms.mitxonline()
    configure(manage="manage-two")
    assert platforms.edx() is edx
    assert platforms.mitxonline() is not mitxonline


def test_the_mitxonline_client_asks_the_edx_client_of_its_own_platforms() -> None:
    fake = FakeEdx(studio)
    built = Platforms(settings(), edx=fake.client())
    assert built.mitxonline().wait_for_edx([KNOWN_RUN, MISSING_RUN], timeout=0) == [MISSING_RUN]
    assert [r.url.path for r in fake.studio_requests()] == [
        f"/api/v1/course_runs/{KNOWN_RUN}/",
        f"/api/v1/course_runs/{MISSING_RUN}/",
    ]


def test_a_client_made_directly_needs_no_configure() -> None:
    """Tests and the CLI make clients without the process's platforms: nothing they do
    reads them. A MITx Online client given no edX lookup says so when it needs one."""
    with pytest.raises(ConfigurationError, match="before configure"):
        platforms.current()
    assert FakeEdx(studio).client().find_course_run(CourseKey.parse(KNOWN_RUN)) is not None
    mitxonline = MitxOnline(settings(clone_timeout=30).require_mitxonline())
    assert mitxonline.clone_timeout == 30
    with pytest.raises(ConfigurationError, match="made without an edX client"):
        mitxonline.wait_for_edx([KNOWN_RUN], timeout=0)


def test_a_platform_left_out_of_the_stack_config_is_named_when_needed() -> None:
    only_mitxonline = Platforms(PlatformSettings(mitxonline=settings().mitxonline))
    with pytest.raises(ConfigurationError, match="edX is not configured: set `courseware:edx`"):
        only_mitxonline.mitxonline().wait_for_edx([KNOWN_RUN], timeout=0)
    with pytest.raises(ConfigurationError, match="MITx Online is not configured: set `courseware:mitxonline`"):
        Platforms(PlatformSettings(edx=settings().edx)).mitxonline()


def test_reset_forgets_the_platforms_and_closes_their_clients() -> None:
    """Replaced platforms too: a call on another thread may still be using them when new
    settings arrive, so they stay open until the reset."""
    configure(manage="manage-one")
    edx, replaced = platforms.edx(), platforms.mitxonline()
    configure(manage="manage-two")
    current = platforms.mitxonline()
    assert not replaced.rest._http.is_closed
    platforms.reset()
    assert edx._http.is_closed and replaced.rest._http.is_closed and current.rest._http.is_closed
    with pytest.raises(ConfigurationError, match="before configure"):
        platforms.mitxonline()
