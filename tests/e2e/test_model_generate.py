"""Generation with a model, through a real server process, against the fake OpenRouter.

The scripted model answers the plan (JSON) and enhance (code) requests; each fault OpenRouter
can produce ends in the right file or in a clear error with nothing written.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import generate, open_session, snapshot, wait_until
from tests.fake_openrouter import FREE_MODEL, GOOD_KEY, FakeOpenRouter, KeyInfo, Reply
from tests.scripted_model import BROKEN, MARKER, ScriptedModel, component

PROMPT = "pricing section with three tiers and a monthly/yearly toggle"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        yield server


@pytest.fixture
def model(fake: FakeOpenRouter) -> ScriptedModel:
    scripted = ScriptedModel()
    fake.responder = scripted
    return scripted


def options(fake: FakeOpenRouter, **more: Any) -> dict[str, Any]:
    return {"apiKey": GOOD_KEY, "baseUrl": fake.base_url, **more}


def reports(client: LanguageClient) -> list[str]:
    return [
        r.message or ""
        for values in client.progress_reports.values()
        for r in values
        if isinstance(r, types.WorkDoneProgressReport | types.WorkDoneProgressEnd)
    ]


def history_models(workspace: Path) -> list[str]:
    with sqlite3.connect(workspace / ".openv0" / "history.db") as db:
        return [row[0] for row in db.execute("select model from generations order by created_at")]


async def test_a_key_selects_openrouter_and_the_model_writes_the_component(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert result["provider"] == "openrouter" and result["model"] == FREE_MODEL
    written = Path(result["files"][0])
    assert written == tmp_path / "components" / "PricingSection.tsx"
    assert MARKER in written.read_text(encoding="utf-8")
    assert model.calls == {"plan": 1, "enhance": 1}
    plan_request, enhance_request = fake.chats
    assert plan_request.json["response_format"]["type"] == "json_schema"
    assert plan_request.json["stream"] is True
    assert "Plans for every team" in enhance_request.json["messages"][1]["content"]  # the plan
    assert all(r.headers["Authorization"] == f"Bearer {GOOD_KEY}" for r in fake.chats)
    assert history_models(tmp_path) == [FREE_MODEL]
    messages = reports(client)
    assert any(m.startswith("enhance:") and "tokens from" in m for m in messages)
    assert FREE_MODEL in messages[-1]  # the end of the progress says which model answered


async def test_the_retired_default_model_falls_back_and_the_user_is_told(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    fake.retired = {FREE_MODEL}
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert result["model"] == "deepseek/deepseek-r1:free"  # a current free model, same family
    assert any("unavailable" in note for note in result["notes"])
    assert any(FREE_MODEL in m and "unavailable" in m for m in reports(client))
    await wait_until(lambda: any("unavailable" in m.message for m in client.messages))
    assert history_models(tmp_path) == ["deepseek/deepseek-r1:free"]


async def test_configured_fallback_models_go_in_openrouters_models_array(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    fake.retired = {"vendor/first"}
    await open_session(
        client,
        tmp_path,
        "neovim",
        options=options(fake, model="vendor/first", fallbackModels=["vendor/second"]),
    )
    result = await generate(client, prompt=PROMPT)
    assert result["status"] == "written" and result["model"] == "vendor/second"
    assert all(r.json["models"] == ["vendor/first", "vendor/second"] for r in fake.chats)


async def test_an_invalid_plan_twice_falls_back_to_the_offline_planner(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    model.plan = '{"name": "pricing", "sections": []}'
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert model.calls["plan"] == 2
    retry = fake.chats[1].json["messages"]
    assert retry[-1]["role"] == "user" and "That plan is invalid" in retry[-1]["content"]
    assert any("offline planner" in note for note in result["notes"])
    assert MARKER in Path(result["files"][0]).read_text(encoding="utf-8")


async def test_validation_errors_go_back_for_repair(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    model.enhance = BROKEN
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert model.calls["repair"] == 1
    assert "syntax" in fake.chats[-1].json["messages"][-1]["content"]  # the findings went back
    assert result["diagnostics"] == []
    assert MARKER in Path(result["files"][0]).read_text(encoding="utf-8")
    assert any(m.startswith("repair:") for m in reports(client))


async def test_after_two_failed_repairs_the_best_version_is_written_with_its_diagnostics(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    model.enhance = model.repair = BROKEN
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert model.calls["repair"] == 2
    assert [d["code"] for d in result["diagnostics"]] and result["diagnostics"][0]["code"] == (
        "syntax"
    )
    assert Path(result["files"][0]).read_text(encoding="utf-8") == BROKEN
    uri = result["uri"]
    await wait_until(lambda: client.diagnostics.get(uri))
    with sqlite3.connect(tmp_path / ".openv0" / "history.db") as db:  # not worth giving again
        assert db.execute("select count(*) from cache").fetchone()[0] == 0
    again = await generate(client, prompt=PROMPT)
    assert again["cached"] is False and model.calls["enhance"] == 2


async def test_429_with_retry_after_and_a_5xx_are_retried(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    fake.script(Reply.rate_limited(retry_after="1"), Reply.error(503, "Service Unavailable"))
    await open_session(client, tmp_path, "vscode", options=options(fake))
    started = asyncio.get_running_loop().time()
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert asyncio.get_running_loop().time() - started >= 1.0  # Retry-After was honoured
    assert len(fake.chats) == 4  # 429, 503, then the plan and the enhance answers
    assert any("retrying in" in m for m in reports(client))


FAULTS = {
    "error mid-stream": Reply.mid_stream_error(["export default"], "Provider disconnected"),
    "dropped connection": Reply.stream(["export ", "default"], drop=True),
    "no [DONE]": Reply.stream(["export ", "default"], done=False),
    "402": Reply.error(402, "Insufficient credits"),
    "bare JSON error": Reply.bare_error_stream("Upstream error", code=400),
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_failing_enhance_stream_writes_nothing_and_says_why(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel, fault: str
):
    model.enhance = FAULTS[fault]
    await open_session(client, tmp_path, "bare", options=options(fake))
    before = snapshot(tmp_path)
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "failed", result
    assert "openrouter" in result["message"]
    assert snapshot(tmp_path) == before  # no file, no history
    await wait_until(lambda: any(m.type == types.MessageType.Error for m in client.messages))


def _answer_cut(reason: str, *, keep: float) -> Reply:
    """The scripted answer (prose, a tsx fence, prose) cut after `keep` of its characters, with
    `reason` as the finish reason, as a model stopped at the token limit or by a filter."""
    text = f"Here is the component:\n\n```tsx\n{component()}```\n\nIt uses Tailwind and more."
    return Reply.code_stream(text[: int(len(text) * keep)], finish_reason=reason)


@pytest.mark.parametrize(
    ("reason", "why"),
    [
        ("length", "the token limit (openv0.maxTokens = 1024); raise openv0.maxTokens"),
        ("content_filter", "the provider's content filter stopped it"),
    ],
)
async def test_an_answer_cut_inside_its_code_writes_nothing_and_says_why(
    client: LanguageClient,
    tmp_path: Path,
    fake: FakeOpenRouter,
    model: ScriptedModel,
    reason: str,
    why: str,
):
    model.enhance = _answer_cut(reason, keep=0.5)
    await open_session(client, tmp_path, "vscode", options=options(fake, maxTokens=1024))
    before = snapshot(tmp_path)
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "failed", result
    assert "stopped before the code was complete" in result["message"]
    assert why in result["message"] and "Nothing was written" in result["message"]
    assert snapshot(tmp_path) == before
    assert model.calls == {"plan": 1, "enhance": 1}  # an unfinished answer is not repaired
    assert fake.chats[1].json["max_tokens"] == 1024


async def test_an_answer_cut_in_the_prose_after_its_code_is_written(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    model.enhance = _answer_cut("length", keep=0.98)
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert Path(result["files"][0]).read_text(encoding="utf-8") == component()


async def test_a_repair_cut_at_the_token_limit_keeps_the_best_version(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    model.enhance = BROKEN
    model.repair = _answer_cut("length", keep=0.5)
    await open_session(client, tmp_path, "vscode", options=options(fake))
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "written", result
    assert model.calls["repair"] == 1  # a cut answer is not asked for again
    assert Path(result["files"][0]).read_text(encoding="utf-8") == BROKEN
    assert any("repair 1:" in n and "token limit" in n for n in result["notes"])
    assert "syntax" in [d["code"] for d in result["diagnostics"]]


async def test_a_bad_key_fails_with_a_message_that_says_how_to_fix_it(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    bad_key = "sk-or-v1-" + "0" * 64
    await open_session(client, tmp_path, "vscode", options=options(fake, apiKey=bad_key))
    before = snapshot(tmp_path)
    result = await generate(client, prompt=PROMPT)

    assert result["status"] == "failed"
    assert "401" in result["message"] and "openv0.apiKey" in result["message"]
    assert bad_key not in json.dumps(result)
    assert snapshot(tmp_path) == before
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status")
    )
    assert status["keyCheck"]["state"] == "invalid"
    assert bad_key not in json.dumps(status)


async def test_status_shows_the_key_check_and_never_the_key(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter
):
    fake.keys[GOOD_KEY] = KeyInfo(label="work laptop", is_free_tier=True, limit_remaining=42.5)
    await open_session(client, tmp_path, "vscode", options=options(fake))
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status")
    )
    assert status["provider"] == "openrouter" and status["model"] == FREE_MODEL
    assert status["keyCheck"] == {
        "state": "valid",
        "label": "work laptop",
        "isFreeTier": True,
        "limit": None,
        "limitRemaining": 42.5,
        "usage": 0.0,
    }
    assert status["apiKey"] == "set (openv0.apiKey)"
    assert GOOD_KEY not in json.dumps(status)
    # checked once when the key was set, not on every status
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status")
    )
    assert len([r for r in fake.requests if r.path.endswith("/key")]) == 1


async def test_a_changed_key_is_checked_again(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter
):
    await open_session(client, tmp_path, "vscode", options=options(fake))
    await wait_until(lambda: [r for r in fake.requests if r.path.endswith("/key")])
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"openv0": options(fake, apiKey="sk-wrong")})
    )
    await wait_until(lambda: any("rejected" in m.message for m in client.messages))
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status")
    )
    assert status["keyCheck"]["state"] == "invalid"
    assert "sk-wrong" not in json.dumps(status)


async def test_an_identical_request_is_answered_from_the_cache_unless_forced(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    await open_session(client, tmp_path, "vscode", options=options(fake))
    first = await generate(client, prompt=PROMPT)
    second = await generate(client, prompt=PROMPT)
    assert (first["cached"], second["cached"]) == (False, True)
    assert len(fake.chats) == 2  # the second asked nobody
    assert Path(second["files"][0]).read_text() == Path(first["files"][0]).read_text()
    assert second["model"] == FREE_MODEL

    forced = await generate(client, prompt=PROMPT, force=True)
    assert forced["cached"] is False and len(fake.chats) == 4
    other = await generate(client, prompt=PROMPT + " in rose")
    assert other["cached"] is False and len(fake.chats) == 6
    with sqlite3.connect(tmp_path / ".openv0" / "history.db") as db:
        assert db.execute("select count(*) from cache").fetchone()[0] == 2


async def test_cancel_mid_stream_closes_the_connection_and_writes_nothing(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    model.tokens_per_second = 40  # the enhance answer takes several seconds
    model.plan = Reply.code_stream(model.plan if isinstance(model.plan, str) else "")
    await open_session(client, tmp_path, "vscode", options=options(fake))
    before = snapshot(tmp_path)
    running = asyncio.ensure_future(generate(client, prompt=PROMPT))
    await wait_until(
        lambda: any(m.startswith("enhance:") and "token" in m for m in reports(client))
    )
    [token] = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

    result = await asyncio.wait_for(running, 10)
    assert result["status"] == "cancelled"
    enhance = fake.chats[-1]
    await asyncio.wait_for(enhance.disconnected.wait(), 2)  # the stream was cut, not drained
    assert not enhance.completed
    assert snapshot(tmp_path) == before


def _established(local_port: int | None, remote_port: int) -> bool:
    """Whether this machine has an open TCP connection from `local_port` to `remote_port` on
    127.0.0.1 (a keep-alive connection the server holds to the fake)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if (
            int(local.split(":")[1], 16) == local_port
            and int(remote.split(":")[1], 16) == remote_port
            and state == "01"  # ESTABLISHED
        ):
            return True
    return False


async def test_a_settings_change_lets_running_generations_finish_then_closes_the_old_client(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    await open_session(client, tmp_path, "vscode", options=options(fake))
    first = await generate(client, prompt=PROMPT)
    assert first["status"] == "written", first
    kept_alive = fake.chats[-1].client_port
    assert _established(kept_alive, fake.port)  # the client in force keeps its connection

    model.tokens_per_second = 100  # the enhance answer takes a few seconds
    model.plan = Reply.code_stream(model.plan if isinstance(model.plan, str) else "")
    running = asyncio.ensure_future(generate(client, prompt=PROMPT, name="SecondPricing"))
    await wait_until(lambda: len(fake.chats) == 4)  # the second enhance is streaming
    streaming = fake.chats[-1].client_port
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"openv0": options(fake, model="vendor/another:free")}
        )
    )
    second = await asyncio.wait_for(running, 30)

    assert second["status"] == "written", second
    assert second["model"] == FREE_MODEL  # it finished on the provider it started with
    assert MARKER in Path(second["files"][0]).read_text(encoding="utf-8")
    await wait_until(lambda: not _established(streaming, fake.port), timeout=5)
    assert not _established(kept_alive, fake.port)  # the replaced client is closed
    model.tokens_per_second = None
    third = await generate(client, prompt=PROMPT, name="ThirdPricing")
    assert third["status"] == "written" and third["model"] == "vendor/another:free"


async def test_the_openai_provider_works_with_any_compatible_server_and_no_key(
    client: LanguageClient, tmp_path: Path
):
    async with FakeOpenRouter(check_keys=False) as server:
        scripted = ScriptedModel()
        server.responder = scripted
        base_url = server.base_url.replace("/api/v1", "/v1")
        await open_session(
            client,
            tmp_path,
            "neovim",
            options={"provider": "openai", "baseUrl": base_url, "model": "qwen2.5-coder:7b"},
        )
        result = await generate(client, prompt=PROMPT)
        assert result["status"] == "written", result
        assert result["provider"] == "openai" and result["model"] == "qwen2.5-coder:7b"
        assert all(r.json["model"] == "qwen2.5-coder:7b" for r in server.chats)
        assert all("models" not in r.json for r in server.chats)
        assert all("Authorization" not in r.headers for r in server.chats)
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.status")
        )
        assert status["keyCheck"]["state"] == "not set"
        # The server's model list does not have it (the fake lists OpenRouter's models).
        assert status["modelCheck"]["state"] == "not listed"
        assert status["modelCheck"]["missing"] == ["qwen2.5-coder:7b"]
        assert "deepseek/deepseek-r1:free" in status["modelCheck"]["message"]
        server.models = [{"id": "qwen2.5-coder:7b"}]  # the user pulls it …
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.status")
        )
        # … and is told once 10 s have passed (tests/unit/test_checks.py), not at every ask
        assert status["modelCheck"]["state"] == "not listed"
        assert len([r for r in server.requests if r.path.endswith("/models")]) == 1


async def test_openrouter_without_a_key_is_refused_before_any_step(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path, "vscode", options={"provider": "openrouter"})
    before = snapshot(tmp_path)
    from pygls.exceptions import JsonRpcException

    with pytest.raises(JsonRpcException, match="OPENROUTER_API_KEY"):
        await generate(client, prompt=PROMPT)
    assert snapshot(tmp_path) == before
