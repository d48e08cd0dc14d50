"""A dynamic resource whose `create` returns only once `expected` creates are running at
the same time, or fails after `WAIT_S`: a stack of them applies only when the provider
process serves that many of the engine's calls at once (provider/server_threads.py).

Each create leaves a file in `room` (a directory the test makes) and waits for the others'
files. It subclasses the project's `ProviderBase`, whose `configure` widens the server.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource

from provider.base import ProviderBase

# Long enough for the engine to start every create on a loaded machine; a create that
# meets the others returns at once, so a passing run never waits this long.
WAIT_S = 60.0


class MeetingProvider(ProviderBase):
    def create(self, props: dict[str, Any]) -> CreateResult:
        room = Path(props["room"])
        name = props["name"]
        (room / name).touch()
        deadline = time.monotonic() + WAIT_S
        while len(list(room.iterdir())) < props["expected"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: only {len(list(room.iterdir()))} of {props['expected']} creates met")
            time.sleep(0.05)
        return CreateResult(name, dict(props))


class Meeting(Resource, module="courseware", name="Meeting"):
    def __init__(self, name: str, room: str, expected: int, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(MeetingProvider(), name, {"name": name, "room": room, "expected": expected}, opts)
