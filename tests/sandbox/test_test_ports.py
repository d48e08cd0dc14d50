"""`make test TEST_PORTS=LOW-HIGH`: every sandbox a test starts listens in that range (issue 24).

The README says which ports `make test` uses and how to keep them in a range; these tests
hold the helper, the Makefile and the README to it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.sandbox.helpers import PORTS_SWITCH, free_port_base, ports_range, start_sandbox

REPO = Path(__file__).resolve().parents[2]


def test_a_sandbox_started_by_a_test_listens_inside_the_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PORTS_SWITCH, "41000-41099")
    box = start_sandbox(tmp_path / "sandbox")
    try:
        ports = [urlsplit(box.info[url]).port for url in ("edx_lms_url", "edx_studio_url", "mitxonline_url")]
        assert all(port is not None and 41000 <= port <= 41099 for port in ports), ports
    finally:
        box.cli("stop")
    assert 41000 <= free_port_base() <= 41097


@pytest.mark.parametrize("value", ["30000", "30000-30001", "80-1000", "30000-70000", "a-b"])
def test_a_range_that_cannot_hold_a_sandbox_is_refused_with_an_example(value: str) -> None:
    with pytest.raises(ValueError, match=r"e\.g\. 30000-30999"):
        ports_range(value)


def test_unset_means_the_system_chooses() -> None:
    assert ports_range("") is None


def test_the_readme_and_the_makefile_say_the_same() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make test TEST_PORTS=30000-30999" in readme and "20000 and 60000" in readme
    dry = subprocess.run(
        ["make", "-n", "test", "TEST_PORTS=30000-30999"], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert f"{PORTS_SWITCH}=30000-30999 scripts/run scripts/test-suite" in dry.stdout
