"""The corpus itself (corpus.py): large enough, each edit once, and no chain that could pass
by refusing everything or by applying everything. No CLI: the chains' own test files run it."""

from __future__ import annotations

from collections import Counter

from tests.e2e.preview_keeps_its_word.corpus import CHAINS, EDITS


def test_the_corpus_holds_every_edit_once_in_three_chains() -> None:
    assert len(EDITS) >= 30
    assert len(CHAINS) == 3
    assert sum(len(chain) for chain in CHAINS.values()) == len(EDITS)
    twice = [name for name, count in Counter(edit.name for edit in EDITS).items() if count > 1]
    assert twice == []


def test_every_chain_holds_edits_that_must_be_refused_and_edits_that_must_apply() -> None:
    for name, chain in CHAINS.items():
        expected = {edit.refused for edit in chain}
        assert {True, False} <= expected, name
