"""Shared model configuration for every API type."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


def _scalar_to_str(value: Any) -> Any:
    # YAML turns `value: 1` and `value: true` into numbers and booleans; the
    # platform treats every param value as text, so take them as written.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


Text = Annotated[str, BeforeValidator(_scalar_to_str)]
"""A string field that also accepts a YAML scalar and keeps its text."""


class Strict(BaseModel):
    """Our own types: camelCase on the wire, unknown fields are errors."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        validate_default=False,
    )

    def dump(self) -> dict[str, Any]:
        """The wire form: only what was given or set, in camelCase."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class Open(Strict):
    """Kubernetes types we embed: typed where we check, the rest kept verbatim."""

    model_config = ConfigDict(extra="allow")
