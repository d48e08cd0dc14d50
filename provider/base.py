"""What every resource provider shares: unknowns, check failures, the declared-field
diff, configuration and logging.

A resource describes its declared inputs with a pydantic model. Normalisation lives in
the *field types* (``Annotated[..., BeforeValidator(...)]``), not in ``field_validator``
methods or model validators, because check and diff validate each field on its own:
during preview some fields are Unknown (docs/platforms/pulumi.md §3), and a model-level
validation would fail on them. Cross-field rules (date order and the like) belong to the
resource, which runs them on the known values returned by `check_declared`.

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
    ProviderBase                      ResourceProvider whose configure() reads stack config
                                      and shows ProviderErrors without a traceback
    render_provider_errors()          make the dynamic provider server show a ProviderError
                                      as its message and next step (called by configure)
    logger(name)                      provider.logs.logger, kept here for the resource modules
    PROVIDER_KEY                      "__provider", the key the engine adds to every props dict
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any, TypeVar

from pulumi.dynamic import CheckFailure, ConfigureRequest, DiffResult, ResourceProvider
from pulumi.output import Unknown
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, PydanticUndefined

from provider import journal, platforms
from provider.errors import ProviderError
from provider.logs import log_to_stderr
from provider.logs import logger as logger  # re-exported: the resource modules import it from here
from provider.settings import settings_from_config

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


# The module the engine runs as the provider process (`python -m pulumi.dynamic`).
_DYNAMIC_SERVER = "pulumi.dynamic.__main__"


class TracebackWithoutProviderErrors:
    """The `traceback` module as the dynamic provider server sees it once
    `render_provider_errors()` ran: the same in every name but `format_exc`.

    The server turns any exception of a provider method into the gRPC error the CLI
    prints, and writes `traceback.format_exc()` into it: a ProviderError, which already
    names the resource's step, the platform's answer and what to do, would come with a
    page of Python frames (issue 14, item 8). Any other exception is a bug in this
    project and keeps its traceback.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(traceback, name)

    @staticmethod
    def format_exc(limit: int | None = None, chain: bool = True) -> str:
        error = sys.exception()
        if isinstance(error, ProviderError):
            # Kept for whoever debugs the provider itself (COURSEWARE_LOG_LEVEL=DEBUG).
            logger("base").debug("%s", "".join(traceback.format_exception(error, limit=limit, chain=chain)))
            return error.render()
        return traceback.format_exc(limit=limit, chain=chain)


def render_provider_errors() -> bool:
    """Make the dynamic provider server of this process show a ProviderError as its
    `render()` (message and next step), never as a traceback. True when it is in place.

    It runs only inside `python -m pulumi.dynamic`, and only when that module still
    formats errors the way this expects (a module-level `traceback` it calls
    `format_exc` on); otherwise it changes nothing and errors keep their tracebacks.
    `tests/unit/test_error_rendering.py` fails when an SDK upgrade changes that shape.
    """
    server = sys.modules.get("__main__")
    spec = getattr(server, "__spec__", None)
    if server is None or spec is None or spec.name != _DYNAMIC_SERVER:
        return False
    current = getattr(server, "traceback", None)
    if isinstance(current, TracebackWithoutProviderErrors):
        return True
    if current is not traceback or not callable(getattr(server, "_abort_with_traceback", None)):
        return False
    setattr(server, "traceback", TracebackWithoutProviderErrors())  # noqa: B010 (a name the SDK does not export)
    return True


_WRITING_OPERATIONS = ("create", "update", "delete")


def _journaled(operation: Callable[..., Any]) -> Callable[..., Any]:
    """`operation` with a fresh write record (provider/journal.py): a ProviderError that
    ends it carries the writes it had made, so its message says what took effect."""

    @functools.wraps(operation)
    def run(self: ProviderBase, *args: Any) -> Any:
        journal.begin()
        try:
            return operation(self, *args)
        except ProviderError as error:
            error.writes_done = journal.written()
            error.in_operation = True
            raise

    return run


class ProviderBase(ResourceProvider):
    """Base of every provider in this project.

    Holds nothing: settings arrive through `configure()`, which the engine calls in the
    provider process after unpickling (docs/platforms/pulumi.md §1), so no
    credential is ever pickled into state. `configure()` hands the settings to
    `provider.platforms`, the one place that builds clients from them; the methods
    take their clients from there.

    Each subclass's create, update and delete keep a record of their writes
    (`_journaled`), so an error after a write never reads as if nothing had changed.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _WRITING_OPERATIONS:
            if name in vars(cls):
                setattr(cls, name, _journaled(vars(cls)[name]))

    def configure(self, req: ConfigureRequest) -> None:
        log_to_stderr()
        render_provider_errors()
        platforms.configure(settings_from_config(req.config))
