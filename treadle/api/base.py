"""Shared model configuration for every API type."""

from __future__ import annotations

import functools
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ModelWrapValidatorHandler,
    PrivateAttr,
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

UNTYPED_NOTE = "Defined by the API; kept as written, not checked by Treadle."
"""How the schema describes a field listed in `UNTYPED_FIELDS`."""


UNKNOWN_FIELDS_KEYWORD = "x-treadle-unknown-fields"
"""Set to `warn` on the JSON Schema of a type whose unknown fields validation reports
as warnings, so an editor can mark them as such: JSON Schema itself can only accept
or refuse an extra property."""


def _schema_of_untyped(schema: dict[str, Any], cls: type[Any]) -> None:
    if getattr(cls, "REPORT_UNKNOWN", True):
        schema[UNKNOWN_FIELDS_KEYWORD] = "warn"
    # An editor completes what the API defines, typed or not; a property with no
    # type takes any value, as validation does.
    names: frozenset[str] = getattr(cls, "UNTYPED_FIELDS", frozenset())
    if names:
        props = schema.setdefault("properties", {})
        for name in sorted(names):
            props.setdefault(name, {"description": UNTYPED_NOTE})


class Strict(BaseModel):
    """Our own types, as the platform's API reference defines them: camelCase on
    the wire, and values of the type the field has: `retries: "3"` or
    `readOnly: "yes"` is an error, as it is for Kubernetes, not a number or a
    boolean guessed from text. (`Text` fields take any scalar, on purpose.)

    A field the type does not define is kept as written (`extra="allow"`), so it
    survives in the stored object and in `dump()`, and `api/unknown.py` reports it
    as a warning with its path (SPEC §13). A snake_case spelling of a typed field
    stays an error: `mount_path` is a mistake for `mountPath`, not an extension."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        validate_default=False,
        strict=True,
        json_schema_extra=_schema_of_untyped,
    )

    UNTYPED_FIELDS: ClassVar[frozenset[str]] = frozenset()
    """Wire names of fields the API defines for this type that Treadle does not
    type: known, kept as written, never reported."""

    REPORT_UNKNOWN: ClassVar[bool] = True
    """False where nothing under the type is reported: a part of an object that is
    kept as written without being modelled yet, or that only the system writes."""

    _wire_keys: tuple[str, ...] = PrivateAttr(default=())
    """The keys of the mapping this object was read from, in the order written, so
    that warnings come in document order."""

    @model_validator(mode="wrap")
    @classmethod
    def _from_wire(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        if isinstance(data, dict) and info.context and info.context.get("wire"):
            for name, alias in _python_names(cls):
                if name in data:
                    raise PydanticCustomError(
                        PYTHON_NAME_ERROR,
                        'unknown field "{name}" (the field is "{alias}")',
                        {"name": name, "alias": alias},
                    )
        obj = handler(data)
        if isinstance(data, dict):
            obj._wire_keys = tuple(key for key in data if isinstance(key, str))
        return obj

    def __eq__(self, other: object) -> bool:
        # Equal content is equal, whatever order its keys were written in.
        if not isinstance(other, BaseModel):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    def dump(self) -> dict[str, Any]:
        """The wire form: only what was given or set, in camelCase, with the
        fields no type defines as they were written."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


@functools.cache
def _python_names(cls: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """(attribute name, wire name) of each field of `cls` whose two names differ."""
    return tuple(
        (name, field.alias)
        for name, field in cls.model_fields.items()
        if field.alias and field.alias != name
    )


class Open(Strict):
    """Kubernetes types we embed (Container, PodSpec, ObjectMeta …): typed where
    Treadle checks or uses a field. Each lists its other Kubernetes fields in
    `UNTYPED_FIELDS`, so those are kept silently and only a field Kubernetes does
    not define either is reported."""
