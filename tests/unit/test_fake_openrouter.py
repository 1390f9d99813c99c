"""The fake OpenRouter itself, spoken to with plain httpx: the behaviours other tests rely on.

Fallback arrays and retired models, a scripted model that answers by the request, streams paced
at a fixed token rate (with the fake's own timing recorded for benchmarks), a component written
as a stream, and the bare JSON error OpenRouter sometimes sends on a 200 event stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fake_openrouter import (
    ANSWERING,
    FREE_MODEL,
    GOOD_KEY,
    FakeOpenRouter,
    Received,
    Reply,
)

QWEN = "qwen/qwen3-coder:free"
R1 = "deepseek/deepseek-r1:free"
MESSAGES = [{"role": "user", "content": "a card"}]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        yield server


@pytest.fixture
async def client(fake: FakeOpenRouter) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {GOOD_KEY}"}
    async with httpx.AsyncClient(base_url=fake.base_url, headers=headers) as http:
        yield http


async def chat(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    body.setdefault("messages", MESSAGES)
    body.setdefault("stream", True)
    return await client.post("/chat/completions", json=body)


def events(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON chunks of an event stream (comments and `[DONE]` left out)."""
    data = [line[len("data: ") :] for line in response.text.splitlines()]
    return [json.loads(d) for d in data if d and d != "[DONE]" and not d.startswith(":")]


def content(response: httpx.Response) -> str:
    return "".join(
        choice["delta"]["content"] or ""
        for event in events(response)
        for choice in event["choices"]
    )


# --- the models array and retired models --------------------------------------------------


async def test_the_first_live_model_of_the_array_answers_and_every_chunk_names_it(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    fake.retired = {FREE_MODEL}
    fake.script(Reply.stream(["Grüße ", "👋"], split_at=range(1, 5000)))
    response = await chat(client, model=FREE_MODEL, models=[FREE_MODEL, QWEN, R1])
    assert response.status_code == 200
    assert content(response) == "Grüße 👋"
    assert {event["model"] for event in events(response)} == {QWEN}
    assert ANSWERING not in response.text
    [request] = fake.chats
    assert request.answered_by == QWEN


async def test_the_placeholder_is_filled_in_before_the_bytes_are_cut():
    reply = Reply.stream(["a"], split_at=range(1, 5000))
    pieces = reply.steps_for(QWEN)
    assert all(len(p) == 1 for p in pieces if isinstance(p, bytes))
    sent = b"".join(p for p in pieces if isinstance(p, bytes))
    named = Reply.stream(["a"], model=QWEN).steps
    assert sent == b"".join(p for p in named if isinstance(p, bytes))


async def test_without_an_array_the_requested_model_answers(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    response = await chat(client, model="deepseek/deepseek-chat-v3.1")
    assert {e["model"] for e in events(response)} == {"deepseek/deepseek-chat-v3.1"}
    assert fake.chats[0].answered_by == "deepseek/deepseek-chat-v3.1"


async def test_a_reply_naming_its_model_keeps_it(fake: FakeOpenRouter, client: httpx.AsyncClient):
    fake.script(Reply.stream(["ok"], model=R1))
    response = await chat(client, model=FREE_MODEL)
    assert {e["model"] for e in events(response)} == {R1}


async def test_when_every_candidate_is_retired_the_answer_is_404_and_the_queue_waits(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    fake.retired = {FREE_MODEL, QWEN}
    fake.script(Reply.stream(["scripted"]))
    response = await chat(client, models=[FREE_MODEL, QWEN])
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": 404, "message": f"No endpoints found for {FREE_MODEL}."}
    }
    response = await chat(client, model=QWEN)
    assert response.status_code == 404
    assert "No endpoints found for qwen/qwen3-coder:free." in response.text
    assert [r.answered_by for r in fake.chats] == [None, None]

    response = await chat(client, model=R1)
    assert content(response) == "scripted"  # the queued reply was kept for a live model


async def test_more_than_three_models_is_a_400(fake: FakeOpenRouter, client: httpx.AsyncClient):
    fake.script(Reply.stream(["scripted"]))
    response = await chat(client, models=[FREE_MODEL, QWEN, R1, "x/y"])
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": 400, "message": "'models' array must have 3 items or fewer"}
    }
    assert content(await chat(client, model=QWEN)) == "scripted"


async def test_chat_bodies_lists_what_the_client_sent(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    await chat(client, model=QWEN)
    await client.get("/models")
    await chat(client, model=R1, temperature=0.2)
    assert [(b["model"], b.get("temperature")) for b in fake.chat_bodies] == [
        (QWEN, None),
        (R1, 0.2),
    ]


# --- a scripted model ---------------------------------------------------------------------


async def test_a_responder_answers_each_request_by_its_messages(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    seen: list[Received] = []

    def respond(received: Received) -> Reply:
        seen.append(received)
        if received.json.get("response_format", {}).get("type") == "json_schema":
            return Reply.stream(['{"name": ', '"Card"}'])
        prompt = received.json["messages"][-1]["content"]
        return Reply.code_stream(f"export function Card() {{ /* {prompt} */ }}")

    fake.responder = respond
    plan = await chat(client, model=QWEN, response_format={"type": "json_schema"})
    code = await chat(client, model=QWEN, messages=[{"role": "user", "content": "a title"}])
    assert json.loads(content(plan)) == {"name": "Card"}
    assert content(code) == "export function Card() { /* a title */ }"
    assert [r.answered_by for r in seen] == [QWEN, QWEN]


async def test_an_async_responder_is_awaited_and_the_queue_comes_first(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    async def respond(received: Received) -> Reply:
        await asyncio.sleep(0)
        return Reply.stream(["from the responder"])

    fake.responder = respond
    fake.script(Reply.stream(["from the queue"]))
    assert content(await chat(client, model=QWEN)) == "from the queue"
    assert content(await chat(client, model=QWEN)) == "from the responder"


# --- paced streams ------------------------------------------------------------------------


async def test_a_paced_stream_keeps_its_rate_and_records_its_own_timing(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    fake.script(Reply.stream(["tok"] * 50, tokens_per_second=500))
    started = time.perf_counter()
    response = await chat(client, model=QWEN)
    elapsed = time.perf_counter() - started
    assert content(response) == "tok" * 50
    [request] = fake.chats
    assert request.completed
    assert request.first_byte_at is not None and request.finished_at is not None
    assert started <= request.first_byte_at < request.finished_at <= started + elapsed
    assert request.stream_seconds == request.finished_at - request.first_byte_at
    assert 0.09 <= request.stream_seconds <= elapsed


async def test_short_pauses_do_not_add_up_to_polling_steps(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    # 300 tokens at 1000/s: 0.3 s; one 5 ms poll per token would make it 1.5 s.
    fake.script(Reply.code_stream("x" * 1200, tokens_per_second=1000))
    await chat(client, model=QWEN)
    seconds = fake.chats[0].stream_seconds
    assert seconds is not None and 0.29 <= seconds < 0.5


async def test_a_paced_stream_notices_the_client_leaving(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    fake.script(Reply.stream(["tok"] * 1000, tokens_per_second=100))
    body = {"model": QWEN, "messages": MESSAGES, "stream": True}
    async with client.stream("POST", "/chat/completions", json=body) as response:
        async for line in response.aiter_lines():
            if '"content": "tok"' in line:
                break
    [request] = fake.chats
    await asyncio.wait_for(request.disconnected.wait(), 0.5)
    assert not request.completed and request.finished_at is not None


# --- a component as a stream, and a bare error ----------------------------------------------


async def test_code_stream_sends_the_text_in_small_pieces_exactly(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    text = 'export function Grüße() {\n  return <p className="p-4">日本 👋</p>;\n}\n'
    fake.script(Reply.code_stream(text, chunk_chars=3, split_at=range(1, 10_000, 3)))
    response = await chat(client, model=QWEN)
    assert content(response) == text
    pieces = [c["delta"]["content"] for e in events(response) for c in e["choices"]]
    assert max(len(p or "") for p in pieces) == 3
    assert len([p for p in pieces if p]) == -(-len(text) // 3)


async def test_a_bare_json_error_can_come_on_a_200_event_stream(
    fake: FakeOpenRouter, client: httpx.AsyncClient
):
    fake.script(Reply.bare_error_stream("Provider returned error", code=502))
    response = await chat(client, model=QWEN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "data:" not in response.text
    assert response.json() == {"error": {"code": 502, "message": "Provider returned error"}}
