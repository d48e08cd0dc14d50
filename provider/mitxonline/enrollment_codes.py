"""mitxonline:EnrollmentCodes: the enrollment codes of one contract.

MITx Online never makes or adjusts codes by itself (docs/platforms/mitxonline.md §8):
after courseware is added and after seats or price change, `b2b_codes validate
--contract <id>` brings the count to seats x runs (one per run without a seat cap; none
for a free managed or auto contract, docs/platforms/mitxonline.md §8). The declaration therefore carries the
contract's membership type, seats and price and the contract run keys (outputs of
mitxonline:Contract and mitxonline:ContractCourseware): any change to them is an update,
which validates again.

The codes are read with ONE command, `shell --no-imports -c <code>`, whose code runs
`b2b_codes output --all --format json --filename <temporary file>` in the same process
through Django's `call_command`, prints the file and removes it: JSON only comes out
through a file, written where the command runs (docs/platforms/mitxonline.md §6), and one shell pays
Django's start-up once (docs/decisions.md). Create and update read only their contract's
codes (`--contract <id>`) after `b2b_codes validate`; a refresh reads every contract's
codes in one shared read, whatever the number of contracts. A row names its contract
run, whose key carries the contract id (docs/platforms/mitxonline.md §7). `count` is an ordinary output; `codes`
is a secret output (the Resource sets `additional_secret_outputs`), so state and
`pulumi stack output` never show them in clear.

Only the codes of the declared contract runs count: a run that `b2b_courseware remove`
retired keeps its redeemed codes (docs/platforms/mitxonline.md §9), which give no access any more. The number of
codes is compared with the declaration: check puts the expected `count` into the inputs
and read the live one, so `courseware drift` and `preview --refresh` report a contract
whose codes were multiplied by hand. Missing codes are made by `b2b_codes validate`;
extra ones stop the update before any write, because `validate` would delete the newest
unused ones (docs/platforms/mitxonline.md §8), which may already be in learners' hands.

Delete leaves the codes: a learner may hold one. `b2b_courseware remove` (the contract's
courseware, deleted after this resource) is what deletes the unused ones, and says so.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from provider import platforms
from provider.base import ProviderBase
from provider.declared import check_declared, diff_declared, has_unknown, parse_declared
from provider.errors import FieldProblem, Refused
from provider.logs import logger
from provider.mitxonline import commands
from provider.mitxonline._common import known_contract_id, write_or_recover
from provider.mitxonline.client import MitxOnline
from provider.mitxonline.models import CodeRow, EnrollmentCodesArgs
from provider.mitxonline.shapes import expected_count, held_codes
from provider.resource import DeclaredResource
from provider.rules import expected_code_count

_log = logger("mitxonline.enrollment_codes")

CREATE_ONLY = ("contract_id",)
SECRET_OUTPUTS = ["codes"]


def _outputs(args: EnrollmentCodesArgs, codes: list[CodeRow]) -> dict[str, Any]:
    held = held_codes(args, codes)
    return {
        **args.model_dump(mode="json"),
        "count": len(held),
        "expected_count": expected_count(args),
        "run_codes": _run_codes(args, held),
        "codes": [_code(row) for row in held],
    }


def _run_codes(args: EnrollmentCodesArgs, held: list[CodeRow]) -> dict[str, dict[str, int]]:
    """Per contract run, its codes and how many are unused: what a plan that removes the
    run's course deletes (not secret: counts only)."""
    return {
        run: {
            "codes": sum(row.course_run == run for row in held),
            "unused": sum(row.course_run == run and not row.redeemed for row in held),
        }
        for run in args.run_keys
    }


def _code(row: CodeRow) -> dict[str, str]:
    """A code as the secret output shows it; the attach link is what the organization sends
    its learners (`courseware codes` writes it into the CSV)."""
    shown = {"code": row.code, "course_run": row.course_run}
    return shown if row.attach_link is None else {**shown, "attach_link": row.attach_link}


# How a code is written out; `courseware codes` writes the live codes the same way.
shown_code = _code


def _extra_codes(contract_id: object, held: int, runs: int, expected: int, seats: int | None) -> FieldProblem | None:
    """The problem of a contract holding `held` codes for `runs` contract runs when its
    declaration makes `expected`: `b2b_codes validate` would delete the newest unused
    ones (docs/platforms/mitxonline.md §8), and a code handed to a learner but not yet used
    looks unused. None when there are no extra codes."""
    if held <= expected:
        return None
    return FieldProblem(
        "max_learners",
        f"contract {contract_id} has {held} enrollment codes for its {runs} contract run(s), "
        f"{held - expected} more than the {expected} its declaration makes ({seats or 'unlimited'} seats x {runs} "
        "runs): seats were raised and codes made outside this stack. This step runs no command: `b2b_codes "
        "validate` would delete the newest unused codes, and some of them may already have been sent to learners. "
        f"If the organization has those seats, declare `max_learners: {-(-held // runs) if runs else held}`. If "
        f"you know that none of the extra codes was sent, run `b2b_codes validate --contract {contract_id}` (it "
        f"deletes the {held - expected} newest unused codes), then `pulumi up --refresh`",
    )


def _refuse_extra_codes(args: EnrollmentCodesArgs, codes: list[CodeRow]) -> None:
    """Stop before `b2b_codes validate` when the contract holds more codes than declared."""
    runs = len(args.run_keys)
    problem = _extra_codes(
        args.contract_id, len(held_codes(args, codes)), runs, expected_count(args), args.max_learners
    )
    if problem is not None:
        raise Refused([problem])


def _extra_codes_known(olds: dict[str, Any], values: dict[str, Any]) -> list[CheckFailure]:
    """Preview's side of `_refuse_extra_codes`: the codes the state last saw (`count` in the
    old inputs: the declared number after an `up`, the live one after a refresh) against
    what the new declaration keeps for the same runs. No command runs; `preview --refresh`
    sees codes made by hand since (docs/reliability.md)."""
    held, old_runs = olds.get("count"), olds.get("run_keys")
    if not isinstance(held, int | float) or not isinstance(old_runs, list) or has_unknown(old_runs):
        return []
    if "membership_type" not in values:
        return []
    new_runs = values.get("run_keys")
    if isinstance(new_runs, list) and not set(old_runs) <= set(new_runs):
        # A course leaves the contract: `b2b_courseware remove` deletes that run's unused
        # codes, which the plan says (provider/reports.py) and the policy pack asks about.
        return []
    runs = len(old_runs)
    expected = expected_code_count(values["membership_type"], values.get("max_learners"), values.get("price"), runs)
    problem = _extra_codes(values.get("contract_id", "?"), int(held), runs, expected, values.get("max_learners"))
    return [] if problem is None else [CheckFailure(problem.path, problem.message)]


def _ensure(client: MitxOnline, args: EnrollmentCodesArgs, before: list[CodeRow] | None) -> list[CodeRow]:
    """Refuse extra codes among `before` (the codes read first; None for a contract whose
    codes were never made), validate, then read this contract's codes (2 commands), and
    say when the count is still off."""
    if before is not None:
        _refuse_extra_codes(args, before)
    # `validate` sets the count rather than adding to it (docs/platforms/mitxonline.md §3), so it is safe to repeat;
    # after a failure the count read back tells whether it did its work (and that read
    # serves the one below).
    write_or_recover(
        client,
        commands.codes_validate(args.contract_id),
        f"validate the codes of contract {args.contract_id}",
        lambda: len(held_codes(args, client.contract_codes(args.contract_id))) == expected_count(args),
    )
    codes = client.contract_codes(args.contract_id)
    expected = expected_count(args)
    if len(held_codes(args, codes)) != expected:
        _log.warning(
            "contract %s has %d enrollment codes after `b2b_codes validate`, %d expected (%s seats x %d runs): "
            "the declared seats, price or runs may not match MITx Online's (docs/platforms/mitxonline.md §8)",
            args.contract_id,
            len(held_codes(args, codes)),
            expected,
            args.max_learners or "unlimited",
            len(args.run_keys),
        )
    return codes


def _expected_count(values: dict[str, Any]) -> int | None:
    """The count the checked `values` make, or None while one of them is unknown."""
    if "membership_type" not in values or "run_keys" not in values:
        return None
    return expected_code_count(
        values["membership_type"], values.get("max_learners"), values.get("price"), len(values["run_keys"])
    )


class EnrollmentCodesProvider(ProviderBase):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        checked = check_declared(EnrollmentCodesArgs, {k: v for k, v in news.items() if k != "count"})
        checked.failures.extend(_extra_codes_known(olds, checked.values))
        expected = _expected_count(checked.values)
        if expected is not None and not checked.failures:
            # The declared number of codes, beside the declared fields: read returns the
            # live number under the same key, so a refresh shows a count changed by hand.
            checked.inputs["count"] = expected
        return CheckResult(checked.inputs, checked.failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `adopt` only matters to create: turning it off later validates nothing.
        diff = diff_declared(EnrollmentCodesArgs, olds, {**known_contract_id(olds, news), "adopt": olds.get("adopt")})
        miscounted = news.get("count") is not None and olds.get("count") != news.get("count")
        return DiffResult(changes=bool(diff.changes or miscounted), replaces=diff.replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = parse_declared(EnrollmentCodesArgs, props)
        client = platforms.mitxonline()
        if args.adopt:
            codes = client.codes(args.contract_id)
            if len(held_codes(args, codes)) == expected_count(args):
                _log.info(
                    "contract %s already has its %d enrollment codes: adopting them",
                    args.contract_id,
                    len(held_codes(args, codes)),
                )
                return CreateResult(str(args.contract_id), _outputs(args, codes))
            return CreateResult(str(args.contract_id), _outputs(args, _ensure(client, args, codes)))
        # The contract and its courseware were made just before, and neither makes codes
        # (`make_codes` is off): there is nothing to read first. A contract taken over
        # from elsewhere is declared `adopt: true`, whose read above is checked.
        return CreateResult(str(args.contract_id), _outputs(args, _ensure(client, args, None)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        args = parse_declared(EnrollmentCodesArgs, props)
        outs = _outputs(args, platforms.mitxonline().codes(args.contract_id))
        # The inputs are the contract's; only the codes themselves can drift here, and
        # their number is what a drift report can show without a secret.
        inputs = {**args.model_dump(mode="json", exclude_none=True), "count": outs["count"]}
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = parse_declared(EnrollmentCodesArgs, news)
        client = platforms.mitxonline()
        # Read first (1 command): codes made by hand are seen even without a refresh.
        return UpdateResult(_outputs(args, _ensure(client, args, client.contract_codes(args.contract_id))))

    def delete(self, id_: str, _props: dict[str, Any]) -> None:
        _log.warning(
            "the enrollment codes of contract %s are not deleted by this step: learners may hold them. When "
            "this run also removes the contract's courseware, `b2b_courseware remove` deletes the unused codes "
            "of the runs it retires and reports how many",
            id_,
        )


class EnrollmentCodes(DeclaredResource, module="mitxonline", name="EnrollmentCodes"):
    """The enrollment codes of a contract; `codes` is secret. See docs/resources/mitxonline-enrollment-codes.md."""

    args_model = EnrollmentCodesArgs
    provider_class = EnrollmentCodesProvider
    output_names = ("count", "expected_count", "run_codes", "codes")
    secret_output_names = tuple(SECRET_OUTPUTS)
