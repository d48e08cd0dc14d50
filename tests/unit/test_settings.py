"""Platform settings from stack config: `cloneTimeout` of `courseware:mitxonline`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider.errors import ConfigurationError
from provider.settings import settings_from_config

REPO = Path(__file__).resolve().parents[2]


def config(**mitxonline: Any) -> dict[str, str]:
    settings = {"url": "https://mitxonline.example.edu", "manageCommand": ["manage.py"], **mitxonline}
    return {"courseware:mitxonline": json.dumps(settings), "courseware:mitxonlineApiKey": "key"}


def test_clone_timeout_defaults_to_900_seconds() -> None:
    assert settings_from_config(config()).require_mitxonline().clone_timeout == 900


def test_clone_timeout_is_read_from_the_stack() -> None:
    assert settings_from_config(config(cloneTimeout=5)).require_mitxonline().clone_timeout == 5


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0, "greater than 0"),
        (-1, "greater than 0"),
        (7201, "less than or equal to 7200"),
        ("soon", "valid number"),
    ],
)
def test_a_bad_clone_timeout_is_refused_naming_the_key(value: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"mitxonline\.cloneTimeout: .*{problem}"):
        settings_from_config(config(cloneTimeout=value))


@pytest.mark.parametrize("stack_file", sorted((REPO / "stacks").glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_shipped_stacks_wait_a_minute_for_sandbox_clones(stack_file: Path) -> None:
    shipped = yaml.safe_load(stack_file.read_text())["config"]
    raw = {key: json.dumps(shipped[key]) for key in ("courseware:edx", "courseware:mitxonline")}
    raw |= {"courseware:edxClientSecret": "secret", "courseware:mitxonlineApiKey": "key"}
    assert settings_from_config(raw).require_mitxonline().clone_timeout == 60


def test_the_documented_settings_example_is_valid() -> None:
    doc = (REPO / "docs" / "stack-file.md").read_text()
    [example] = [block for block in doc.split("```yaml\n")[1:] if "courseware:catalog:" not in block.split("```")[0]]
    documented = yaml.safe_load(example.split("```")[0])["config"]
    raw = {key: json.dumps(documented[key]) for key in ("courseware:edx", "courseware:mitxonline")}
    raw |= {"courseware:edxClientSecret": "secret", "courseware:mitxonlineApiKey": "key"}
    assert settings_from_config(raw).require_mitxonline().clone_timeout == 900


@pytest.mark.parametrize(
    ("prefix", "named"),
    [
        (["ssh", "mitx.example.edu", "python", "manage.py"], "`ssh` joins"),
        (["/usr/bin/ssh", "-t", "host", "manage.py"], "`ssh` joins"),
        (["sh", "-c", "python manage.py"], "`sh -c` runs one script"),
        (["kubectl", "exec", "-i", "deploy/app", "--", "bash", "-lc", "x", "-c", "python manage.py"], "`bash -c`"),
    ],
)
def test_a_prefix_that_joins_its_words_into_a_shell_line_is_refused(prefix: list[str], named: str) -> None:
    # The program sent to `shell -c` has spaces and quotes: a shell line would split it.
    with pytest.raises(ConfigurationError) as caught:
        settings_from_config(config(manageCommand=prefix))
    message = str(caught.value)
    assert "manageCommand" in message and named in message and "\n" not in message


@pytest.mark.parametrize(
    "prefix",
    [
        ["kubectl", "exec", "-i", "-n", "mitxonline", "deploy/mitxonline-app", "--", "python", "manage.py"],
        ["env", "-i", "/venv/bin/courseware-sandbox", "manage", "--state-dir", "/tmp/s"],
        ["bash", "manage-wrapper.sh"],
    ],
)
def test_an_argv_prefix_is_accepted(prefix: list[str]) -> None:
    assert settings_from_config(config(manageCommand=prefix)).require_mitxonline().manage_command == tuple(prefix)


@pytest.mark.parametrize(("value", "sessions"), [(None, 1), (True, 1), (False, 0), (3, 3)])
def test_command_sessions_are_on_by_default_and_can_be_sized_or_turned_off(value: Any, sessions: int) -> None:
    settings = config() if value is None else config(session=value)
    assert settings_from_config(settings).require_mitxonline().sessions == sessions


@pytest.mark.parametrize("value", [0, 9, "yes", 1.5])
def test_a_bad_session_setting_is_refused_naming_the_key(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="session"):
        settings_from_config(config(session=value))
