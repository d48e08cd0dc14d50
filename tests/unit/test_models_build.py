"""Every pydantic model of the provider builds. The models set `defer_build=True`
(docs/decisions.md §36): a process builds a model's validator when it first uses it, so
a broken annotation would otherwise surface only in the operation that first needs it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pydantic
import pytest

import provider


def _models() -> list[type[pydantic.BaseModel]]:
    found: dict[str, type[pydantic.BaseModel]] = {}
    for info in pkgutil.walk_packages(provider.__path__, "provider."):
        if ".remote." in info.name or info.name.endswith(".remote") or info.name == "provider.program":
            continue  # shell programs run inside MITx Online; the program registers resources when imported
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, pydantic.BaseModel) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


MODELS = _models()


def test_the_provider_has_models_to_build() -> None:
    assert len(MODELS) > 30, [m.__name__ for m in MODELS]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.__module__}.{m.__qualname__}")
def test_the_model_builds(model: type[pydantic.BaseModel]) -> None:
    model.model_rebuild(force=True)
    assert model.__pydantic_complete__
    assert model.model_json_schema()
