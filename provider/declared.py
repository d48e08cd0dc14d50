"""A resource's declared fields, validated and compared field by field: what `check` and
`diff` of every resource do, and what the stack-file check (provider/catalog.py) and
`courseware adopt` run on the same models without any provider.

A resource describes its declared inputs with a pydantic model. Normalisation lives in
the *field types* (``Annotated[..., BeforeValidator(...)]``), not in ``field_validator``
methods or model validators, because check and diff validate each field on its own:
during preview some fields are Unknown (docs/platforms/pulumi.md §3), and a model-level
validation would fail on them. Cross-field rules (date order and the like) run on the
known values returned by `check_declared` (provider/checks.py).

Pure: no platform, no client. It knows the Pulumi SDK's value types only (the preview's
`Unknown`, `CheckFailure`, `DiffResult`), which is what its callers hand it and return.

Public API:

    is_unknown(value)                 a `pulumi.output.Unknown` (preview placeholder)
    has_unknown(value)                one anywhere inside lists and dicts
    check_failures(error, prefix)     pydantic ValidationError -> [CheckFailure]
    check_declared(model, news)       per-field validation -> Checked(values, inputs, failures)
    normalise_field(model, name, v)   one field through the model's field type
    parse_declared(model, props)      the whole model from props, extra keys ignored
    changed_fields(model, olds, news) declared fields whose normalised values differ
    diff_declared(model, olds, news, create_only)
                                      DiffResult over declared fields only
    PROVIDER_KEY                      "__provider", the key the engine adds to every props dict
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, TypeVar

from pulumi.dynamic import CheckFailure, DiffResult
from pulumi.output import Unknown
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, PydanticUndefined

# The serialised provider rides along in every resource's props; it is never declared.
PROVIDER_KEY = "__provider"

ModelT = TypeVar("ModelT", bound=BaseModel)


def is_unknown(value: object) -> bool:
    """True for the placeholder the engine sends during preview for a value not yet known."""
    return isinstance(value, Unknown)


def has_unknown(value: object) -> bool:
    """True when `value` is Unknown or holds one inside its lists or dicts."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_unknown(v) for v in value)
    return False


# What to write instead, for pydantic's built-in error types. Errors raised by our own
# validators already say it in their message.
_ADVICE: dict[str, str] = {
    "missing": "this property is required; declare it",
    "extra_forbidden": "this resource has no such property; remove it or fix its spelling",
    "string_type": "write a string",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "int_type": "write a whole number",
    "int_parsing": "write a whole number",
    "datetime_type": "write an ISO-8601 date-time with a timezone, e.g. 2026-09-01T00:00:00Z",
    "datetime_parsing": "write an ISO-8601 date-time with a timezone, e.g. 2026-09-01T00:00:00Z",
    "datetime_from_date_parsing": "write an ISO-8601 date-time with a timezone, e.g. 2026-09-01T00:00:00Z",
    "timezone_aware": "add a timezone, e.g. 2026-09-01T00:00:00Z",
}


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind in ("missing", "extra_forbidden"):
        return _ADVICE[kind]
    if kind in ("value_error", "assertion_error"):
        # Raised by our own validators, whose message already says what to write.
        return error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    advice = _ADVICE.get(kind)
    reason = f"{error['msg']} (got {error['input']!r})"
    return f"{reason}; {advice}" if advice else reason


def check_failures(error: ValidationError, prefix: str = "") -> list[CheckFailure]:
    """One `CheckFailure` per pydantic error, named by its dotted path under `prefix`."""
    failures = []
    for detail in error.errors():
        path = ".".join(str(part) for part in (prefix, *detail["loc"]) if part != "")
        failures.append(CheckFailure(path, _reason(detail)))
    return failures


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    # The metadata carries the Annotated validators and constraints of the field's type.
    hint: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return TypeAdapter(hint)


def _default(model: type[BaseModel], name: str) -> Any:
    info = model.model_fields[name]
    if info.default is PydanticUndefined and info.default_factory is None:
        return None
    return info.get_default(call_default_factory=True, validated_data={})


def normalise_field(model: type[BaseModel], name: str, value: Any) -> Any:
    """`value` of field `name` validated through its type; raises ValidationError."""
    return _adapter(model, name).validate_python(value)


def _dump(model: type[BaseModel], name: str, value: Any) -> Any:
    return _adapter(model, name).dump_python(value, mode="json")


@dataclass
class Checked:
    """The outcome of `check_declared`.

    values:   the known, valid declared fields, normalised (Python types), absent fields
              at their defaults; what cross-field rules run on
    inputs:   the props to return from check: valid fields in their normalised JSON form,
              absent ones at their non-None defaults, Unknowns and invalid values as they
              came, `__provider` kept
    failures: every problem found
    """

    values: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    failures: list[CheckFailure] = field(default_factory=list)


def check_declared(model: type[BaseModel], news: Mapping[str, Any]) -> Checked:
    """Validate each declared field of `news` on its own, skipping Unknowns.

    Reports every problem at once: missing required fields (absent, not merely
    unknown), invalid values, and properties the model does not declare.
    """
    checked = Checked()
    for key, value in news.items():
        if key == PROVIDER_KEY:
            checked.inputs[key] = value
        elif key not in model.model_fields:
            checked.inputs[key] = value
            checked.failures.append(CheckFailure(key, _ADVICE["extra_forbidden"]))
    for name, info in model.model_fields.items():
        if name not in news:
            if info.is_required():
                checked.failures.append(CheckFailure(name, _ADVICE["missing"]))
                continue
            default = checked.values[name] = _default(model, name)
            # Defaults are written into the inputs so state always holds the same keys
            # that `read` rebuilds from the live object; refresh then shows only drift.
            if default is not None:
                checked.inputs[name] = _dump(model, name, default)
            continue
        raw = news[name]
        if has_unknown(raw):
            checked.inputs[name] = raw
            continue
        try:
            value = normalise_field(model, name, raw)
        except ValidationError as error:
            checked.inputs[name] = raw
            checked.failures.extend(check_failures(error, prefix=name))
            continue
        checked.values[name] = value
        checked.inputs[name] = _dump(model, name, value)
    return checked


def parse_declared(model: type[ModelT], props: Mapping[str, Any]) -> ModelT:
    """The model built from the declared keys of `props` (checked inputs or state outputs),
    ignoring `__provider` and output-only keys. Raises ValidationError."""
    return model.model_validate({name: props[name] for name in model.model_fields if name in props})


def _comparable(model: type[BaseModel], name: str, props: Mapping[str, Any]) -> Any:
    raw = props.get(name)
    if raw is None:
        return _default(model, name)
    try:
        return normalise_field(model, name, raw)
    except ValidationError:
        # An old value the current model rejects still differs from any valid new one.
        return raw


def changed_fields(model: type[BaseModel], olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Declared fields whose values differ once both sides are normalised.

    An Unknown in `news` counts as changed (docs/platforms/pulumi.md §3). Keys the model
    does not declare, `__provider` included, are never compared (docs/platforms/pulumi.md §3).
    """
    changed = []
    for name in model.model_fields:
        if has_unknown(news.get(name)) or _comparable(model, name, olds) != _comparable(model, name, news):
            changed.append(name)
    return changed


def diff_declared(
    model: type[BaseModel],
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    create_only: Collection[str] = (),
) -> DiffResult:
    """The diff of a resource whose `olds` are its state outputs and `news` its checked inputs.

    Changed create-only fields (an unknown one included) go into `replaces`.
    """
    changed = changed_fields(model, olds, news)
    replaces = [name for name in changed if name in create_only]
    return DiffResult(changes=bool(changed), replaces=replaces)
