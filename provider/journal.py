"""What the current provider operation has written, for the message of its failure.

One resource's create, update or delete may take several writes (a contract's import and
then its modify; a course run's PATCH and then MITx Online's sync). When a later one
fails, the operator must learn which earlier ones took effect, from the step's own
record, never a guess such as "nothing was changed" (issue 28). The dynamic provider
server runs each operation on a worker thread of its own, so the record is per thread:

    begin()          a new, empty record for the operation starting on this thread
    record(step)     a write that took effect (answered, or found applied after a failure)
    written()        what this thread's operation recorded, in order

Only the standard library is imported: the clients, below the resources, record here.
"""

from __future__ import annotations

import threading

_local = threading.local()


def begin() -> None:
    _local.steps = []


def record(step: str) -> None:
    steps: list[str] | None = getattr(_local, "steps", None)
    if steps is not None:
        steps.append(step)


def written() -> tuple[str, ...]:
    return tuple(getattr(_local, "steps", None) or ())
