"""Which provider a configuration means, and one live provider object per configuration.

`choose_provider` reads the settings (and the environment's `OPENROUTER_API_KEY` /
`OPENAI_API_KEY`): the `provider` setting if set, else `openrouter` when a key is present, else
`offline`. The choice is a plain frozen value, so two reads of the same configuration compare
equal; `ProviderPool` keeps one provider (one httpx client with its keep-alive connections) per
choice and closes the previous one once no generation uses it any more.

The key is held in the choice for the provider to use; it is left out of `repr` and of
everything `describe` returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openv0_lsp.config import Settings, TimeoutSettings
from openv0_lsp.providers.base import ChatProvider, ProviderConfigError
from openv0_lsp.providers.offline import OfflineProvider

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
KEY_VARIABLES = {"openrouter": "OPENROUTER_API_KEY", "openai": "OPENAI_API_KEY"}


@dataclass(frozen=True)
class ProviderChoice:
    name: Literal["offline", "openrouter", "openai"]
    model: str = "offline"
    fallback_models: tuple[str, ...] = ()
    base_url: str = ""
    timeouts: TimeoutSettings = field(default_factory=TimeoutSettings)
    api_key: str | None = field(default=None, repr=False)
    key_source: str | None = None  # where the key came from, for the status report

    @property
    def uses_model(self) -> bool:
        return self.name != "offline"

    def problem(self) -> str | None:
        """Why this choice cannot run, in words that say what to set; None if it can."""
        if not self.uses_model:
            return None
        from openv0_lsp.providers.openai_compat import check_base_url

        try:
            check_base_url(self.base_url, with_key=bool(self.api_key))
        except ProviderConfigError as error:
            return f"openv0.baseUrl: {error}"
        if self.name == "openrouter" and not self.api_key:
            return (
                "the openrouter provider needs an API key: set openv0.apiKey or "
                "OPENROUTER_API_KEY (keys at https://openrouter.ai/keys), or set "
                "openv0.provider to 'offline'"
            )
        return None

    def describe(self) -> dict[str, Any]:
        """The choice as the status report shows it (never the key)."""
        return {
            "provider": self.name,
            "model": self.model,
            "fallbackModels": list(self.fallback_models),
            "baseUrl": self.base_url or None,
            "apiKey": f"set ({self.key_source})" if self.api_key else "not set",
        }


def choose_provider(settings: Settings, environ: Mapping[str, str] | None = None) -> ProviderChoice:
    environ = os.environ if environ is None else environ

    def from_environment(provider: str) -> str:
        return environ.get(KEY_VARIABLES[provider], "").strip()

    # A key pasted with a line break or spaces around it is the key (no key holds either).
    key = (settings.api_key_value() or "").strip()
    source = "openv0.apiKey" if key else None
    name = settings.provider
    if name is None:
        name = "openrouter" if key or from_environment("openrouter") else "offline"
    if name == "offline":
        return ProviderChoice("offline")
    if not key and (key := from_environment(name)):
        source = KEY_VARIABLES[name]
    from openv0_lsp.providers.openai_compat import OPENROUTER_BASE_URL

    default_url = OPENROUTER_BASE_URL if name == "openrouter" else OPENAI_BASE_URL
    return ProviderChoice(
        name,
        model=settings.model,
        fallback_models=tuple(m for m in settings.fallback_models if m != settings.model),
        base_url=settings.base_url or default_url,
        timeouts=settings.timeouts,
        api_key=key or None,
        key_source=source,
    )


def make_provider(choice: ProviderChoice) -> ChatProvider:
    """A new provider object for `choice`; `ProviderConfigError` if it cannot be used."""
    if not choice.uses_model:
        return OfflineProvider()
    if problem := choice.problem():
        raise ProviderConfigError(problem)
    from openv0_lsp.providers.openai_compat import OpenAICompatibleProvider, Timeouts

    timeouts = choice.timeouts
    options: dict[str, Any] = {
        "api_key": choice.api_key,
        "model": choice.model,
        "fallback_models": choice.fallback_models,
        "base_url": choice.base_url,
        "timeouts": Timeouts(
            connect=timeouts.connect, first_byte=timeouts.first_byte, idle=timeouts.idle
        ),
    }
    if choice.name == "openrouter":
        return OpenAICompatibleProvider.openrouter(**options)
    return OpenAICompatibleProvider(
        name="openai",
        key_hint="set openv0.apiKey or OPENAI_API_KEY, or leave the key out for a local server",
        **options,
    )


class ProviderPool:
    """One provider per configuration, reused by every generation until the settings change.

    Whoever uses a provider holds it from `acquire` to `release`. A provider that a new
    configuration replaced is closed as soon as nobody holds it: a generation still streaming
    from it keeps its connection to the end, and settings changed again and again leave no open
    clients behind. `aclose` (shutdown) closes them all.
    """

    def __init__(self) -> None:
        self._choice: ProviderChoice | None = None
        self._provider: ChatProvider | None = None
        self._holders: Counter[ChatProvider] = Counter()  # providers in use, current or replaced
        self._closing: set[asyncio.Task[None]] = set()

    def acquire(self, choice: ProviderChoice) -> ChatProvider:
        """The live provider for `choice`, held until `release`; ProviderConfigError if the
        choice cannot be made (the current provider stays)."""
        if self._provider is None or choice != self._choice:
            provider = make_provider(choice)
            replaced = self._provider
            self._choice, self._provider = choice, provider
            if replaced is not None and not self._holders[replaced]:
                self._close_soon(replaced)
        self._holders[self._provider] += 1
        return self._provider

    def release(self, provider: ChatProvider) -> None:
        if provider not in self._holders:
            return  # `aclose` closed it meanwhile (shutdown)
        self._holders[provider] -= 1
        if self._holders[provider] <= 0:
            del self._holders[provider]
            if provider is not self._provider:
                self._close_soon(provider)

    def _close_soon(self, provider: ChatProvider) -> None:
        task = asyncio.get_running_loop().create_task(provider.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        providers = {*self._holders, *([self._provider] if self._provider else [])}
        self._holders.clear()
        self._provider, self._choice = None, None
        for provider in providers:
            with contextlib.suppress(Exception):
                await provider.aclose()
        await asyncio.gather(*self._closing, return_exceptions=True)
