"""Every `courseware adopt` command in docs/adopting.md runs as written, through the CLI,
against a scripted MITx Online and Studio holding the objects the doc names; each writes
a valid catalog of what it selects into the operator's stack file (or, with `--dry-run`,
prints it and leaves the file alone)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from provider import cli
from provider.adopt import CATALOG_KEY, StackLocation
from provider.catalog import load_catalog
from provider.edx.keys import CourseKey
from provider.edx.models import ManagedFields
from provider.platforms import Platforms
from provider.settings import settings_from_config
from tests.unit.mitxonline.fake import API_KEY, PREFIX, URL, FakeMitx, ok

REPO = Path(__file__).resolve().parents[3]
DOC = (REPO / "docs" / "adopting.md").read_text()
COMMANDS = [
    shlex.split(line, comments=True)[2:]
    for block in re.findall(r"```sh\n(.*?)```", DOC, re.S)
    for line in map(str.strip, block.splitlines())
    if line.startswith("scripts/run courseware adopt ")
]
SOURCE = "course-v1:UAI_SOURCE+A.0001x+SOURCE"
COURSE = "course-v1:UAI_SOURCE+A.0001x"
# Keycloak organization ids are UUIDs; the last digit tells the two apart.
SSO = "2f0c6a52-6b1e-4a8e-9d57-3d5c0b9a1e0"
STACK = """\
# The prod stack: platform settings, then the catalog adopt writes.
encryptionsalt: v1:salt
config:
  courseware:mitxonline:
    url: https://mitxonline.example.edu
    manageCommand:
      - manage.py  # through the deployment
"""


class Studio:
    """edX Studio with the source run."""

    def find_course_run(self, key: CourseKey) -> Any:
        if str(key) != SOURCE:
            return None
        start, end = dt.datetime(2026, 1, 5, tzinfo=dt.UTC), dt.datetime(2030, 12, 31, tzinfo=dt.UTC)
        fields = ManagedFields(
            title="Intro", start=start, end=end, enrollment_start=None, enrollment_end=None, pacing="self_paced"
        )
        return type("Run", (), {"managed": lambda _self: fields})()

    def close(self) -> None:
        """`courseware adopt` closes the clients it made; this one holds nothing."""


def platform() -> FakeMitx:
    """The organizations, contracts and source course the doc's commands name."""
    contracts = [
        (21, "BigCo Codes Contract", "BigCo", "BIGCO", "code", 5),
        (22, "BigCo Managed", "BigCo", "BIGCO", "managed", None),
        (23, "UCode Seats", "UCode", "UCODE", "code", 3),
    ]
    rows = [
        {"id": i, "name": name, "slug": name.lower().replace(" ", "-"), "org_name": org, "membership_type": kind,
         "start": "2026-01-01", "max_learners": seats}
        for i, name, org, _key, kind, seats in contracts
    ]  # fmt: skip
    fake = FakeMitx(
        contracts=rows,
        organizations=[
            {"id": 1, "name": "BigCo", "slug": "org-bigco", "key": "BIGCO", "sso": f"{SSO}1"},
            {"id": 2, "name": "UCode", "slug": "org-ucode", "key": "UCODE", "sso": f"{SSO}2"},
        ],
    )
    fake.add_course(COURSE, live=True)
    fake.add_run(COURSE, SOURCE)
    for i, *_ in contracts:
        fake.add_run(COURSE, f"course-v1:UAI_X+A.0001x+1T{i}C2026", b2b_contract=i)
    org_key = {i: key for i, _name, _org, key, *_ in contracts}

    def export(args: list[str], _stdin: str | None) -> Any:
        organization = {"org_key": org_key[int(args[2])], "org_key_prefix": "UAI_"}
        return ok(json.dumps({"organization": organization, "contract": {"description": ""}}))

    fake.on("b2b_contract export", export)
    fake.on("shell", lambda _args, _stdin: ok("[]"))
    return fake


@pytest.fixture
def stack_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(STACK)
    location = StackLocation(tmp_path, "prod", path, tmp_path)
    settings = settings_from_config(
        {
            "courseware:mitxonline": json.dumps({"url": URL, "manageCommand": list(PREFIX)}),
            "courseware:mitxonlineApiKey": API_KEY,
            "courseware:edx": json.dumps({"lmsUrl": "http://lms", "studioUrl": "http://studio", "clientId": "c"}),
            "courseware:edxClientSecret": "s",
        }
    )
    monkeypatch.setattr(cli.adoption, "locate_stack", lambda stack, cwd: location)
    monkeypatch.setattr(cli.adoption, "stack_settings", lambda _location: settings)
    fake = platform()
    monkeypatch.setattr(cli, "Platforms", lambda settings: Platforms(settings, edx=Studio(), mitxonline=fake.client()))
    return path


def test_the_doc_shows_every_kind_of_selection() -> None:
    options = {word for argv in COMMANDS for word in argv if word.startswith("--")}
    assert options == {"--stack", "--all", "--org", "--contract", "--source-course", "--dry-run"}


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_documented_adopt_command_writes_a_valid_catalog(stack_file: Path, argv: list[str]) -> None:
    result = CliRunner().invoke(cli.main, argv)
    assert result.exit_code == 0, result.output
    text = stack_file.read_text()
    if "--dry-run" in argv:
        assert text == STACK
        written = yaml.safe_load(result.stdout)[CATALOG_KEY]
    else:
        # The operator's lines stay, comments included; the catalog follows them.
        assert text.startswith(STACK), text
        written = yaml.safe_load(text)["config"][CATALOG_KEY]
    catalog = load_catalog(written)
    slugs = {c.slug for c in catalog.contracts}
    if "--org" in argv:
        assert slugs == {"bigco-codes-contract", "bigco-managed", "ucode-seats"}
    if "--contract" in argv:
        assert slugs == {"bigco-codes-contract"}
        assert [o.org_key for o in catalog.organizations] == ["BIGCO"]
    if "--source-course" in argv:
        assert [s.course_key for s in catalog.source_courses] == [SOURCE] and not slugs
    if "--all" in argv:
        assert len(slugs) == 3 and [s.course_key for s in catalog.source_courses] == [SOURCE]
