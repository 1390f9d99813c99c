"""`openv0` with a model: a shell user sets a key (or a local server) and generates.

The CLI runs as a real process; the fake OpenRouter runs in this test's event loop, answered by
the scripted model, so the process is started with asyncio and every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_ENV
from tests.fake_openrouter import FREE_MODEL, GOOD_KEY, FakeOpenRouter
from tests.scripted_model import MARKER, ScriptedModel

OPENV0 = [sys.executable, "-m", "openv0_lsp.cli"]
PROMPT = "pricing section with three tiers"
BAD_KEY = "sk-or-v1-" + "deadbeef" * 8
LOCAL_MODEL = "qwen2.5-coder:7b"
WAIT = 60.0  # seconds any one CLI run may take
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


async def openv0(*args: str, env: dict[str, str]) -> Run:
    process = await asyncio.create_subprocess_exec(
        *OPENV0,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT)
    except TimeoutError:
        process.kill()
        await asyncio.wait_for(process.wait(), 10)
        raise
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


def environment(**variables: str) -> dict[str, str]:
    """The test machine's environment without its openv0 settings, keys or proxies."""
    clean = {k: v for k, v in SERVER_ENV.items() if k.upper() not in PROXY_VARIABLES}
    return {**clean, **variables}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        server.responder = ScriptedModel()
        yield server


def openrouter_env(fake: FakeOpenRouter, key: str = GOOD_KEY) -> dict[str, str]:
    return environment(OPENROUTER_API_KEY=key, OPENV0_BASE_URL=fake.base_url)


async def generate(workspace: Path, env: dict[str, str], *more: str) -> Run:
    return await openv0("generate", PROMPT, "--workspace", str(workspace), "--json", *more, env=env)


async def test_generate_with_an_openrouter_key_writes_the_models_component(
    tmp_path: Path, fake: FakeOpenRouter
):
    done = await generate(tmp_path, openrouter_env(fake))
    assert done.returncode == 0, done.stderr
    result = done.json()
    assert result["status"] == "written"
    assert (result["provider"], result["model"]) == ("openrouter", FREE_MODEL)
    assert result["cached"] is False and result["tokens"] > 0
    [written] = result["files"]
    assert Path(written) == tmp_path / "components" / "PricingSection.tsx"
    assert MARKER in Path(written).read_text(encoding="utf-8")

    assert len(fake.chats) == 2  # plan, enhance
    for chat in fake.chats:
        assert chat.headers["Authorization"] == f"Bearer {GOOD_KEY}"
        assert chat.json["model"] == FREE_MODEL
    assert GOOD_KEY not in done.stdout + done.stderr


async def test_a_local_openai_compatible_server_needs_no_key(tmp_path: Path):
    async with FakeOpenRouter(check_keys=False) as local:
        local.responder = ScriptedModel()
        env = environment(
            OPENV0_PROVIDER="openai",
            OPENV0_BASE_URL=f"http://127.0.0.1:{local.port}/v1",
            OPENV0_MODEL=LOCAL_MODEL,
        )
        done = await generate(tmp_path, env)

    assert done.returncode == 0, done.stderr
    result = done.json()
    assert (result["provider"], result["model"]) == ("openai", LOCAL_MODEL)
    assert MARKER in (tmp_path / "components" / "PricingSection.tsx").read_text(encoding="utf-8")
    assert len(local.chats) == 2
    for chat in local.chats:
        assert chat.path == "/v1/chat/completions"
        assert chat.json["model"] == LOCAL_MODEL and "models" not in chat.json
        assert "Authorization" not in chat.headers


async def test_a_model_server_on_the_local_network_takes_plain_http_when_no_key_is_set(
    tmp_path: Path,
):
    """An Ollama on another machine of the network (`http://gpu-box.lan:11434/v1`): nothing
    secret travels without a key, so plain HTTP is fine. The fake stands in as an HTTP proxy,
    which is how a request to another host reaches it here."""
    async with FakeOpenRouter(check_keys=False) as local:
        local.responder = ScriptedModel()
        env = environment(
            OPENV0_PROVIDER="openai",
            OPENV0_BASE_URL="http://gpu-box.lan:11434/v1",
            OPENV0_MODEL=LOCAL_MODEL,
            HTTP_PROXY=f"http://127.0.0.1:{local.port}",
        )
        done = await generate(tmp_path, env)

    assert done.returncode == 0, done.stderr
    assert MARKER in (tmp_path / "components" / "PricingSection.tsx").read_text(encoding="utf-8")
    assert len(local.chats) == 2
    for chat in local.chats:
        assert chat.headers["Host"] == "gpu-box.lan:11434"
        assert chat.path == "/v1/chat/completions"
        assert "Authorization" not in chat.headers


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
async def test_a_rejected_key_says_how_to_fix_it_writes_nothing_and_never_shows_the_key(
    tmp_path: Path, fake: FakeOpenRouter, as_json: bool
):
    args = ["generate", PROMPT, "--workspace", str(tmp_path)] + (["--json"] if as_json else [])
    done = await openv0(*args, env=openrouter_env(fake, BAD_KEY))
    assert done.returncode == 1
    message = done.json()["message"] if as_json else done.stderr
    assert "OPENROUTER_API_KEY" in message or "openv0.apiKey" in message
    assert "rejected" in message
    assert BAD_KEY not in done.stdout and BAD_KEY not in done.stderr
    assert list(tmp_path.iterdir()) == []
    assert len(fake.chats) == 1  # a 401 is not retried


async def test_a_failed_generation_does_not_leave_a_new_workspace_folder(
    tmp_path: Path, fake: FakeOpenRouter
):
    workspace = tmp_path / "new-app"
    done = await generate(workspace, openrouter_env(fake, BAD_KEY))
    assert done.returncode == 1
    assert not workspace.exists()


async def test_status_checks_the_key_and_masks_it(fake: FakeOpenRouter):
    done = await openv0("status", "--json", env=openrouter_env(fake))
    assert done.returncode == 0, done.stderr
    status = done.json()
    assert status["provider"] == "openrouter"
    assert status["model"] == FREE_MODEL
    assert status["baseUrl"] == fake.base_url
    assert status["apiKey"] == "set (OPENROUTER_API_KEY)"
    check = status["keyCheck"]
    assert check["state"] == "valid"
    assert check["label"] == "sk-or-v1-5ec...e5e" and check["isFreeTier"] is True
    assert GOOD_KEY not in done.stdout + done.stderr
    [key_request] = [r for r in fake.requests if r.path.endswith("/key")]
    assert key_request.headers["Authorization"] == f"Bearer {GOOD_KEY}"
    assert fake.chats == []  # a status costs no model request


async def test_status_says_whether_the_model_is_offered(fake: FakeOpenRouter):
    """The fake, like OpenRouter today, no longer lists the seed's default `:free` model."""
    done = await openv0("status", "--json", env=openrouter_env(fake))
    check = done.json()["modelCheck"]
    assert check["state"] == "not listed" and check["missing"] == [FREE_MODEL]
    assert check["message"] == (
        f"the server does not list {FREE_MODEL}: retired? A generation falls back to the free "
        "models it offers: deepseek/deepseek-r1:free, qwen/qwen3-coder:free"
    )

    env = openrouter_env(fake) | {"OPENV0_MODEL": "qwen/qwen3-coder:free"}
    done = await openv0("status", "--json", env=env)
    assert done.json()["modelCheck"]["state"] == "listed"
    assert fake.chats == []


@pytest.mark.parametrize(
    ("model", "state"),
    [("llama3", "listed"), ("llama3:latest", "listed"), ("mistral", "not listed")],
)
async def test_status_asks_a_local_server_for_its_models(model: str, state: str):
    async with FakeOpenRouter(check_keys=False) as local:
        local.models = [{"id": "qwen2.5-coder:7b"}, {"id": "llama3:latest"}]
        env = environment(
            OPENV0_PROVIDER="openai",
            OPENV0_BASE_URL=f"http://127.0.0.1:{local.port}/v1",
            OPENV0_MODEL=model,
        )
        done = await openv0("status", "--json", env=env)
    check = done.json()["modelCheck"]
    assert check["state"] == state
    if state == "not listed":  # Ollama answers to `llama3` for `llama3:latest`, not to others
        assert check["message"] == (
            "the server does not list mistral: it offers llama3:latest, qwen2.5-coder:7b"
        )


async def test_status_says_when_no_model_server_answers():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket closes
    env = environment(
        OPENV0_PROVIDER="openai", OPENV0_BASE_URL=f"http://127.0.0.1:{port}/v1", OPENV0_MODEL="m"
    )
    done = await openv0("status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    check = done.json()["modelCheck"]
    assert check["state"] == "unreachable"
    assert check["message"] == (
        f"openai: cannot connect to http://127.0.0.1:{port}: nothing listens there "
        "(is the model server running?)"
    )


@pytest.mark.parametrize(
    ("key", "state"), [(GOOD_KEY, "valid"), (BAD_KEY, "invalid")], ids=["good", "bad"]
)
async def test_status_checks_a_key_where_the_server_has_no_key_endpoint(
    fake: FakeOpenRouter, key: str, state: str
):
    """OpenAI's own API has no `GET /key`; its `GET /models` answers 401 to a bad key."""
    fake.openai_like = True
    env = environment(OPENV0_PROVIDER="openai", OPENAI_API_KEY=key, OPENV0_BASE_URL=fake.base_url)
    done = await openv0("status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    check = done.json()["keyCheck"]
    assert check["state"] == state
    if state == "invalid":
        assert "the API key was rejected (401: Incorrect API key provided.)" in check["message"]
        assert "OPENAI_API_KEY" in check["message"]
    else:
        assert "GET /models" in check["message"]
    assert key not in done.stdout + done.stderr
    models_requests = [r for r in fake.requests if r.path.endswith("/models")]
    assert models_requests and all(
        r.headers["Authorization"] == f"Bearer {key}" for r in models_requests
    )


async def test_status_masks_a_key_set_as_openv0_api_key(fake: FakeOpenRouter):
    env = environment(OPENV0_API_KEY=GOOD_KEY, OPENV0_BASE_URL=fake.base_url)
    done = await openv0("status", "--json", env=env)
    assert done.returncode == 0, done.stderr
    status = done.json()
    assert status["apiKey"] == "set (openv0.apiKey)"
    assert status["settings"]["apiKey"] == "**********"
    assert status["keyCheck"]["state"] == "valid"
    assert GOOD_KEY not in done.stdout + done.stderr


async def test_status_with_a_rejected_key_says_invalid(fake: FakeOpenRouter):
    done = await openv0("status", "--json", env=openrouter_env(fake, BAD_KEY))
    assert done.returncode == 0, done.stderr
    check = done.json()["keyCheck"]
    assert check["state"] == "invalid"
    assert "OPENROUTER_API_KEY" in check["message"]
    assert BAD_KEY not in done.stdout + done.stderr


async def test_status_with_a_key_that_cannot_be_sent_says_unusable_and_why(
    fake: FakeOpenRouter,
):
    broken = GOOD_KEY[:20] + " " + GOOD_KEY[20:]  # a space inside: not a key anyone issued
    done = await openv0("status", "--json", env=openrouter_env(fake, broken))
    assert done.returncode == 0, done.stderr
    check = done.json()["keyCheck"]
    assert check["state"] == "unusable"
    assert "contains spaces" in check["message"] and "paste it again" in check["message"]
    assert GOOD_KEY[:20] not in done.stdout + done.stderr
    assert fake.requests == []  # nothing was sent anywhere


async def test_a_repeat_comes_from_the_cache_and_force_asks_the_model_again(
    tmp_path: Path, fake: FakeOpenRouter
):
    env = openrouter_env(fake)
    first = await generate(tmp_path, env)
    assert first.returncode == 0, first.stderr
    assert len(fake.chats) == 2

    repeat = await generate(tmp_path, env)
    assert repeat.returncode == 0, repeat.stderr
    assert repeat.json()["cached"] is True and repeat.json()["model"] == FREE_MODEL
    assert len(fake.chats) == 2  # no new request

    forced = await generate(tmp_path, env, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.json()["cached"] is False
    assert len(fake.chats) == 4


class ConnectRecorder:
    """A stand-in HTTPS proxy: records the first line of every connection, then hangs up.
    Through it, any request the CLI sends to a server on the internet becomes visible."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> ConnectRecorder:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5)
            self.lines.append(line.decode(errors="replace").strip())
        finally:
            writer.close()


INSECURE = {
    "openrouter": {"OPENROUTER_API_KEY": GOOD_KEY},
    "openai": {"OPENV0_PROVIDER": "openai", "OPENAI_API_KEY": GOOD_KEY},
}


async def test_plain_http_to_another_machine_is_refused_with_a_clear_error(
    tmp_path: Path, fake: FakeOpenRouter
):
    async with ConnectRecorder() as proxy:
        env = environment(
            OPENV0_BASE_URL=f"http://example.com:{fake.port}/api/v1",
            HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}",  # nothing leaves this machine
            OPENROUTER_API_KEY=GOOD_KEY,
        )
        done = await generate(tmp_path, env)
    message = json.loads(done.stdout)["message"]
    assert "openv0.baseUrl" in message and "refusing plain HTTP to example.com" in message
    assert GOOD_KEY not in done.stdout + done.stderr
    assert fake.requests == []
    assert done.returncode == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("provider", list(INSECURE))
async def test_a_refused_base_url_sends_no_request_anywhere(
    tmp_path: Path, fake: FakeOpenRouter, provider: str
):
    async with ConnectRecorder() as proxy:
        env = environment(
            OPENV0_BASE_URL="http://example.com/v1",
            HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}",
            **INSECURE[provider],
        )
        done = await generate(tmp_path, env)
    assert done.returncode == 1
    assert proxy.lines == [], f"requests sent: {proxy.lines}"
