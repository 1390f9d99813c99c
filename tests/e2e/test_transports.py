"""`openv0-lsp --tcp` and `--ws` serve the same protocol as stdio, for clients that connect."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _connect(client: LanguageClient, transport: str, port: int) -> None:
    for _ in range(200):  # the server needs a moment to listen
        try:
            if transport == "tcp":
                await client.start_tcp("127.0.0.1", port)
            else:
                await client.start_ws("127.0.0.1", port)
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"openv0-lsp --{transport} did not listen on {port}")


@pytest.mark.parametrize("transport", ["tcp", "ws"])
async def test_a_generation_over_a_socket_transport(tmp_path: Path, transport: str):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "openv0_lsp", f"--{transport}", f"127.0.0.1:{port}"],
        stderr=subprocess.PIPE,
    )
    client = LanguageClient("transport-test", "1")
    try:
        await _connect(client, transport, port)
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                workspace_folders=[
                    types.WorkspaceFolder(uri=from_fs_path(str(tmp_path)), name="w")
                ],
            )
        )
        client.initialized(types.InitializedParams())
        result = await asyncio.wait_for(
            client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="openv0.generate", arguments=[{"prompt": "a hero"}]
                )
            ),
            30,
        )
        assert result["status"] == "written"
        assert Path(result["files"][0]).is_file()
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()
        server.terminate()
        server.wait(timeout=10)


def test_a_malformed_address_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "openv0_lsp", "--tcp", "nowhere"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "expected HOST:PORT" in done.stderr
