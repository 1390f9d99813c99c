"""Settings: one typed model, layered defaults < environment < initializationOptions <
workspace/configuration.

Each layer is a plain mapping with the editor's camelCase keys. A value that does not validate
is reported (by name) and skipped, so the lower layer or the default stays in force: a typo in
one setting never takes the whole configuration down.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from openv0_lsp.pipeline.framework import Framework

Provider = Literal["offline", "openrouter", "openai"]

ENV_PREFIX = "OPENV0_"
DEFAULT_MODEL = "deepseek/deepseek-chat-v3.1:free"


class _Camel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class TimeoutSettings(_Camel):
    """Seconds: to connect, from the request to the first byte, and the longest silence after."""

    connect: float = Field(default=10.0, gt=0, le=600)
    first_byte: float = Field(default=60.0, gt=0, le=600)
    idle: float = Field(default=30.0, gt=0, le=600)


class Settings(_Camel):
    framework: Framework = "react"
    output_dir: str | None = Field(
        default=None,
        description="Folder for new components, relative to the workspace. "
        "Default: src/components if the workspace has src/, else components.",
    )
    provider: Provider | None = Field(
        default=None,
        description="offline, openrouter or openai (any OpenAI-compatible base URL). "
        "Default: openrouter when an API key is set, else offline.",
    )
    model: str = Field(default=DEFAULT_MODEL, min_length=1, max_length=200)
    fallback_models: tuple[str, ...] = Field(
        default=(), max_length=10, description="Models tried in order when one is unavailable."
    )
    base_url: str | None = Field(
        default=None,
        description="The provider's API root, e.g. http://127.0.0.1:11434/v1. Checked when a "
        "provider uses it (HTTPS, or HTTP to this machine): an unsafe URL is refused there, "
        "never replaced by another one.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="Kept in memory only; sent only in the Authorization header."
    )
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int = Field(default=8192, ge=256, le=200_000)
    timeouts: TimeoutSettings = TimeoutSettings()
    templates_path: str | None = Field(
        default=None, description="A folder whose templates override the shipped ones."
    )
    step_delay_ms: int = Field(
        default=0,
        ge=0,
        le=60_000,
        description="Pause before each pipeline step (debugging and tests of cancel).",
    )

    @field_validator("fallback_models", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):  # OPENV0_FALLBACK_MODELS=a,b
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("timeouts", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if isinstance(value, str):  # OPENV0_TIMEOUTS='{"idle": 10}'
            return json.loads(value)
        return value

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def output_dir_for(self, workspace_root: Path) -> str:
        if self.output_dir:
            return self.output_dir
        return "src/components" if (workspace_root / "src").is_dir() else "components"

    def templates_override(self) -> Path | None:
        return Path(self.templates_path).expanduser() if self.templates_path else None


@dataclass(frozen=True)
class SettingProblem:
    source: str  # "environment", "initializationOptions", "workspace/configuration"
    key: str
    message: str

    def __str__(self) -> str:
        return f"openv0.{self.key} ({self.source}): {self.message}; the previous value is kept"


_FIELDS_BY_KEY = {(field.alias or name): name for name, field in Settings.model_fields.items()} | {
    name: name for name in Settings.model_fields
}


def environment_layer(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """OPENV0_OUTPUT_DIR=... → {"outputDir": "..."}."""
    environ = os.environ if environ is None else environ
    layer: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        value = environ.get(ENV_PREFIX + name.upper())
        if value is not None:
            layer[field.alias or name] = value
    return layer


def resolve_settings(
    layers: list[tuple[str, Mapping[str, Any] | None]],
) -> tuple[Settings, list[SettingProblem]]:
    """Apply layers in order (later wins); return the settings and what was rejected."""
    merged: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for source, layer in layers:
        if layer is None:
            continue
        if not isinstance(layer, Mapping):
            problems.append(SettingProblem(source, "*", "expected an object of settings"))
            continue
        for key, value in layer.items():
            field_name = _FIELDS_BY_KEY.get(key)
            if field_name is None:
                problems.append(SettingProblem(source, str(key), "unknown setting"))
                continue
            try:
                Settings.model_validate({field_name: value})
            except ValidationError as exc:
                error = exc.errors()[0]
                inner = ".".join(str(part) for part in error["loc"][1:])  # timeouts.idle
                message = f"{inner}: {error['msg']}" if inner else error["msg"]
                problems.append(SettingProblem(source, key, message))
                continue
            merged[field_name] = value
    return Settings.model_validate(merged), problems


def section_of(options: Any) -> Mapping[str, Any] | None:
    """Clients send either {"openv0": {...}} or the section itself."""
    if isinstance(options, Mapping) and isinstance(options.get("openv0"), Mapping):
        return options["openv0"]
    return options  # anything else is reported by resolve_settings
