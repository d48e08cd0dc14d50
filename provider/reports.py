"""Field-level reports from the Pulumi CLI's JSON: pull-request plan summaries and drift.

Plans read the `PreviewDigest` document of `pulumi preview --json`; drift reads the
engine events of `pulumi refresh --preview-only --json` in streaming mode
(docs/platforms/pulumi.md §4). Dynamic providers send no
detailed diff, so the changed fields are computed here from the old and new property
bags, over declared fields only: keys starting with `__` (the pickled provider) are
engine plumbing, never a change anyone made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provider.mitxonline.models import CONTRACT_STATE_FIELDS

# The signature key the engine uses for secret values in JSON.
_SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET = "[secret]"
# The engine's placeholder for a value known only after the apply (docs/platforms/pulumi.md §3).
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN = "(known after apply)"
# Stack output prefix of a MITx Online run's source-run flag (provider/program.py).
IS_SOURCE_RUN = "is_source_run:"

# Inputs a provider's check adds to describe the change it plans (for the policy pack);
# no read observes them, so they are never drift.
PLAN_NOTES = frozenset({"courses_removed", "programs_removed", "adopts"})
_COURSEWARE = "mitxonline:ContractCourseware"
_CODES = "mitxonline:EnrollmentCodes"
# The stack's destroy guard (provider/destroy_guard.py) holds nothing of a platform's.
DESTROY_GUARD = "courseware:DestroyGuard"
# Inputs a resource copies from another one, shown on that one's row only. The courseware's
# diff ignores the contract's state it carries, so its state keeps the value of its last
# update, and a later, unrelated update showed a stale `contract_end` (issue 24).
_COPIES = {_COURSEWARE: frozenset(CONTRACT_STATE_FIELDS)}
# An id that never changes under an existing resource: a contract is never replaced, yet
# a preview that updates it marks its `contract_id` unknown for every resource that uses
# it. The providers read it as the old id (provider/mitxonline/_common.py,
# `known_contract_id`); so does the summary, instead of "`19` → (known after apply)".
_KEPT_ID = "contract_id"

# Operations in the order a reviewer should read them: what destroys first.
_ORDER = ["delete-replaced", "replace", "create-replacement", "delete", "update", "create"]
_TITLES = {
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "delete": "delete",
    "update": "update",
    "create": "create",
}


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ResourceChange:
    op: str
    urn: str
    type: str
    name: str
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def destructive(self) -> bool:
        return self.op in {"delete", "replace", "create-replacement", "delete-replaced"}


def _masked(value: Any) -> Any:
    if value == _UNKNOWN:
        return UNKNOWN
    if isinstance(value, Mapping):
        if _SECRET_SIG in value:
            return SECRET
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def _declared(props: Mapping[str, Any] | None) -> dict[str, Any]:
    return {k: _masked(v) for k, v in (props or {}).items() if not k.startswith("__")}


def field_changes(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, *, declared_only: bool = False
) -> list[FieldChange]:
    """Every field whose value differs between two property bags, secrets masked.

    With `declared_only`, only the fields of `new` count: an update compares old outputs
    with new inputs, and output-only fields (ids, counts) are not in the inputs at all.
    """
    before, after = _declared(old), _declared(new)
    names = set(after) if declared_only else set(before) | set(after)
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in sorted(names)
        if before.get(name) != after.get(name)
    ]


def _urn_parts(urn: str) -> tuple[str, str]:
    # urn:pulumi:<stack>::<project>::<type>::<name>
    parts = urn.split("::")
    return parts[-2].split("$")[-1], parts[-1]


def _is_grouping(step: Mapping[str, Any]) -> bool:
    """The stack, the catalog's components and the destroy guard: the CLI counts them, but
    they never call a platform."""
    if _urn_parts(str(step.get("urn", "")))[0].endswith(DESTROY_GUARD):
        return True
    return not (step.get("oldState") or step.get("newState") or {}).get("custom", True)


def plan_changes(digest: Mapping[str, Any]) -> list[ResourceChange]:
    """The changes a `pulumi preview --json` digest proposes, destructive ones first."""
    changes = []
    for step in digest.get("steps") or []:
        op = step.get("op", "")
        if op not in _TITLES or _is_grouping(step):
            continue
        old_state = step.get("oldState") or {}
        new_state = step.get("newState") or {}
        # diff and update compare old outputs with new inputs (docs/platforms/pulumi.md §3)
        old = old_state.get("outputs") or old_state.get("inputs")
        new = new_state.get("inputs")
        rtype, name = _urn_parts(step["urn"])
        if op == "update" and old and new and new.get(_KEPT_ID) == _UNKNOWN and old.get(_KEPT_ID) is not None:
            new = {**new, _KEPT_ID: old[_KEPT_ID]}
        copies = _COPIES.get(rtype.rsplit("/", 1)[-1], frozenset())
        fields = [f for f in field_changes(old, new, declared_only=op != "delete") if f.name not in copies]
        changes.append(ResourceChange(op, step["urn"], rtype, name, fields))
    # replace shows as three steps in some digests; keep one per resource
    seen: set[str] = set()
    unique = []
    for change in sorted(changes, key=lambda c: (_ORDER.index(c.op), c.type, c.name)):
        if change.urn not in seen:
            seen.add(change.urn)
            unique.append(change)
    return unique


def _error_text(diagnostic: Mapping[str, Any]) -> str:
    """An error diagnostic as `type name: message`, or the message alone for the stack's own."""
    message = str(diagnostic.get("message", "")).strip()
    if not _is_resource_error(diagnostic):
        return message
    rtype, name = _urn_parts(str(diagnostic["urn"]))
    return f"{rtype} {name}: {message}"


def _is_resource_error(diagnostic: Mapping[str, Any]) -> bool:
    urn = str(diagnostic.get("urn") or "")
    return "::" in urn and "pulumi:pulumi:Stack" not in urn


def _resource_errors_first(diagnostics: Iterable[Mapping[str, Any]]) -> list[str]:
    errors = [d for d in diagnostics if d.get("severity") == "error"]
    # A resource's own error says what failed; the stack's ("update failed") only that something did.
    ranked = sorted(errors, key=lambda d: not _is_resource_error(d))
    return [_error_text(d) for d in ranked]


def digest_errors(digest: Mapping[str, Any]) -> list[str]:
    """The errors of a `pulumi preview --json` digest: a preview that has any failed."""
    return _resource_errors_first(digest.get("diagnostics") or [])


def event_errors(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The error diagnostics among streamed engine events, resources' own first."""
    return _resource_errors_first(e["diagnosticEvent"] for e in events if e.get("diagnosticEvent"))


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def failed_plan_markdown(errors: Iterable[str]) -> str:
    """A pull-request comment for a preview that failed: its errors instead of a plan."""
    lines = ["### Courseware plan", "", "> **The preview failed**: its plan is incomplete, so none is shown.", ""]
    for error in errors:
        lines += ["```", error.replace("```", "` ` `"), "```", ""]
    return "\n".join(lines)


def grouping_counts(digest: Mapping[str, Any]) -> dict[str, int]:
    """How many grouping resources (the stack, the components) each operation of the plan
    touches: `pulumi preview` counts them in its totals, the plan summary does not list them."""
    urns: dict[str, set[str]] = {}
    for step in digest.get("steps") or []:
        op = step.get("op", "")
        if op in _TITLES and _is_grouping(step):
            urns.setdefault(_TITLES[op], set()).add(step["urn"])
    return {op: len(found) for op, found in urns.items()}


def drift_changes(events: Iterable[Mapping[str, Any]]) -> list[ResourceChange]:
    """Resources whose live state differs from state, from the engine events that
    `pulumi refresh --preview-only --json` streams (PULUMI_ENABLE_STREAMING_JSON_PREVIEW).

    The non-streaming digest of a refresh carries the pre-refresh state on both sides, so
    it cannot show drift; the `resOutputsEvent` of each refresh step does: `old` is the
    state (what was declared and applied) and `new` what `read` found live, in the
    declared shape, since `read` returns inputs (docs/platforms/pulumi.md §3).
    """
    drifted = []
    for event in events:
        step = (event.get("resOutputsEvent") or {}).get("metadata")
        if not step or not (step.get("old") or {}).get("custom"):
            continue
        rtype, name = _urn_parts(step["urn"])
        new_state = step.get("new")
        if step.get("op") == "delete" or not new_state:
            drifted.append(ResourceChange("delete", step["urn"], rtype, name, []))
            continue
        fields = [
            f for f in field_changes(step["old"].get("inputs"), new_state.get("inputs")) if f.name not in PLAN_NOTES
        ]
        if fields:
            drifted.append(ResourceChange("update", step["urn"], rtype, name, fields))
    return drifted


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def _count_line(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} to {op}" for op, n in sorted(counts.items(), key=lambda kv: _ORDER.index(kv[0])))


def _grouping_note(listed: Mapping[str, int], grouping: Mapping[str, int]) -> str:
    """Why the CLI's totals are higher than the summary's, with the CLI's own numbers."""
    cli_totals = {op: listed.get(op, 0) + grouping.get(op, 0) for op in set(listed) | set(grouping)}
    left_out = sum(grouping.values())
    return (
        f"Not listed: {left_out} grouping resource(s) (the stack and its components), which call no platform; "
        f"`pulumi preview` counts them too and says {_count_line(cli_totals)}."
    )


def learner_losses(digest: Mapping[str, Any]) -> list[str]:
    """What a `pulumi preview --json` digest takes from learners, one sentence per course
    it removes from a contract: the contract run `b2b_courseware remove` retires, how many
    unused codes it deletes (from the codes' `run_codes` in state) and that codes already
    sent stop working (docs/platforms/mitxonline.md §9). A program leaving a contract
    retires the runs of its courses only with `remove_program_runs` (and never those the
    contract still declares); otherwise a sentence says its runs stay
    (docs/platforms/mitxonline.md §14)."""
    steps = list(digest.get("steps") or [])
    run_codes: dict[str, Mapping[str, Any]] = {}
    for step in steps:
        rtype, name = _urn_parts(step["urn"])
        if rtype.endswith(_CODES):
            run_codes[name] = ((step.get("oldState") or {}).get("outputs") or {}).get("run_codes") or {}
    found = []
    for step in steps:
        rtype, name = _urn_parts(step["urn"])
        op = step.get("op")
        if not rtype.endswith(_COURSEWARE) or op not in ("update", "delete"):
            continue
        old: Mapping[str, Any] = (step.get("oldState") or {}).get("outputs") or {}
        new: Mapping[str, Any] = ((step.get("newState") or {}).get("inputs") or {}) if op == "update" else {}
        runs_of: Mapping[str, Any] = old.get("contract_runs") or {}
        kept = new.get("courses") if op == "update" else []
        if not isinstance(kept, list):
            continue
        new_programs = new.get("program_courses") or {}
        covered = {*kept, *(c for p in new.get("programs") or [] for c in new_programs.get(p) or [])}
        leaving = sorted(set(old.get("programs") or []) - set(new.get("programs") or []))
        retire = bool(new.get("remove_program_runs") if op == "update" else old.get("remove_program_runs"))
        through: dict[str, str] = {}
        for program in leaving:
            courses = [c for c in (old.get("program_courses") or {}).get(program) or [] if c not in covered]
            if not retire:
                runs = ", ".join(f"`{run}`" for c in courses for run in runs_of.get(c) or []) or "(none)"
                found.append(
                    f"`{name}` unlinks program `{program}`: its contract run(s) {runs} stay live and learners keep "
                    "them and their codes (remove_program_runs: false)."
                )
                covered.update(courses)
            else:
                through.update({c: program for c in courses})
        for course in sorted(set(runs_of) - covered):
            for run in runs_of[course] or []:
                unused = (run_codes.get(name, {}).get(run) or {}).get("unused")
                codes = (
                    f"its {unused} unused enrollment code(s) are deleted"
                    if isinstance(unused, int)
                    else "its unused enrollment codes are deleted (`pulumi refresh` first to count them)"
                )
                via = f" (through program `{through[course]}`, remove_program_runs: true)" if course in through else ""
                found.append(
                    f"`{name}` drops `{course}`{via}: contract run `{run}` is retired (no longer live, enrollment "
                    f"closed), {codes}, and codes already sent to learners for it stop working. Declaring the "
                    "course again makes a new contract run with new codes."
                )
    return found


def adoptions(digest: Mapping[str, Any]) -> list[str]:
    """The creates of a `pulumi preview --json` digest that will take over an existing
    object instead: their check named it in the `adopts` input."""
    found = []
    for step in digest.get("steps") or []:
        adopts = ((step.get("newState") or {}).get("inputs") or {}).get("adopts")
        if step.get("op") == "create" and adopts:
            rtype, name = _urn_parts(step["urn"])
            found.append(f"`{rtype}` `{name}` adopts the existing {adopts} (made by hand or by another stack)")
    return found


def plan_markdown(
    changes: Iterable[ResourceChange],
    losses: Sequence[str] = (),
    adopted: Sequence[str] = (),
    grouping: Mapping[str, int] | None = None,
) -> str:
    """A pull-request comment: what learners lose, replacements and deletions, then updates
    and creates.

    `grouping` (from `grouping_counts`) are the stack and component changes the CLI
    counts; the comment says how many it leaves out, so its totals can be checked
    against the CLI's.
    """
    changes = list(changes)
    grouping = {op: n for op, n in (grouping or {}).items() if n}
    counts: dict[str, int] = {}
    for change in changes:
        counts[_TITLES[change.op]] = counts.get(_TITLES[change.op], 0) + 1
    note = [_grouping_note(counts, grouping), ""] if grouping else []
    if not changes:
        return "\n".join(["### Courseware plan", "", "No changes: the platforms already match the stack.", "", *note])
    lines = ["### Courseware plan", "", _count_line(counts), "", *note]
    if losses:
        lines += ["> **Learners lose access**: this plan removes courses from contracts:", ">"]
        lines += [f"> - {loss}" for loss in losses]
        lines.append("")
    if adopted:
        lines += ["> **Adopts**: these creates take over objects that already exist:", ">"]
        lines += [f"> - {line}" for line in adopted]
        lines.append("")
    destructive = [c for c in changes if c.destructive]
    if destructive:
        lines += ["> **Warning**: this plan replaces or deletes resources:", ">"]
        lines += [f"> - **{_TITLES[c.op]}** `{c.type}` `{c.name}`" for c in destructive]
        lines.append("")
    for change in changes:
        lines.append(f"#### {_TITLES[change.op]} `{change.type}` `{change.name}`")
        if change.fields:
            lines += ["", "| field | old | new |", "|---|---|---|"]
            lines += [f"| {f.name} | {_cell(f.old)} | {_cell(f.new)} |" for f in change.fields]
        lines.append("")
    return "\n".join(lines)


def drift_markdown(changes: Iterable[ResourceChange]) -> str:
    changes = list(changes)
    if not changes:
        return "No drift: every resource matches its declaration.\n"
    lines = [f"Drift found in {len(changes)} resource(s):", ""]
    for change in changes:
        if change.op == "delete":
            lines.append(f"- `{change.type}` `{change.name}`: gone from the platform")
            continue
        lines.append(f"- `{change.type}` `{change.name}`:")
        lines += [f"    - {f.name}: declared {_cell(f.old)}, live {_cell(f.new)}" for f in change.fields]
    return "\n".join(lines) + "\n"


def drift_json(changes: Iterable[ResourceChange]) -> list[dict[str, Any]]:
    return [
        {
            "urn": c.urn,
            "type": c.type,
            "name": c.name,
            "status": "deleted" if c.op == "delete" else "drifted",
            "fields": [{"field": f.name, "declared": f.old, "live": f.new} for f in c.fields],
        }
        for c in changes
    ]


def _source_run_note(outputs: Mapping[str, Any], course_key: str) -> str:
    """The MITx Online run's `is_source_run`, which no MITx Online API shows (docs/platforms/mitxonline.md §6)."""
    flag = outputs.get(f"{IS_SOURCE_RUN}{course_key}")
    if flag is None:
        return " (edX only: no MITx Online run)"
    return f" (MITx Online run: is_source_run {'true' if flag else 'false'})"


def summary_text(outputs: Mapping[str, Any]) -> str:
    """The stack outputs of `provider/program.py` as a short report (codes are secret and
    shown only as counts)."""
    courses = sorted(k.removeprefix("source_course:") for k in outputs if k.startswith("source_course:"))
    contracts = sorted((k.removeprefix("contract:"), v) for k, v in outputs.items() if k.startswith("contract:"))
    lines = ["Source courses:"] + ([f"  {key}{_source_run_note(outputs, key)}" for key in courses] or ["  (none)"])
    lines.append("Contracts:")
    for label, value in contracts:
        value = value if isinstance(value, Mapping) else {}
        lines.append(f"  {label} (id {value.get('contract_id')}, slug {value.get('slug')})")
        for run in value.get("run_keys") or []:
            lines.append(f"    contract run {run}")
        if "code_count" in value:
            lines.append(
                f"    {value['code_count']} enrollment codes (secret; `courseware codes '{label}'` writes them as CSV)"
            )
    if not contracts:
        lines.append("  (none)")
    return "\n".join(lines)
