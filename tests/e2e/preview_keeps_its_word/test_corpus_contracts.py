"""Preview keeps its word over the corpus chain "contracts":
the contracts' seats, prices and fixed fields, and the organizations
(tests/e2e/preview_keeps_its_word/chain.py says what each edit must get)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.preview_keeps_its_word.chain import apply_chain
from tests.sandbox.helpers import Sandbox


def test_every_edit_is_refused_by_preview_or_applied_by_up(tmp_path: Path, module_sandbox: Sandbox) -> None:
    apply_chain("contracts", tmp_path, module_sandbox)
