"""A command killed by its timeout is never run again (docs/reliability.md, "Not retried").

`kubectl exec` killed locally does not stop the process in the pod: a timed-out
`b2b_contract import` may still finish there, so a second try could make a second
contract (`-2` slug). After a timeout only the re-read decides: the work is there
(adopted) or the error goes to the operator. The same holds for reads, whose command may
still be holding a Django start-up's worth of the deployment. The slow proof through the
sandbox is tests/faults/test_command_timeouts.py; these run in milliseconds, so the
mutation "retry a timed-out command" fails here first.
"""

from __future__ import annotations

import subprocess

import pytest

from provider.errors import CommandTimedOut
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.contract import ContractProvider
from provider.mitxonline.transport import Completed
from tests.unit.mitxonline.fake import FakeMitx, ok
from tests.unit.mitxonline.test_contract import declared, listed

IMPORTED = "Import complete. Contract slug: bigco-codes-contract (id=21)"


@pytest.fixture
def bigco(fake: FakeMitx) -> FakeMitx:
    fake.organizations = [{"id": 20, "name": "BigCo Codes", "slug": "org-bigco-codes", "key": "BIGCO"}]
    return fake


def killed(args: list[str], stdin: str | None) -> Completed:
    """What the runner raises when the command ran past `commandTimeout`."""
    raise subprocess.TimeoutExpired(args, 30, output=b"", stderr=b"")


def test_a_timed_out_import_is_not_run_again(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.on("b2b_contract import", killed)
    step = r"create MITx Online contract bigco-codes-contract of BIGCO: "
    with pytest.raises(CommandTimedOut, match=step + r".*b2b_contract import.*killed after 30 s"):
        ContractProvider().create(declared())
    assert bigco.commands().count("b2b_contract import") == 1
    # No pause for a retry was taken either.
    assert bigco.now == 0


def test_a_timed_out_import_that_finished_remotely_is_adopted(bigco: FakeMitx, client: MitxOnline) -> None:
    def finished_in_the_pod(args: list[str], stdin: str | None) -> Completed:
        bigco.contracts.append(listed())
        return killed(args, stdin)

    bigco.on("b2b_contract import", finished_in_the_pod)
    result = ContractProvider().create(declared())
    assert result.id == "21"
    assert bigco.commands().count("b2b_contract import") == 1


def test_a_timed_out_read_is_not_run_again(bigco: FakeMitx, client: MitxOnline) -> None:
    bigco.on("listings", killed)
    with pytest.raises(CommandTimedOut):
        client.contracts()
    assert bigco.commands() == ["listings"]


def test_a_plain_failure_of_the_same_import_is_retried(bigco: FakeMitx, client: MitxOnline) -> None:
    """The contrast that shows the count above is the timeout's doing."""
    answers = iter([Completed(1, "", "OperationalError: server closed the connection"), ok(IMPORTED)])
    bigco.on("b2b_contract import", lambda args, stdin: next(answers))
    ContractProvider().create(declared())
    assert bigco.commands().count("b2b_contract import") == 2
