"""Cancel stops the work at whatever step it is in and writes nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.e2e.conftest import open_session, snapshot, wait_until

STEPS = ["plan", "scaffold", "enhance", "validate", "write"]
PROMPT = "landing page with a navbar, a hero and a pricing section"


def _reported_step(client: LanguageClient, step: str) -> bool:
    return any(
        isinstance(r, types.WorkDoneProgressReport) and r.message.startswith(f"{step}:")
        for reports in client.progress_reports.values()
        for r in reports
    )


@pytest.mark.parametrize("step", STEPS)
async def test_cancel_from_the_progress_notification_writes_nothing(
    client: LanguageClient, tmp_path: Path, step: str
):
    await open_session(client, tmp_path, "vscode", options={"stepDelayMs": 150})
    before = snapshot(tmp_path)
    running = asyncio.ensure_future(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": PROMPT}])
        )
    )
    await wait_until(lambda: _reported_step(client, step))
    [token] = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

    result = await asyncio.wait_for(running, 10)
    assert result["status"] == "cancelled"
    assert snapshot(tmp_path) == before
    assert isinstance(client.progress_reports[token][-1], types.WorkDoneProgressEnd)
    assert "cancelled" in client.progress_reports[token][-1].message


@pytest.mark.parametrize("step", STEPS)
async def test_cancel_request_stops_the_generation_and_writes_nothing(
    client: LanguageClient, tmp_path: Path, step: str
):
    await open_session(client, tmp_path, "bare", options={"stepDelayMs": 150})
    before = snapshot(tmp_path)
    finished = asyncio.ensure_future(client.wait_for_notification("openv0/generationFinished"))
    running = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND,
            types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": PROMPT}]),
            msg_id="generate-1",
        )
    )
    await wait_until(lambda: any(f"] {step}:" in m.message for m in client.log_messages))
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="generate-1"))

    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(running, 10)
    outcome = await asyncio.wait_for(finished, 10)
    assert outcome.status == "cancelled"
    assert snapshot(tmp_path) == before


async def test_shutdown_cancels_and_awaits_running_generations(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path, "vscode", options={"stepDelayMs": 200})
    before = snapshot(tmp_path)
    running = asyncio.ensure_future(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": PROMPT}])
        )
    )
    await wait_until(lambda: _reported_step(client, "scaffold"))
    try:
        await asyncio.wait_for(client.shutdown_async(None), 10)
    finally:
        client.exit(None)
        client.capabilities = None  # this test ended the session: the fixture must not
    # shutdown answers every pending request with RequestCancelled (-32800)
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(running, 10)
    assert snapshot(tmp_path) == before
    assert isinstance(
        client.progress_reports[next(iter(client.progress_reports))][-1], types.WorkDoneProgressEnd
    )
