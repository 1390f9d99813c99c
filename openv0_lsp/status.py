"""What `openv0.status` and `openv0 status` report: the provider in force, its key check and its
model check.

The key is checked with the provider's `GET /key` (OpenRouter: label, free tier, remaining
limit); the report says that, or that the key is invalid and how to fix it, and never shows the
key itself: settings are dumped with the key masked. The model check asks the server for its
models (`GET /models`): whether it answers at all (is the local model server running?) and
whether it offers the configured model and fallbacks.
"""

from __future__ import annotations

from typing import Any

from openv0_lsp import __version__
from openv0_lsp.config import Settings
from openv0_lsp.providers.base import ChatProvider, InvalidKey, ProviderConfigError, ProviderError
from openv0_lsp.providers.openai_compat import free_replacements
from openv0_lsp.providers.select import ProviderChoice


async def check_key(provider: ChatProvider, choice: ProviderChoice) -> dict[str, Any]:
    """The key check as the status report shows it; `state` is one of: not needed, not set,
    valid, invalid, unchecked (the server cannot tell: unreachable, or no way to ask), and
    unusable (see `unusable`)."""
    if not choice.uses_model:
        return {"state": "not needed", "message": "the offline provider uses no key"}
    if not choice.api_key:
        return {"state": "not set", "message": choice.problem() or "no key: none is sent"}
    check = getattr(provider, "check_key", None)
    if check is None:
        return {"state": "unchecked", "message": f"{provider.name} cannot check keys"}
    list_models = getattr(provider, "list_models", None)
    try:
        status = await check()
        if status is None and list_models is not None:
            # Not OpenRouter (OpenAI's own API, a vLLM started with `--api-key`): whether the
            # server lists its models for this key tells at least whether it takes the key.
            await list_models()
            return {
                "state": "valid",
                "message": "the server takes it (GET /models); it has no key endpoint for a "
                "label or limit",
            }
    except InvalidKey as error:
        return {"state": "invalid", "message": str(error)}
    except ProviderError as error:
        return {"state": "unchecked", "message": f"the key could not be checked: {error}"}
    if status is None:
        return {"state": "unchecked", "message": "the server has no key endpoint (GET /key)"}
    return {
        "state": "valid",
        "label": status.label,
        "isFreeTier": status.is_free_tier,
        "limit": status.limit,
        "limitRemaining": status.limit_remaining,
        "usage": status.usage,
    }


MODELS_SHOWN = 12  # a local server's models named when the configured one is not among them


async def check_models(provider: ChatProvider, choice: ProviderChoice) -> dict[str, Any]:
    """The model check as the status report shows it; `state` is one of: not needed, listed
    (the server offers every configured model), not listed, unreachable (no answer at all), and
    unchecked (the server answered, but not with a model list)."""
    if not choice.uses_model:
        return {"state": "not needed", "message": "the offline provider uses no model"}
    list_models = getattr(provider, "list_models", None)
    if list_models is None:
        return {"state": "unchecked", "message": f"{provider.name} cannot list models"}
    try:
        models = await list_models()
    except ProviderError as error:
        return {
            "state": "unreachable" if error.status is None else "unchecked",
            "message": str(error),
        }
    offered = {model.id for model in models}
    wanted = [choice.model, *choice.fallback_models]
    missing = [model for model in wanted if not _offers(offered, model)]
    if not missing:
        return {"state": "listed", "message": f"the server offers {', '.join(wanted)}"}
    names = ", ".join(missing)
    free = free_replacements(models, wanted) if all(m.endswith(":free") for m in wanted) else []
    if choice.name == "openrouter" and free:
        hint = f"retired? A generation falls back to the free models it offers: {', '.join(free)}"
    elif choice.name == "openrouter":
        hint = "retired or misspelt? Models: https://openrouter.ai/models"
    elif offered:
        shown = sorted(offered)[:MODELS_SHOWN]
        more = f" and {len(offered) - len(shown)} more" if len(offered) > len(shown) else ""
        hint = f"it offers {', '.join(shown)}{more}"
    else:
        hint = "it offers none (load or pull one first)"
    return {
        "state": "not listed",
        "missing": missing,
        "message": f"the server does not list {names}: {hint}",
    }


def _offers(offered: set[str], model: str) -> bool:
    # Ollama lists `llama3:latest` for the `llama3` it also answers to.
    return model in offered or (":" not in model and f"{model}:latest" in offered)


def unusable(choice: ProviderChoice, error: ProviderConfigError) -> dict[str, Any]:
    """The key check of a provider the settings do not allow to be made (a refused base URL, a
    key that cannot be sent): `not set` when there is no key, else `unusable`."""
    return {"state": "unusable" if choice.api_key else "not set", "message": str(error)}


def status_report(
    settings: Settings,
    choice: ProviderChoice,
    key_check: dict[str, Any],
    model_check: dict[str, Any],
) -> dict[str, Any]:
    return {
        "version": __version__,
        **choice.describe(),
        "keyCheck": key_check,
        "modelCheck": model_check,
        "settings": settings.model_dump(by_alias=True, mode="json"),
    }
