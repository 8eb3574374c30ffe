"""Shared model configuration for every API type."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError


def _scalar_to_str(value: Any) -> Any:
    # YAML turns `value: 1` and `value: true` into numbers and booleans; the
    # platform treats every param value as text, so take them as written.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[
    str,
    BeforeValidator(_scalar_to_str),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]
"""A string field that also accepts a YAML scalar and keeps its text. Its schema
says so, so an editor checking against it agrees with `validate`."""

WIRE_CONTEXT = {"wire": True}
"""Validation context for documents as users write them: only camelCase field
names are accepted (pass with `by_name=False`). Python code constructing models
may use the snake_case attribute names."""

PYTHON_NAME_ERROR = "python_field_name"


class Strict(BaseModel):
    """Our own types: camelCase on the wire, unknown fields are errors, and values
    of the type the field has: `retries: "3"` or `readOnly: "yes"` is an error, as
    it is for Kubernetes, not a number or a boolean guessed from text. (`Text`
    fields take any scalar, on purpose.)"""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_default=False,
        strict=True,
    )

    def dump(self) -> dict[str, Any]:
        """The wire form: only what was given or set, in camelCase."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class Open(Strict):
    """Kubernetes types we embed: typed where we check, the rest kept verbatim."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _wire_names_only(cls, data: Any, info: ValidationInfo) -> Any:
        # An unknown key is kept, but a snake_case spelling of a typed field is
        # a mistake, not an extension: `mount_path` must not pass for `mountPath`.
        if isinstance(data, dict) and info.context and info.context.get("wire"):
            for name, field in cls.model_fields.items():
                alias = field.alias or name
                if alias != name and name in data:
                    raise PydanticCustomError(
                        PYTHON_NAME_ERROR,
                        'unknown field "{name}" (the field is "{alias}")',
                        {"name": name, "alias": alias},
                    )
        return data
