"""mitxonline:EnrollmentCodes: the enrollment codes of one contract.

MITx Online never makes or adjusts codes by itself (spec/mitxonline.md §0.4, §6.1):
after courseware is added and after seats or price change, `b2b_codes validate
--contract <id>` brings the count to seats x runs (one per run without a seat cap; none
for a free managed or auto contract, §6.2). The declaration therefore carries the
contract's membership type, seats and price and the contract run keys (outputs of
mitxonline:Contract and mitxonline:ContractCourseware): any change to them is an update,
which validates again.

The codes are read with ONE command, `shell --no-imports -c <code>`, whose code runs
`b2b_codes output --all --format json --filename <temporary file>` in the same process
through Django's `call_command`, prints the file and removes it: JSON only comes out
through a file, written where the command runs (§12.2.1, §12.5.2), and one shell pays
Django's start-up once (docs/decisions.md). Create and update read only their contract's
codes (`--contract <id>`) after `b2b_codes validate`; a refresh reads every contract's
codes in one shared read, whatever the number of contracts. A row names its contract
run, whose key carries the contract id (§4.1). `count` is an ordinary output; `codes`
is a secret output (the Resource sets `additional_secret_outputs`), so state and
`pulumi stack output` never show them in clear.

Delete leaves the codes: a learner may hold one. `b2b_codes expire` removes unused ones,
by hand.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider.base import ProviderBase, check_declared, diff_declared, logger, parse_declared
from provider.mitxonline import client as mitx
from provider.mitxonline import commands
from provider.mitxonline._common import known_contract_id, write_or_recover
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import CodeRow, EnrollmentCodesArgs, expected_code_count
from provider.resource import DeclaredResource

_log = logger("mitxonline.enrollment_codes")

CREATE_ONLY = ("contract_id",)
SECRET_OUTPUTS = ["codes"]


def _outputs(args: EnrollmentCodesArgs, codes: list[CodeRow]) -> dict[str, Any]:
    return {
        **args.model_dump(mode="json"),
        "count": len(codes),
        "expected_count": _expected(args),
        "codes": [_code(row) for row in codes],
    }


def _code(row: CodeRow) -> dict[str, str]:
    """A code as the secret output shows it; the attach link is what the organization sends
    its learners (`courseware codes` writes it into the CSV)."""
    shown = {"code": row.code, "course_run": row.course_run}
    return shown if row.attach_link is None else {**shown, "attach_link": row.attach_link}


def _expected(args: EnrollmentCodesArgs) -> int:
    return expected_code_count(args.membership_type, args.max_learners, args.price, len(args.run_keys))


def _ensure(client: MitxOnline, args: EnrollmentCodesArgs) -> list[CodeRow]:
    """Validate, then read this contract's codes (2 commands), and say when the count is
    still off."""
    # `validate` sets the count rather than adding to it (§3.9), so it is safe to repeat;
    # after a failure the count read back tells whether it did its work (and that read
    # serves the one below).
    write_or_recover(
        client,
        commands.codes_validate(args.contract_id),
        f"validate the codes of contract {args.contract_id}",
        lambda: len(client.contract_codes(args.contract_id)) == _expected(args),
    )
    codes = client.contract_codes(args.contract_id)
    expected = _expected(args)
    if len(codes) != expected:
        _log.warning(
            "contract %s has %d enrollment codes after `b2b_codes validate`, %d expected (%s seats x %d runs): "
            "redeemed codes are never removed, and the declared seats, price or runs may not match MITx "
            "Online's (spec/mitxonline.md §6.2)",
            args.contract_id,
            len(codes),
            expected,
            args.max_learners or "unlimited",
            len(args.run_keys),
        )
    return codes


class EnrollmentCodesProvider(ProviderBase):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(EnrollmentCodesArgs, news)
        return CheckResult(checked.inputs, checked.failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `adopt` only matters to create: turning it off later validates nothing.
        return diff_declared(EnrollmentCodesArgs, olds, {**known_contract_id(olds, news), "adopt": olds.get("adopt")})

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(EnrollmentCodesArgs, props)
        client = mitx.current()
        if args.adopt:
            codes = client.codes(args.contract_id)
            if len(codes) == _expected(args):
                _log.info(
                    "contract %s already has its %d enrollment codes: adopting them", args.contract_id, len(codes)
                )
                return CreateResult(str(args.contract_id), _outputs(args, codes))
        return CreateResult(str(args.contract_id), _outputs(args, _ensure(client, args)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(EnrollmentCodesArgs, props)
        outs = _outputs(args, mitx.current().codes(args.contract_id))
        # The inputs are the contract's; only the codes themselves can drift here.
        return ReadResult(id_, outs, args.model_dump(mode="json", exclude_none=True))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(EnrollmentCodesArgs, news)
        return UpdateResult(_outputs(args, _ensure(mitx.current(), args)))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "the enrollment codes of contract %s are left in MITx Online: learners may hold them; "
            "`b2b_codes expire --contract %s --expire` removes the unused ones",
            id_,
            id_,
        )


class EnrollmentCodes(DeclaredResource, module="mitxonline", name="EnrollmentCodes"):
    """The enrollment codes of a contract; `codes` is secret. See docs/resources/mitxonline-enrollment-codes.md."""

    args_model = EnrollmentCodesArgs
    provider_class = EnrollmentCodesProvider
    output_names = ("count", "expected_count", "codes")
    secret_output_names = tuple(SECRET_OUTPUTS)
