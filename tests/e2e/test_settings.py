"""Settings come from initializationOptions and workspace/configuration; bad values are named."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import generate, open_session, wait_until


async def test_an_invalid_setting_is_named_and_the_default_is_used(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path, options={"framework": "vue", "outputDir": "ui"})
    await wait_until(lambda: client.messages)
    [message] = client.messages
    assert message.type == types.MessageType.Warning
    assert "openv0.framework" in message.message and "'react'" in message.message

    result = await generate(client, prompt="a hero section")
    assert result["files"] == [str(tmp_path / "ui" / "HeroSection.tsx")]


async def test_workspace_configuration_wins_over_initialization_options(
    client: LanguageClient, tmp_path: Path
):
    client.set_configuration({"outputDir": "from-config", "framework": "html"}, section="openv0")
    await open_session(client, tmp_path, options={"outputDir": "from-init"})

    async def status() -> dict:
        return await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.status")
        )

    settings = (await status())["settings"]  # asked first: it waits for the client's answer
    assert settings["outputDir"] == "from-config"
    assert settings["framework"] == "html"

    client.set_configuration({"outputDir": "changed"}, section="openv0")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    for _ in range(100):
        settings = (await status())["settings"]
        if settings["outputDir"] == "changed":
            break
    assert settings["outputDir"] == "changed"
    assert settings["framework"] == "react"


async def test_a_generation_right_after_start_waits_for_the_editors_settings(
    client: LanguageClient, tmp_path: Path
):
    """An editor that takes its time to answer workspace/configuration (a secret store to
    unlock, a slow extension host): the first generation uses its settings, not the defaults."""
    client.set_configuration({"outputDir": "from-config"}, section="openv0")
    answer = client.protocol.fm.features[types.WORKSPACE_CONFIGURATION]
    asked = asyncio.Event()

    async def answer_slowly(params: types.ConfigurationParams) -> Any:
        asked.set()
        await asyncio.sleep(2.5)
        return answer(params)

    client.protocol.fm.features[types.WORKSPACE_CONFIGURATION] = answer_slowly
    await open_session(client, tmp_path, options={"outputDir": "from-init"})
    result = await generate(client, prompt="a hero section")

    assert asked.is_set()
    assert result["files"] == [str(tmp_path / "from-config" / "HeroSection.tsx")]
    assert not (tmp_path / "from-init").exists()
