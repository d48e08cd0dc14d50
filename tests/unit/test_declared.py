"""provider.declared: per-field validation, check failures and the declared-field diff."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from pulumi.output import Unknown
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from provider.declared import (
    PROVIDER_KEY,
    changed_fields,
    check_declared,
    check_failures,
    diff_declared,
    has_unknown,
    is_unknown,
    parse_declared,
)

Colour = Annotated[Literal["red", "blue"], BeforeValidator(lambda v: v.lower() if isinstance(v, str) else v)]


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    colour: Colour = "red"
    size: int | None = None


def test_unknowns_are_found_at_any_depth() -> None:
    assert is_unknown(Unknown())
    assert not is_unknown("x")
    assert has_unknown({"a": [1, {"b": Unknown()}]})
    assert not has_unknown({"a": [1, {"b": 2}]})


def test_check_failures_name_the_path_and_what_to_write() -> None:
    with pytest.raises(ValidationError) as caught:
        Thing.model_validate({"colour": "green", "size": "big", "extra": 1})
    failures = {f.property: f.reason for f in check_failures(caught.value, prefix="things.0")}
    assert set(failures) == {"things.0.name", "things.0.colour", "things.0.size", "things.0.extra"}
    assert "required" in failures["things.0.name"]
    assert "'green'" in failures["things.0.colour"]
    assert "whole number" in failures["things.0.size"]
    assert "remove it" in failures["things.0.extra"]


def test_check_declared_reports_everything_and_skips_unknowns() -> None:
    checked = check_declared(Thing, {"colour": "GREEN", "size": Unknown(), "bogus": 1, PROVIDER_KEY: "p"})
    assert {f.property for f in checked.failures} == {"name", "colour", "bogus"}
    assert is_unknown(checked.inputs["size"])
    assert checked.inputs[PROVIDER_KEY] == "p"


def test_check_declared_normalises_and_fills_defaults() -> None:
    checked = check_declared(Thing, {"name": "n", "colour": "BLUE"})
    assert checked.failures == []
    assert checked.inputs == {"name": "n", "colour": "blue"}
    assert checked.values == {"name": "n", "colour": "blue", "size": None}
    checked = check_declared(Thing, {"name": "n"})
    assert checked.inputs == {"name": "n", "colour": "red"}


def test_diff_compares_declared_fields_normalised() -> None:
    olds = {"name": "n", "colour": "red", "output_only": 5, PROVIDER_KEY: "old"}
    assert changed_fields(Thing, olds, {"name": "n", "colour": "RED", PROVIDER_KEY: "new"}) == []
    # An absent field equals its default.
    assert changed_fields(Thing, olds, {"name": "n"}) == []
    assert changed_fields(Thing, olds, {"name": "n", "size": 3}) == ["size"]


def test_diff_unknowns_change_and_create_only_fields_replace() -> None:
    olds = {"name": "n", "colour": "red"}
    result = diff_declared(Thing, olds, {"name": Unknown(), "colour": "blue"}, create_only={"name"})
    assert result.changes is True
    assert result.replaces == ["name"]
    assert diff_declared(Thing, olds, {"name": "n"}, create_only={"name"}).changes is False


def test_parse_declared_ignores_outputs_and_provider() -> None:
    thing = parse_declared(Thing, {"name": "n", "colour": "BLUE", "output_only": 1, PROVIDER_KEY: "p"})
    assert thing == Thing(name="n", colour="blue")
