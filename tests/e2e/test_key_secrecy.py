"""The API key goes into the Authorization header and nowhere else: not the server's log (even
at -vv, where pygls logs whole messages), not its stderr, not window/logMessage, showMessage,
progress, results, written files, history or cache."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER_ENV, generate, open_session
from tests.fake_openrouter import GOOD_KEY, FakeOpenRouter, Reply
from tests.scripted_model import ScriptedModel

LOG_FILE = Path(tempfile.gettempdir()) / f"openv0-key-secrecy-{os.getpid()}.log"
ENV_KEY = "sk-or-v1-" + "e0e0" * 16  # a second key, only in the environment


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "openv0_lsp", "-vv", "--log-file", str(LOG_FILE)],
        server_env={**SERVER_ENV, "OPENROUTER_API_KEY": ENV_KEY},
    )
)
async def debug_client(lsp_client: LanguageClient):
    yield
    if lsp_client.capabilities is not None and lsp_client.error is None:
        await lsp_client.shutdown_session()


async def _exercise(client: LanguageClient, workspace: Path, fake: FakeOpenRouter) -> list[str]:
    """Generations that succeed and fail, a status: everything the client saw, as text."""
    model = ScriptedModel()
    fake.responder = model
    fake.script(Reply.error(403, f"Key {GOOD_KEY} is not allowed here"))  # an echoing server
    await open_session(
        client, workspace, "vscode", options={"apiKey": GOOD_KEY, "baseUrl": fake.base_url}
    )
    seen = [json.dumps(await generate(client, prompt="a login form with email and password"))]
    seen.append(json.dumps(await generate(client, prompt="a pricing section with two tiers")))
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status")
    )
    seen.append(json.dumps(status))
    seen += [m.message for m in client.log_messages] + [m.message for m in client.messages]
    seen += [repr(r) for values in client.progress_reports.values() for r in values]
    assert '"status": "written"' in seen[1] and '"status": "failed"' in seen[0]
    return seen


def _workspace_bytes(workspace: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(workspace.rglob("*")) if p.is_file())


async def test_the_key_is_in_no_log_even_at_debug_level(debug_client: LanguageClient, tmp_path):
    async with FakeOpenRouter() as fake:
        seen = await _exercise(debug_client, tmp_path, fake)
        assert all(r.headers["Authorization"] == f"Bearer {GOOD_KEY}" for r in fake.chats)
    await debug_client.shutdown_session()
    debug_client.capabilities = None
    log = LOG_FILE.read_text(encoding="utf-8")
    LOG_FILE.unlink()
    assert "initialization_options=" in log  # -vv really logged whole messages...
    assert "[api key]" in log  # ...with the key masked
    for key in (GOOD_KEY, ENV_KEY):
        assert key not in log
        assert all(key not in text for text in seen)
        assert key.encode() not in _workspace_bytes(tmp_path)
    assert (tmp_path / ".openv0" / "history.db").exists()


async def test_the_key_is_not_on_stderr(
    client: LanguageClient, tmp_path: Path, capfd: pytest.CaptureFixture[str]
):
    async with FakeOpenRouter() as fake:
        seen = await _exercise(client, tmp_path, fake)
    await client.shutdown_session()
    client.capabilities = None
    captured = capfd.readouterr()
    assert "generation=" in captured.err  # the server's -v log did reach stderr
    assert GOOD_KEY not in captured.err and GOOD_KEY not in captured.out
    assert all(GOOD_KEY not in text for text in seen)
    assert GOOD_KEY.encode() not in _workspace_bytes(tmp_path)
