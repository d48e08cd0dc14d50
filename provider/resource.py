"""The `Resource` half of every resource module: its properties come from its declared model.

A resource's fields are written once, as the pydantic model of its declared inputs
(`ContractArgs`, …). `DeclaredResource` derives the rest from that model: the keyword
arguments the constructor accepts, the property bag it registers and the output
attributes a program reads. A subclass names only what the model cannot know: its type
token (`module`, `name`), its provider, the outputs that only the platform knows
(`contract_id`, …) and which of them are secret:

    class Contract(DeclaredResource, module="mitxonline", name="Contract"):
        args_model = ContractArgs
        provider_class = ContractProvider
        output_names = ("contract_id",)

    Contract("IDPU/IDP Contract", name="IDP Contract", organization="IDPU", ...)

The resource's own Pulumi name is positional-only, so a platform field called `name` (a
contract's, an organization's) is an ordinary keyword. Type tokens, property names and
the provider classes pickled into state are what they were before this class existed
(docs/decisions.md §19).
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource, ResourceProvider
from pydantic import BaseModel


class DeclaredResource(Resource):
    """A dynamic resource whose properties are its `args_model` fields and its `output_names`."""

    args_model: ClassVar[type[BaseModel]]
    provider_class: ClassVar[type[ResourceProvider]]
    output_names: ClassVar[tuple[str, ...]] = ()
    secret_output_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [name for name in ("args_model", "provider_class") if name not in vars(cls)]
        if missing:
            raise TypeError(f"{cls.__name__} must set {' and '.join(missing)}")
        clash = sorted(set(cls.output_names) & set(cls.args_model.model_fields))
        if clash:
            raise TypeError(f"{cls.__name__}: {clash} are declared inputs, not outputs only the platform knows")
        undeclared = sorted(set(cls.secret_output_names) - set(cls.output_names))
        if undeclared:
            raise TypeError(f"{cls.__name__}: secret outputs {undeclared} are not among its outputs")

    @classmethod
    def property_names(cls) -> tuple[str, ...]:
        """Every property the resource registers: declared fields first, then outputs."""
        return (*cls.args_model.model_fields, *cls.output_names)

    def __init__(
        self,
        resource_name: str,
        /,
        opts: pulumi.ResourceOptions | None = None,
        **declared: pulumi.Input[Any] | None,
    ) -> None:
        unknown = sorted(set(declared) - set(self.args_model.model_fields))
        if unknown:
            # Refused here, in the program, so a misspelt keyword names the resource and
            # its real fields instead of surfacing later as a check failure.
            raise TypeError(
                f"{type(self).__name__} {resource_name!r} has no property {', '.join(unknown)}; "
                f"its properties are {', '.join(self.args_model.model_fields)}"
            )
        # Every property is passed, None included, so every output attribute exists
        # (docs/platforms/pulumi.md §1); the engine drops the Nones before check.
        props: dict[str, Any] = {name: declared.get(name) for name in self.property_names()}
        if self.secret_output_names:
            secret = pulumi.ResourceOptions(additional_secret_outputs=list(self.secret_output_names))
            opts = pulumi.ResourceOptions.merge(secret, opts)
        super().__init__(self.provider_class(), resource_name, props, opts)

    def __getattr__(self, name: str) -> pulumi.Output[Any]:
        # Only reached for a name the engine did not set: each property is set as an
        # output attribute by `Resource.__init__`, so this says which names exist.
        raise AttributeError(
            f"{type(self).__name__} has no output {name!r}; its outputs are {', '.join(type(self).property_names())}"
        )
