"""The benchmark's catalog with programs (issue 26): valid, and counted as built."""

from __future__ import annotations

from bench.catalogs import PROGRAMS, catalog
from provider.catalog import load_catalog


def test_ten_programs_of_five_courses_sold_to_fifty_contracts() -> None:
    parsed = load_catalog(catalog(PROGRAMS))
    assert len(parsed.programs) == 10 and len(parsed.contracts) == 50
    assert all(len(p.requirements.required) == 2 and len(p.requirements.elective) == 3 for p in parsed.programs)
    assert all(len(c.programs) == 1 and not c.courses for c in parsed.contracts)
    # 50 source courses x 4 + 50 organizations + 50 contracts x 3 + 10 programs.
    assert PROGRAMS.resources == 410
    # The runbook: 50 imports, 5 commands per contract, 2 per program.
    assert PROGRAMS.runbook_commands == 50 + 5 * 50 + 2 * 10
