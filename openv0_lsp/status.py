"""What `openv0.status` and `openv0 status` report: the provider in force and its key check.

The key is checked with the provider's `GET /key` (OpenRouter: label, free tier, remaining
limit); the report says that, or that the key is invalid and how to fix it, and never shows the
key itself: settings are dumped with the key masked.
"""

from __future__ import annotations

from typing import Any

from openv0_lsp import __version__
from openv0_lsp.config import Settings
from openv0_lsp.providers.base import ChatProvider, InvalidKey, ProviderConfigError, ProviderError
from openv0_lsp.providers.select import ProviderChoice


async def check_key(provider: ChatProvider, choice: ProviderChoice) -> dict[str, Any]:
    """The key check as the status report shows it; `state` is one of: not needed, not set,
    valid, invalid, unchecked (the server cannot tell: no key endpoint, or unreachable), and
    unusable (see `unusable`)."""
    if not choice.uses_model:
        return {"state": "not needed", "message": "the offline provider uses no key"}
    if not choice.api_key:
        return {"state": "not set", "message": choice.problem() or "no key: none is sent"}
    check = getattr(provider, "check_key", None)
    if check is None:
        return {"state": "unchecked", "message": f"{provider.name} cannot check keys"}
    try:
        status = await check()
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


def unusable(choice: ProviderChoice, error: ProviderConfigError) -> dict[str, Any]:
    """The key check of a provider the settings do not allow to be made (a refused base URL, a
    key that cannot be sent): `not set` when there is no key, else `unusable`."""
    return {"state": "unusable" if choice.api_key else "not set", "message": str(error)}


def status_report(
    settings: Settings, choice: ProviderChoice, key_check: dict[str, Any]
) -> dict[str, Any]:
    return {
        "version": __version__,
        **choice.describe(),
        "keyCheck": key_check,
        "settings": settings.model_dump(by_alias=True, mode="json"),
    }
