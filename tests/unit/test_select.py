"""Which provider a configuration means: the settings and the environment's keys decide, the
key is used but never shown, and one live provider is kept per configuration."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from openv0_lsp.config import DEFAULT_MODEL, Settings, TimeoutSettings
from openv0_lsp.providers.base import ProviderConfigError
from openv0_lsp.providers.offline import OfflineProvider
from openv0_lsp.providers.openai_compat import OPENROUTER_BASE_URL, OpenAICompatibleProvider
from openv0_lsp.providers.select import (
    OPENAI_BASE_URL,
    ProviderChoice,
    ProviderPool,
    choose_provider,
    make_provider,
)

SETTINGS_KEY = "sk-or-v1-from-settings-0123456789abcdef"
ROUTER_KEY = "sk-or-v1-from-environment-0123456789abcdef"
OPENAI_KEY = "sk-openai-from-environment-0123456789abcdef"
LOCAL_URL = "http://127.0.0.1:11434/v1"


def test_no_key_anywhere_means_offline():
    choice = choose_provider(Settings(), {})
    assert choice.name == "offline"
    assert not choice.uses_model
    assert choice.problem() is None
    assert isinstance(make_provider(choice), OfflineProvider)


def test_an_openai_key_alone_does_not_switch_to_a_model():
    assert choose_provider(Settings(), {"OPENAI_API_KEY": OPENAI_KEY}).name == "offline"


def test_the_api_key_setting_means_openrouter_with_its_source_named():
    choice = choose_provider(
        Settings(api_key=SecretStr(SETTINGS_KEY)), {"OPENROUTER_API_KEY": ROUTER_KEY}
    )
    assert choice.name == "openrouter"
    assert choice.api_key == SETTINGS_KEY  # the setting wins over the environment
    assert choice.key_source == "openv0.apiKey"
    assert choice.base_url == OPENROUTER_BASE_URL == "https://openrouter.ai/api/v1"
    assert choice.describe()["apiKey"] == "set (openv0.apiKey)"


def test_openrouter_api_key_in_the_environment_means_openrouter():
    choice = choose_provider(Settings(), {"OPENROUTER_API_KEY": ROUTER_KEY})
    assert (choice.name, choice.api_key, choice.key_source) == (
        "openrouter",
        ROUTER_KEY,
        "OPENROUTER_API_KEY",
    )
    assert choice.problem() is None


@pytest.mark.parametrize("pasted", [f"{ROUTER_KEY}\n", f"  {ROUTER_KEY} ", f"{ROUTER_KEY}\r\n"])
def test_a_key_pasted_with_a_line_break_or_spaces_around_it_is_the_key(pasted: str):
    from_environment = choose_provider(Settings(), {"OPENROUTER_API_KEY": pasted})
    from_settings = choose_provider(Settings(api_key=SecretStr(pasted)), {})
    assert from_environment.api_key == from_settings.api_key == ROUTER_KEY


def test_a_blank_key_is_no_key():
    assert choose_provider(Settings(api_key=SecretStr(" \n")), {}).name == "offline"
    assert choose_provider(Settings(), {"OPENROUTER_API_KEY": "\n"}).name == "offline"


def test_the_default_model_is_the_one_the_product_names():
    assert DEFAULT_MODEL == "deepseek/deepseek-chat-v3.1:free"
    choice = choose_provider(Settings(), {"OPENROUTER_API_KEY": ROUTER_KEY})
    assert choice.model == "deepseek/deepseek-chat-v3.1:free"


def test_openai_with_a_local_base_url_needs_no_key():
    settings = Settings(provider="openai", base_url=LOCAL_URL, model="qwen2.5-coder:7b")
    choice = choose_provider(settings, {"OPENROUTER_API_KEY": ROUTER_KEY})
    assert choice.name == "openai"
    assert choice.api_key is None and choice.key_source is None  # OpenRouter's key stays home
    assert choice.base_url == LOCAL_URL
    assert choice.model == "qwen2.5-coder:7b"
    assert choice.problem() is None
    assert choice.describe()["apiKey"] == "not set"


def test_openai_api_key_is_used_only_for_the_openai_provider():
    openai = choose_provider(Settings(provider="openai"), {"OPENAI_API_KEY": OPENAI_KEY})
    assert (openai.api_key, openai.key_source) == (OPENAI_KEY, "OPENAI_API_KEY")
    assert openai.base_url == OPENAI_BASE_URL == "https://api.openai.com/v1"

    openrouter = choose_provider(Settings(provider="openrouter"), {"OPENAI_API_KEY": OPENAI_KEY})
    assert openrouter.name == "openrouter" and openrouter.api_key is None


def test_openrouter_without_a_key_says_what_to_set_and_cannot_be_made():
    choice = choose_provider(Settings(provider="openrouter"), {})
    assert choice.name == "openrouter" and choice.api_key is None
    problem = choice.problem()
    assert problem is not None
    assert "openv0.apiKey" in problem and "OPENROUTER_API_KEY" in problem
    with pytest.raises(ProviderConfigError) as caught:
        make_provider(choice)
    assert "OPENROUTER_API_KEY" in str(caught.value)


def test_the_offline_provider_setting_wins_over_a_key():
    choice = choose_provider(Settings(provider="offline", api_key=SecretStr(SETTINGS_KEY)), {})
    assert choice == ProviderChoice("offline")
    assert choice.api_key is None


def test_fallback_models_leave_out_the_main_model():
    settings = Settings(
        model="a/main:free", fallback_models=("b/one:free", "a/main:free", "c/two:free")
    )
    choice = choose_provider(settings, {"OPENROUTER_API_KEY": ROUTER_KEY})
    assert choice.model == "a/main:free"
    assert choice.fallback_models == ("b/one:free", "c/two:free")
    assert choice.describe()["fallbackModels"] == ["b/one:free", "c/two:free"]


def test_the_timeouts_setting_reaches_the_choice():
    settings = Settings(timeouts=TimeoutSettings(connect=2, first_byte=5, idle=7))
    choice = choose_provider(settings, {"OPENROUTER_API_KEY": ROUTER_KEY})
    timeouts = choice.timeouts
    assert (timeouts.connect, timeouts.first_byte, timeouts.idle) == (2.0, 5.0, 7.0)


@pytest.mark.parametrize(
    ("settings", "environ", "key"),
    [
        (Settings(api_key=SecretStr(SETTINGS_KEY)), {}, SETTINGS_KEY),
        (Settings(), {"OPENROUTER_API_KEY": ROUTER_KEY}, ROUTER_KEY),
        (Settings(provider="openai"), {"OPENAI_API_KEY": OPENAI_KEY}, OPENAI_KEY),
    ],
)
def test_the_key_is_in_neither_repr_nor_description(
    settings: Settings, environ: dict[str, str], key: str
):
    choice = choose_provider(settings, environ)
    assert choice.api_key == key
    assert key not in repr(choice)
    assert key not in str(choice)
    assert key not in repr(choice.describe())
    assert choice.describe()["apiKey"].startswith("set (")


async def test_make_provider_builds_the_chosen_client_without_showing_the_key():
    choice = choose_provider(
        Settings(fallback_models=("b/one:free",)), {"OPENROUTER_API_KEY": ROUTER_KEY}
    )
    provider = make_provider(choice)
    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.name == "openrouter"
    assert provider.model == DEFAULT_MODEL
    assert provider.fallback_models == ("b/one:free",)
    assert ROUTER_KEY not in repr(provider)

    local = make_provider(choose_provider(Settings(provider="openai", base_url=LOCAL_URL), {}))
    assert isinstance(local, OpenAICompatibleProvider)
    assert local.name == "openai"
    assert "Authorization" not in local._client.headers  # no key: no header at all
    assert provider._client.headers["Authorization"] == f"Bearer {ROUTER_KEY}"
    await provider.aclose()
    await local.aclose()


async def test_the_pool_keeps_one_provider_per_configuration_and_closes_all():
    pool = ProviderPool()
    environ = {"OPENROUTER_API_KEY": ROUTER_KEY}
    first = pool.acquire(choose_provider(Settings(), environ))
    again = pool.acquire(choose_provider(Settings(), environ))  # an equal, separately made choice
    assert again is first

    changed = pool.acquire(choose_provider(Settings(model="qwen/qwen3-coder:free"), environ))
    assert changed is not first
    assert changed.model == "qwen/qwen3-coder:free"
    assert isinstance(first, OpenAICompatibleProvider)
    assert isinstance(changed, OpenAICompatibleProvider)
    assert not first._client.is_closed  # generations may still stream from it

    await pool.aclose()
    assert first._client.is_closed and changed._client.is_closed
    assert pool.acquire(choose_provider(Settings(), environ)) is not first  # a fresh one after
    await pool.aclose()


async def test_a_replaced_provider_is_closed_once_its_last_holder_releases_it():
    pool = ProviderPool()
    environ = {"OPENROUTER_API_KEY": ROUTER_KEY}
    first = pool.acquire(choose_provider(Settings(), environ))
    also_first = pool.acquire(choose_provider(Settings(), environ))  # two generations
    assert isinstance(first, OpenAICompatibleProvider) and also_first is first
    models = [f"vendor/model-{n}" for n in range(5)]
    passing = []
    for model in models:  # settings changed again and again, nothing generating meanwhile
        passing.append(pool.acquire(choose_provider(Settings(model=model), environ)))
        pool.release(passing[-1])
    for _ in range(3):
        await asyncio.sleep(0)
    assert all(isinstance(p, OpenAICompatibleProvider) for p in passing)
    assert [p._client.is_closed for p in passing] == [True] * 4 + [False]
    assert not first._client.is_closed  # still held: its generations stream to the end

    pool.release(first)
    await asyncio.sleep(0)
    assert not first._client.is_closed  # one generation still holds it
    pool.release(also_first)
    for _ in range(3):
        await asyncio.sleep(0)
    assert first._client.is_closed
    current = pool.acquire(choose_provider(Settings(model=models[-1]), environ))
    assert isinstance(current, OpenAICompatibleProvider)
    assert not current._client.is_closed  # the one in force stays open, held or not
    held = pool.acquire(choose_provider(Settings(model=models[-1]), environ))
    await pool.aclose()  # shutdown while a generation still holds it
    assert current._client.is_closed
    pool.release(current)
    pool.release(held)  # the generation ends after the shutdown: nothing more to close
    assert pool._closing == set()


async def test_the_pool_keeps_the_working_provider_when_a_new_choice_cannot_be_made():
    pool = ProviderPool()
    working = pool.acquire(choose_provider(Settings(), {"OPENROUTER_API_KEY": ROUTER_KEY}))
    with pytest.raises(ProviderConfigError):
        pool.acquire(choose_provider(Settings(provider="openrouter"), {}))
    assert pool.acquire(choose_provider(Settings(), {"OPENROUTER_API_KEY": ROUTER_KEY})) is working
    await pool.aclose()
