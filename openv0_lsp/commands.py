"""Arguments of the `openv0.*` commands: one JSON object each, validated once, here.

A missing or wrong field becomes an `InvalidArguments` whose message names the field, which
the server turns into a JSON-RPC error (-32602) and the CLI into an exit status.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from openv0_lsp.pipeline.framework import COMPONENT_NAME, Framework

MAX_PROMPT_CHARS = 8000


class InvalidArguments(ValueError):
    """Command arguments that do not validate; the message names each bad field."""


class _Arguments(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class GenerateArguments(_Arguments):
    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    path: str | None = Field(default=None, min_length=1, max_length=1024)
    name: str | None = None
    framework: Framework | None = None
    overwrite: bool = False
    variants: int = Field(default=1, ge=1, le=1)  # more variants come with model providers
    model: str | None = Field(default=None, min_length=1, max_length=200)
    force: bool = Field(
        default=False, description="true: ask the model again instead of answering from the cache"
    )
    wait: bool = Field(
        default=True,
        description="false: answer at once with the generation id; the outcome arrives as "
        "an openv0/generationFinished notification (for clients with short request limits)",
    )

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("prompt is empty: describe the component to generate")
        return value

    @field_validator("name")
    @classmethod
    def _component_name(cls, value: str | None) -> str | None:
        if value is not None and not COMPONENT_NAME.match(value):
            raise ValueError(
                f"{value!r} is not a component name: use PascalCase letters and digits "
                "starting with a capital letter, like PricingSection"
            )
        return value


class NoArguments(_Arguments):
    pass


class PreviewArguments(_Arguments):
    uri: str | None = Field(default=None, min_length=1, max_length=4096)  # a component file


Args = TypeVar("Args", bound=_Arguments)


def parse_arguments(model: type[Args], command: str, arguments: tuple[Any, ...]) -> Args:
    """Validate `workspace/executeCommand` arguments: one object (or nothing, if allowed)."""
    if len(arguments) > 1:
        raise InvalidArguments(f"{command} takes one object argument, got {len(arguments)}")
    raw = arguments[0] if arguments else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InvalidArguments(
            f"{command} takes one JSON object, got {type(raw).__name__}: {str(raw)[:80]!r}"
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidArguments(f"{command}: {describe_errors(exc)}") from exc


def describe_errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        parts.append(f"'{where}': {message}")
    return "; ".join(parts)
