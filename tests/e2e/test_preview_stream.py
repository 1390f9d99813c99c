"""While a model streams a component, the preview shows the code so far whenever it compiles."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import generate, open_session
from tests.fake_openrouter import GOOD_KEY, FakeOpenRouter
from tests.scripted_model import ScriptedModel

# The component comes first, then a long tail of comment lines: every cut of the stream after
# the function's closing brace compiles, every cut inside the function does not.
STREAMED = (
    "export default function PricingSection() {\n"
    '  return <p className="p-4">streamed so far</p>;\n'
    "}\n" + "".join(f"// a model keeps writing, line {n}\n" for n in range(60))
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        server.responder = ScriptedModel(enhance=STREAMED, tokens_per_second=250)
        yield server


async def _watch(url: str, component: str, seen: list[tuple[float, dict[str, Any]]]) -> None:
    websocket_url = url.replace("http://", "ws://") + f"ws?component={component}"
    async with aiohttp.ClientSession() as session, session.ws_connect(websocket_url) as ws:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                seen.append((time.monotonic(), json.loads(message.data)))


async def test_partial_code_that_compiles_is_shown_before_the_file_is_written(
    client: LanguageClient, fake: FakeOpenRouter, tmp_path: Path
):
    await open_session(
        client, tmp_path, "bare", options={"apiKey": GOOD_KEY, "baseUrl": fake.base_url}
    )
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.preview", arguments=[])
    )
    seen: list[tuple[float, dict[str, Any]]] = []
    watcher = asyncio.ensure_future(_watch(result["url"], "components/PricingSection.tsx", seen))
    await asyncio.sleep(0.3)  # connected

    generated = await generate(client, prompt="pricing section with three tiers")
    written_at = time.monotonic()
    await asyncio.sleep(0.5)  # the final build arrives
    watcher.cancel()

    assert generated["status"] == "written"
    builds = [b for _, b in seen if b.get("type") == "build"]
    early = [b for at, b in seen if b.get("type") == "build" and at < written_at]
    assert early, f"no build before the file was written: {builds}"
    assert all(not b["errors"] for b in builds)  # unfinished code never shows as an error
    assert builds[-1]["version"] > early[0]["version"]  # the written file came after
    diagnostics = client.diagnostics.get(generated["uri"], [])
    assert not [d for d in diagnostics if d.source == "openv0-preview"]
