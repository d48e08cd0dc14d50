"""A learner's side of MITx Online's B2B API: attach with an enrollment code, then enroll.

`POST /api/v0/b2b/attach/<code>/` (`AttachContractApi`) and `POST /api/v0/b2b/enroll/<run>/`
(`Enroll`), as observed on a real MITx Online (docs/acceptance.md, the `learner`
scenario; docs/platforms/mitxonline.md §6): a one-time code attaches one learner to
the active, in-date contracts of its products (201, the contract in a list), a learner
already in them gets 200, a used or unknown code 404 `Invalid or expired enrollment
code.`, a full contract 409 `Contract is full.`; a learner of the contract then enrolls
in its run (201, `b2b-enroll-success`), anyone else gets 400 `b2b-error-no-contract`.

The real API knows the learner from a session cookie. The sandbox has no accounts: a
learner is the email in the `X-Sandbox-Learner` header, and without it the answer is
DRF's 403. A learner belongs to a contract (and so to its organization) once an attach
redemption with their email exists; an enrollment is a row of `mitx_enrollment`.
"""

from __future__ import annotations

from sandbox.context import AppContext
from sandbox.http import Request, Response
from sandbox.mitxonline import repo, serializers
from sandbox.mitxonline.models import Contract, now

LEARNER_HEADER = "x-sandbox-learner"
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
INVALID_CODE = {"detail": "Invalid or expired enrollment code."}
NO_CONTRACTS = {"detail": "No contracts found for this code."}
FULL = {"detail": "Contract is full."}


def members(ctx: AppContext, contract_id: int) -> set[str]:
    """The learners attached to a contract."""
    found = repo.rows(
        ctx.db,
        "SELECT DISTINCT user_email FROM mitx_code_redemption WHERE contract_id = ? AND kind = 'attach'",
        [contract_id],
    )
    return {row["user_email"] for row in found}


def _usable_code(ctx: AppContext, code: str) -> int | None:
    """`_get_valid_discount`: a code within its dates, unlimited or not yet redeemed."""
    today = now().date().isoformat()
    for row in repo.rows(ctx.db, "SELECT * FROM mitx_discount WHERE discount_code = ?", [code]):
        if row["activation_date"] and row["activation_date"][:10] > today:
            continue
        if row["expiration_date"] and row["expiration_date"][:10] < today:
            continue
        used = repo.scalar(ctx.db, "SELECT COUNT(*) FROM mitx_code_redemption WHERE discount_id = ?", [row["id"]])
        if row["redemption_type"] == "unlimited" or used == 0:
            return int(row["id"])
    return None


def _contracts_of_code(ctx: AppContext, code_id: int) -> list[Contract]:
    """The active, in-date contracts whose runs' products the code applies to."""
    ids = repo.rows(
        ctx.db,
        "SELECT DISTINCT r.b2b_contract_id AS id FROM mitx_discount_product dp "
        "JOIN mitx_product p ON p.id = dp.product_id JOIN mitx_course_run r ON r.id = p.run_id "
        "WHERE dp.discount_id = ? AND r.b2b_contract_id IS NOT NULL",
        [code_id],
    )
    today = now().date()
    found = [repo.contract_by_id(ctx.db, int(row["id"])) for row in ids]
    return [c for c in found if c is not None and c.in_active_objects(today)]


def _learner_posting(req: Request) -> tuple[str, Response | None]:
    """The learner a POST comes from, or the answer to a request that is not one."""
    learner = req.headers.get(LEARNER_HEADER) or ""
    if not learner:
        return learner, Response(403, NOT_AUTHENTICATED)
    if req.method != "POST":
        return learner, Response(405, {"detail": f'Method "{req.method}" not allowed.'})
    return learner, None


def attach(req: Request, ctx: AppContext, code: str | None) -> Response:
    learner, refused = _learner_posting(req)
    if refused is not None:
        return refused
    code_id = _usable_code(ctx, code or "")
    if code_id is None:
        return Response(404, INVALID_CODE)
    contracts = _contracts_of_code(ctx, code_id)
    if not contracts:
        return Response(404, NO_CONTRACTS)
    attached, full = [], False
    for contract in contracts:
        joined = members(ctx, contract.id)
        if learner in joined:
            continue
        if contract.max_learners and len(joined) >= contract.max_learners:
            full = True
            continue
        repo.insert(
            ctx.db,
            "mitx_code_redemption",
            {
                "discount_id": code_id,
                "contract_id": contract.id,
                "kind": "attach",
                "user_email": learner,
                "redeemed_on": repo.now_iso(),
            },
        )
        attached.append(contract)
    if attached:
        return Response(201, [serializers.contract(ctx, attached[0])])
    if full:
        return Response(409, FULL)
    return Response(200, [serializers.contract(ctx, c) for c in contracts if learner in members(ctx, c.id)][:1])


def enroll(req: Request, ctx: AppContext, courseware_id: str | None) -> Response:
    learner, refused = _learner_posting(req)
    if refused is not None:
        return refused
    run = repo.run_by_courseware_id(ctx.db, courseware_id or "", usable_only=False)
    if run is None or run.b2b_contract_id is None:
        return Response(404, {"detail": "No CourseRun matches the given query."})
    contract = repo.contract_by_id(ctx.db, run.b2b_contract_id)
    if contract is None or not contract.in_active_objects(now().date()) or learner not in members(ctx, contract.id):
        return Response(400, {"result": "b2b-error-no-contract"})
    enrolled = repo.scalar(
        ctx.db, "SELECT id FROM mitx_enrollment WHERE run_id = ? AND user_email = ?", [run.id, learner]
    )
    if enrolled is None:
        enrolled = repo.insert(
            ctx.db, "mitx_enrollment", {"run_id": run.id, "user_email": learner, "created_on": repo.now_iso()}
        )
    return Response(201, {"result": "b2b-enroll-success", "order": enrolled})
