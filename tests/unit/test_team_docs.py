"""docs/team.md says what the code does: its role setup is the SQL `scripts/postgres`
runs, and its CI settings keep the password out of the backend URL. Its backup commands
are run by tests/e2e/team/test_postgres_state.py."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from sandbox.postgres import TEAM_SQL

DOC = (Path(__file__).resolve().parents[2] / "docs" / "team.md").read_text()


def test_the_documented_role_setup_is_what_scripts_postgres_runs() -> None:
    assert re.findall(r"```sql\n(.*?)```", DOC, re.S) == [TEAM_SQL]


def test_the_ci_settings_take_the_password_from_a_secret_not_the_url() -> None:
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", DOC, re.S) if "PULUMI_BACKEND_URL" in b]
    env = yaml.safe_load(block)["env"]
    url = urlsplit(env["PULUMI_BACKEND_URL"])
    assert url.scheme == "postgres" and url.password is None and url.username == "courseware_preview"
    assert env["PGPASSWORD"].startswith("${{ secrets.")
    assert env["PULUMI_CONFIG_PASSPHRASE"].startswith("${{ secrets.")


def test_no_documented_command_puts_a_password_in_a_url() -> None:
    urls = re.findall(r"postgres://[^\s\"']+", DOC)
    # `****` is how the CLI masks the user and password when it names a lock.
    assert urls and all(urlsplit(url).password in (None, "****") for url in urls), urls
