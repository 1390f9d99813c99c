"""The offline provider: no model at all; the template engine answers on its own.

It is the default when no API key is configured. The pipeline asks `uses_model` and, offline,
plans with the deterministic planner and takes the scaffold as the final component; asking this
provider for a chat is a programming error, said plainly.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from openv0_lsp.providers.base import ChatEvent, ChatMessage, ChatProvider, ProviderConfigError


class OfflineProvider(ChatProvider):
    name = "offline"
    model = "offline"
    uses_model = False

    async def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[ChatEvent, None]:
        raise ProviderConfigError(
            "the offline provider has no model: set openv0.provider (or an API key) to use one"
        )
        yield  # an async generator, like every provider's stream  # pragma: no cover
