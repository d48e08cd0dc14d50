"""Acceptance against a real MITx Online (issue 29, docs/acceptance.md).

    python -m acceptance.real_mitxonline start|status|stop SOURCE   (scripts/real-mitxonline)
    python -m acceptance [--target FILE] [--only NAME ...]           (make acceptance)

Never part of `.ci/run`: CI has no MITx Online. The unit tests of what runs without one
(the prefix, the target, the report) are in tests/acceptance/.
"""
