"""The OpenRouter / OpenAI-compatible client against a fake OpenRouter on 127.0.0.1.

Each test scripts the fake with the behaviour OpenRouter documents (stack notes) and checks what
the client makes of it. Timeouts and backoff are tiny so the whole file runs in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from openv0_lsp.providers.base import (
    ChatDelta,
    ChatDone,
    ChatEvent,
    ChatMessage,
    ChatNotice,
    InvalidKey,
    ModelUnavailable,
    ProviderConfigError,
    ProviderError,
    ProviderTimeout,
    RateLimited,
    TruncatedStream,
)
from openv0_lsp.providers.openai_compat import (
    OpenAICompatibleProvider,
    RateLimiter,
    RetryPolicy,
    Timeouts,
)
from tests.fake_openrouter import (
    DROP,
    FREE_MODEL,
    GOOD_KEY,
    KEEPALIVE,
    FakeOpenRouter,
    KeyInfo,
    Reply,
    chunk,
)

PROMPT = [ChatMessage("system", "You write React components."), ChatMessage("user", "a card")]
FAST_RETRY = RetryPolicy(tries=3, base_delay=0.001, max_delay=0.005, max_wait=2.0)
FAST_TIMEOUTS = Timeouts(connect=1.0, first_byte=0.3, idle=0.2)

MakeProvider = Callable[..., OpenAICompatibleProvider]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        yield server


@pytest.fixture
async def make(fake: FakeOpenRouter) -> AsyncIterator[MakeProvider]:
    """Providers against the fake, with tiny timeouts and backoff; closed after the test."""
    made: list[OpenAICompatibleProvider] = []

    def factory(**options: Any) -> OpenAICompatibleProvider:
        options.setdefault("api_key", GOOD_KEY)
        options.setdefault("base_url", fake.base_url)
        options.setdefault("retry", FAST_RETRY)
        options.setdefault("timeouts", FAST_TIMEOUTS)
        options.setdefault("free_model_limit", None)
        options.setdefault("discover_free_models", False)
        provider = OpenAICompatibleProvider.openrouter(**options)
        made.append(provider)
        return provider

    yield factory
    for provider in made:
        await provider.aclose()


async def collect(
    provider: OpenAICompatibleProvider, **options: Any
) -> tuple[str, str, ChatDone, list[ChatEvent]]:
    """Content, reasoning, the final event and every event of one streamed chat."""
    events: list[ChatEvent] = []
    stream = provider.stream_chat(PROMPT, **options)
    async with contextlib.aclosing(stream):
        async for event in stream:
            events.append(event)
    done = events[-1]
    assert isinstance(done, ChatDone)
    deltas = [e for e in events if isinstance(e, ChatDelta)]
    return (
        "".join(d.content for d in deltas),
        "".join(d.reasoning for d in deltas),
        done,
        events,
    )


async def failure(provider: OpenAICompatibleProvider, **options: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await collect(provider, **options)
    return caught.value


# --- a normal answer ------------------------------------------------------------------------


async def test_a_stream_gives_content_and_reasoning_apart_and_says_who_answered(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.stream(["export ", "function Card"], reasoning=["A card needs ", "a title."]))
    content, reasoning, done, _ = await collect(make(), temperature=0.2, max_tokens=900)
    assert content == "export function Card"
    assert reasoning == "A card needs a title."
    assert done.finish_reason == "stop"
    assert done.model == done.requested_model == FREE_MODEL
    assert done.usage is not None and done.usage.total_tokens == 15

    [request] = fake.chats
    assert request.headers["Authorization"] == f"Bearer {GOOD_KEY}"
    assert request.headers["X-Title"] == "openv0"
    assert request.json["stream"] is True
    assert request.json["model"] == FREE_MODEL
    assert request.json["temperature"] == 0.2 and request.json["max_tokens"] == 900
    assert request.json["messages"][1] == {"role": "user", "content": "a card"}


async def test_requests_share_one_keep_alive_connection(fake: FakeOpenRouter, make: MakeProvider):
    provider = make()
    await collect(provider)
    await collect(provider)
    first, second = fake.chats
    assert first.client_port == second.client_port


async def test_bytes_split_at_every_offset_even_inside_utf8_and_data_still_parse(
    fake: FakeOpenRouter, make: MakeProvider
):
    tokens = ["Grüße ", "👋", " 日本"]
    steps = Reply.stream(tokens).steps_for(FREE_MODEL)
    size = sum(len(s) for s in steps if isinstance(s, bytes))
    fake.script(Reply.stream(tokens, split_at=range(1, size)))
    fake.script(Reply.stream(tokens, crlf=True, split_at=range(1, size, 5)))
    provider = make()
    assert (await collect(provider))[0] == "Grüße 👋 日本"
    assert (await collect(provider))[0] == "Grüße 👋 日本"


async def test_keepalive_comments_anywhere_are_skipped(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(
        Reply.events(
            KEEPALIVE,
            chunk("a"),
            KEEPALIVE,
            KEEPALIVE,
            chunk("b", finish_reason="stop"),
            KEEPALIVE,
            "[DONE]",
            KEEPALIVE,
        )
    )
    assert (await collect(make()))[0] == "ab"


async def test_usage_only_null_content_role_only_and_reasoning_details_chunks_parse(
    fake: FakeOpenRouter, make: MakeProvider
):
    details = [{"type": "reasoning.text", "text": "plan", "format": "unknown"}]
    fake.script(
        Reply.events(
            chunk(role="assistant", content=None),
            chunk(None, reasoning="plan", reasoning_details=details),
            chunk("ok"),
            {"id": "x", "choices": []},
            chunk(None, finish_reason="length"),
            chunk(choices=False, usage={"prompt_tokens": 1, "completion_tokens": 2}),
            "[DONE]",
        )
    )
    content, reasoning, done, events = await collect(make())
    assert (content, reasoning) == ("ok", "plan")
    first_delta = next(e for e in events if isinstance(e, ChatDelta))
    assert first_delta.reasoning_details == tuple(details)
    assert done.finish_reason == "length"
    assert done.usage is not None and done.usage.total_tokens == 3


async def test_a_server_that_ignores_stream_true_still_answers(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(
        Reply.json(
            {
                "model": "local-model",
                "choices": [{"message": {"content": "whole"}, "finish_reason": "stop"}],
            }
        )
    )
    content, _, done, _ = await collect(make())
    assert content == "whole" and done.model == "local-model"


async def test_complete_chat_collects_the_stream(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.stream(['{"name"', ': "Card"}'], reasoning=["json"]))
    result = await make().complete_chat(
        PROMPT, response_format={"type": "json_schema", "json_schema": {"name": "plan"}}
    )
    assert result.content == '{"name": "Card"}' and result.reasoning == "json"
    assert fake.chats[0].json["response_format"]["type"] == "json_schema"


# --- errors in the answer -------------------------------------------------------------------


async def test_the_status_is_checked_before_the_body_is_parsed(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.stream(["looks", " fine"], status=503))  # a success-shaped body
    error = await failure(make(retry=RetryPolicy(tries=1)))
    assert error.status == 503 and error.retryable and not error.partial


async def test_an_error_mid_stream_keeps_the_partial_text_and_is_not_retried(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.mid_stream_error(["export ", "function"], "Provider disconnected", code=502))
    error = await failure(make())
    assert type(error) is ProviderError
    assert error.partial == "export function" and error.streamed
    assert error.code == 502 and "Provider disconnected" in str(error)
    assert len(fake.chats) == 1


async def test_an_error_code_may_be_a_string(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.mid_stream_error(["x"], "context too long", code="context_length_exceeded"))
    error = await failure(make())
    assert error.code == "context_length_exceeded" and error.partial == "x"


async def test_an_error_may_be_a_bare_string(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(
        Reply.json({"error": "Upstream timed out"}),
        Reply.json({"error": "Slow down"}, status=429, headers={"Retry-After": "3600"}),
    )
    error = await failure(make())
    assert "Upstream timed out" in str(error) and not error.streamed
    limited = await failure(make())
    assert isinstance(limited, RateLimited) and "Slow down" in str(limited)
    assert limited.code == 429


async def test_an_error_in_a_200_body_without_choices(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.json({"error": {"code": 400, "message": "Invalid request"}}))
    error = await failure(make())
    assert error.code == 400 and "Invalid request" in str(error) and not error.streamed


async def test_an_error_as_the_first_event_before_any_token_is_retried(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.events(chunk(error={"code": 503, "message": "overloaded"}, choices=False)))
    content, _, _, events = await collect(make())
    assert content == "Hello world" and len(fake.chats) == 2
    assert any(isinstance(e, ChatNotice) and e.kind == "retry" for e in events)


async def test_an_error_in_choices_zero(fake: FakeOpenRouter, make: MakeProvider):
    failing = chunk("", finish_reason="error")
    failing["choices"][0]["error"] = {"code": "server_error", "message": "upstream failed"}
    fake.script(Reply.events(chunk("partial "), failing))
    error = await failure(make())
    assert error.partial == "partial " and error.code == "server_error"


async def test_a_stream_without_done_or_without_finish_reason_is_truncated(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.stream(["a", "b"], done=False))
    fake.script(Reply.stream(["a", "b"], finish_reason=None))
    provider = make()
    for missing in ("[DONE]", "a finish reason"):
        error = await failure(provider)
        assert isinstance(error, TruncatedStream) and missing in str(error)
        assert error.partial == "ab"
    assert len(fake.chats) == 2  # text had streamed: never retried


async def test_a_dropped_connection_is_truncated_with_its_partial_text(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.events(chunk("half "), chunk("a component"), 0.01, DROP))
    error = await failure(make())
    assert isinstance(error, TruncatedStream) and error.partial == "half a component"


async def test_an_event_that_is_not_json_is_an_error(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.events(chunk("a"), "{not json"))
    error = await failure(make())
    assert "not a completion chunk" in str(error) and error.partial == "a"


# --- retries, fallbacks ---------------------------------------------------------------------


async def test_408_429_and_5xx_are_retried_with_notices(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(
        Reply.error(408, "Request timeout"),
        Reply.rate_limited(),
        Reply.error(502, "Bad gateway"),
    )
    content, _, _, events = await collect(make(retry=RetryPolicy(tries=4, base_delay=0.001)))
    assert content == "Hello world"
    notices = [e for e in events if isinstance(e, ChatNotice)]
    assert [n.error.status for n in notices] == [408, 429, 502]
    assert all(n.kind == "retry" and n.next_model == FREE_MODEL for n in notices)
    assert len(fake.chats) == 4


async def test_at_most_n_tries(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(*[Reply.error(500, "Internal error")] * 5)
    error = await failure(make(retry=RetryPolicy(tries=3, base_delay=0.001)))
    assert error.status == 500 and len(fake.chats) == 3


async def test_backoff_grows_exponentially_with_a_cap_and_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delays = {policy.backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter


async def test_retry_after_seconds_is_honoured(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.rate_limited(retry_after="0.3"))
    started = time.monotonic()
    _, _, _, events = await collect(make())
    assert time.monotonic() - started >= 0.3
    [notice] = [e for e in events if isinstance(e, ChatNotice)]
    assert notice.delay == pytest.approx(0.3)


async def test_x_ratelimit_reset_in_epoch_ms_is_honoured(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.rate_limited(reset_ms=int(time.time() * 1000) + 400))
    started = time.monotonic()
    await collect(make())
    assert time.monotonic() - started >= 0.3


async def test_a_daily_cap_is_not_retried_until_its_reset(fake: FakeOpenRouter, make: MakeProvider):
    tomorrow = int((time.time() + 6 * 3600) * 1000)
    fake.script(Reply.rate_limited(reset_ms=tomorrow))
    error = await failure(make())
    assert isinstance(error, RateLimited) and error.status == 429
    assert error.retry_after is not None and error.retry_after > 3600
    assert len(fake.chats) == 1
    # said as people say it, with when it ends and what to do (the model is a :free one)
    until = time.strftime("%H:%M UTC", time.gmtime(tomorrow / 1000))
    assert f"the server asks to wait 6 h, until {until}" in error.message
    assert "free models are limited per day" in error.message


async def test_a_wait_of_minutes_is_said_in_minutes(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.rate_limited(retry_after="740"))
    error = await failure(make(model="vendor/paid-model"))
    assert isinstance(error, RateLimited)
    assert "the server asks to wait 12 min, until " in error.message
    assert "free models" not in error.message  # a paid model has no daily free limit


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413])
async def test_these_statuses_are_never_retried(
    fake: FakeOpenRouter, make: MakeProvider, status: int
):
    fake.script(Reply.error(status, "No."), Reply.stream())
    error = await failure(make())
    assert error.status == status and not error.retryable
    assert len(fake.chats) == 1


async def test_openrouter_falls_back_server_side_with_the_models_array(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.retired = {FREE_MODEL, "bogus/model"}
    provider = make(fallback_models=["bogus/model", "qwen/qwen3-coder:free"])
    content, _, done, events = await collect(provider)
    assert content == "Hello world"
    [request] = fake.chats
    assert request.json["model"] == FREE_MODEL
    assert request.json["models"] == [FREE_MODEL, "bogus/model", "qwen/qwen3-coder:free"]
    assert done.model == done.requested_model == "qwen/qwen3-coder:free"
    assert done.skipped_models == (FREE_MODEL, "bogus/model")
    assert not [e for e in events if isinstance(e, ChatNotice)]


async def test_a_chain_longer_than_three_continues_client_side(
    fake: FakeOpenRouter, make: MakeProvider
):
    chain = [f"vendor/model-{n}" for n in range(5)]
    fake.retired = set(chain[:4])
    content, _, done, events = await collect(make(model=chain[0], fallback_models=chain[1:]))
    assert content == "Hello world"
    assert [r.json.get("models") for r in fake.chats] == [chain[:3], chain[3:]]
    assert done.model == chain[4] and done.skipped_models == tuple(chain[:4])
    [notice] = [e for e in events if isinstance(e, ChatNotice)]
    assert (notice.kind, notice.model, notice.next_model) == ("fallback", chain[0], chain[3])
    assert "No endpoints found" in str(notice.error)


async def test_a_plain_openai_server_falls_back_model_by_model(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(
        Reply.model_not_found(FREE_MODEL),
        Reply.error(400, "bogus/model is not a valid model ID"),
        Reply.stream(["ok"], model="qwen/qwen3-coder:free"),
    )
    provider = make(fallback_models=["bogus/model", "qwen/qwen3-coder:free"], server_fallback=False)
    content, _, done, events = await collect(provider)
    assert content == "ok"
    assert [r.json["model"] for r in fake.chats] == [
        FREE_MODEL,
        "bogus/model",
        "qwen/qwen3-coder:free",
    ]
    assert all("models" not in r.json for r in fake.chats)
    assert done.model == done.requested_model == "qwen/qwen3-coder:free"
    assert done.skipped_models == (FREE_MODEL, "bogus/model")
    notices = [e for e in events if isinstance(e, ChatNotice)]
    assert [(n.kind, n.model, n.next_model) for n in notices] == [
        ("fallback", FREE_MODEL, "bogus/model"),
        ("fallback", "bogus/model", "qwen/qwen3-coder:free"),
    ]


async def test_the_last_unavailable_model_is_the_error(fake: FakeOpenRouter, make: MakeProvider):
    fake.retired = {FREE_MODEL, "other/one"}
    error = await failure(make(fallback_models=["other/one"]))
    assert isinstance(error, ModelUnavailable)
    assert FREE_MODEL in str(error) and "other/one" in str(error)
    assert "openv0.model" in str(error)  # says what to change
    assert not [r for r in fake.requests if r.path.endswith("/models")]


async def test_retired_free_models_are_replaced_by_current_free_ones(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.retired = {FREE_MODEL}
    content, _, done, events = await collect(make(discover_free_models=True))
    assert content == "Hello world"
    # the configured model's family first, only free models, never the retired one
    assert fake.chats[1].json["models"] == ["deepseek/deepseek-r1:free", "qwen/qwen3-coder:free"]
    assert done.model == "deepseek/deepseek-r1:free"
    [notice] = [e for e in events if isinstance(e, ChatNotice)]
    assert (notice.model, notice.next_model) == (FREE_MODEL, "deepseek/deepseek-r1:free")


async def test_a_paid_model_is_never_replaced_by_a_free_one(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.retired = {"deepseek/deepseek-chat-v3.1"}
    error = await failure(make(model="deepseek/deepseek-chat-v3.1", discover_free_models=True))
    assert isinstance(error, ModelUnavailable) and len(fake.chats) == 1


async def test_a_single_unavailable_model_is_named_with_the_servers_own_words(
    fake: FakeOpenRouter, make: MakeProvider
):
    """Ollama's answer for a model it has not pulled: one model, no chain to speak of."""
    fake.script(Reply.error(404, 'model "llama3" not found, try pulling it first'))
    error = await failure(make(model="llama3"))
    assert isinstance(error, ModelUnavailable) and len(fake.chats) == 1
    assert str(error) == (
        'openrouter: llama3 is unavailable (404: model "llama3" not found, try pulling it '
        "first). Set openv0.model to a model the server offers"
    )


async def test_a_404_that_is_not_about_the_model_points_at_the_base_url(
    fake: FakeOpenRouter, make: MakeProvider
):
    """A base URL without its `/v1`: the server has no such path, and says nothing of models."""
    fake.script(Reply.json("404 page not found", status=404))
    error = await failure(make(model="llama3", fallback_models=["other/one"]))
    assert not isinstance(error, ModelUnavailable) and not error.retryable
    assert len(fake.chats) == 1  # neither retried nor another model asked
    assert "check openv0.baseUrl" in str(error) and fake.base_url in str(error)


async def test_a_bare_json_error_in_an_event_stream_200_is_that_error(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.bare_error_stream("Provider returned error", code=502))
    error = await failure(make(retry=RetryPolicy(tries=1)))
    assert not isinstance(error, TruncatedStream)
    assert "Provider returned error" in str(error) and error.code == 502


async def test_a_400_that_is_not_about_the_model_does_not_fall_back(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.error(400, "messages: field required"))
    error = await failure(make(fallback_models=["other/one"]))
    assert not isinstance(error, ModelUnavailable) and len(fake.chats) == 1


async def test_no_retry_and_no_fallback_after_the_first_token(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.mid_stream_error(["tok"], "No endpoints found for x", code=404))
    error = await failure(make(fallback_models=["other/one"]))
    assert error.streamed and error.partial == "tok" and len(fake.chats) == 1


# --- timeouts -------------------------------------------------------------------------------


async def test_a_server_that_never_answers_times_out_on_the_first_byte_and_is_retried(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.hang_before_headers())
    started = time.monotonic()
    content, _, _, events = await collect(make())
    assert content == "Hello world"
    assert 0.3 <= time.monotonic() - started < 2
    [notice] = [e for e in events if isinstance(e, ChatNotice)]
    assert isinstance(notice.error, ProviderTimeout) and notice.error.phase == "first_byte"
    await asyncio.wait_for(fake.chats[0].disconnected.wait(), 1)


async def test_first_byte_timeout_when_all_tries_hang(fake: FakeOpenRouter, make: MakeProvider):
    fake.script(Reply.hang_before_headers(), Reply.hang_before_headers())
    error = await failure(make(retry=RetryPolicy(tries=2, base_delay=0.001)))
    assert isinstance(error, ProviderTimeout) and error.phase == "first_byte"
    assert "0.3 s" in str(error)


async def test_silence_mid_answer_is_an_idle_timeout_with_the_partial_text(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.events(chunk("so far"), 1.0, chunk("late", finish_reason="stop"), "[DONE]"))
    started = time.monotonic()
    error = await failure(make())
    assert time.monotonic() - started < 0.8
    assert isinstance(error, ProviderTimeout) and error.phase == "idle"
    assert error.partial == "so far" and not error.retryable


async def test_keepalive_comments_reset_the_idle_timer(fake: FakeOpenRouter, make: MakeProvider):
    waiting = [item for _ in range(6) for item in (0.1, KEEPALIVE)]  # 0.6 s, idle is 0.2 s
    fake.script(Reply.events(chunk("a"), *waiting, chunk("b", finish_reason="stop"), "[DONE]"))
    assert (await collect(make()))[0] == "ab"


async def test_an_unreachable_server_is_a_retryable_connect_error(make: MakeProvider):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there once the socket closes
    error = await failure(make(base_url=f"http://127.0.0.1:{port}/v1", retry=RetryPolicy(tries=1)))
    assert error.retryable and "cannot connect" in str(error)
    assert not isinstance(error, ProviderTimeout) and "within" not in str(error)  # refused
    assert str(error) == (
        f"openrouter: cannot connect to http://127.0.0.1:{port}: nothing listens there "
        "(is the model server running?)"
    )


async def test_https_to_a_plain_http_server_says_so_and_is_not_retried(
    fake: FakeOpenRouter, make: MakeProvider
):
    error = await failure(make(base_url=f"https://127.0.0.1:{fake.port}/v1"))
    assert str(error) == (
        f"openrouter: cannot connect to https://127.0.0.1:{fake.port}: the TLS handshake failed "
        "(is it an http:// server?)"
    )
    assert not error.retryable and fake.requests == []


# --- cancel ---------------------------------------------------------------------------------


async def test_cancelling_the_task_mid_stream_closes_the_connection(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.stream([f"token{i} " for i in range(200)], delay=0.02))
    two_tokens = asyncio.Event()

    async def generate() -> None:
        seen = 0
        async for event in make().stream_chat(PROMPT):
            if isinstance(event, ChatDelta) and event.content:
                seen += 1
                if seen == 2:
                    two_tokens.set()

    task = asyncio.create_task(generate())
    await asyncio.wait_for(two_tokens.wait(), 2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    [request] = fake.chats
    await asyncio.wait_for(request.disconnected.wait(), 0.5)
    assert not request.completed


async def test_leaving_the_stream_early_closes_the_connection(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.script(Reply.stream([f"token{i} " for i in range(200)], delay=0.02))
    stream = make().stream_chat(PROMPT)
    async with contextlib.aclosing(stream):
        async for event in stream:
            if isinstance(event, ChatDelta) and event.content:
                break
    [request] = fake.chats
    await asyncio.wait_for(request.disconnected.wait(), 0.5)
    assert not request.completed


# --- the key --------------------------------------------------------------------------------


async def test_check_key_reports_label_free_tier_and_remaining_limit(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.keys[GOOD_KEY] = KeyInfo(label="work", is_free_tier=False, limit=10, limit_remaining=7.5)
    status = await make().check_key()
    assert status is not None
    assert (status.label, status.is_free_tier, status.limit_remaining) == ("work", False, 7.5)


async def test_a_bad_key_is_invalid_with_a_message_saying_how_to_fix_it(make: MakeProvider):
    bad = "sk-or-v1-" + "deadbeef" * 8
    provider = make(api_key=bad)
    for error in [await failure(provider), await _raises(provider.check_key())]:
        assert isinstance(error, InvalidKey) and error.status == 401
        assert "OPENROUTER_API_KEY" in str(error) and "openv0.apiKey" in str(error)
        assert bad not in str(error)


async def _raises(call: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await call
    return caught.value


async def test_list_models_offers_the_free_ones(make: MakeProvider):
    models = await make().list_models()
    assert [m.id for m in models if m.is_free] == [
        "deepseek/deepseek-r1:free",
        "qwen/qwen3-coder:free",
    ]


async def test_the_key_never_appears_in_errors_logs_or_repr(
    fake: FakeOpenRouter, make: MakeProvider, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    provider = make(fallback_models=["other/model"], server_fallback=False)
    fake.script(
        Reply.rate_limited(),
        Reply.model_not_found(FREE_MODEL),
        Reply.stream(),
        Reply.error(400, f"Bad key format: Bearer {GOOD_KEY}"),  # a server echoing the key
        Reply.mid_stream_error(["a"], f"key {GOOD_KEY} over limit", code=429),
    )
    await collect(provider)
    errors = [await failure(provider), await failure(provider)]
    errors.append(await failure(make(api_key="sk-wrong-" + GOOD_KEY)))
    with pytest.raises(ProviderConfigError) as newline:
        make(api_key=GOOD_KEY + "\n")
    errors.append(newline.value)

    assert "[api key]" in str(errors[0])
    for error in errors:
        assert GOOD_KEY not in str(error) and GOOD_KEY not in repr(error.args)
    assert GOOD_KEY not in caplog.text
    assert all(GOOD_KEY not in str(record.args) for record in caplog.records)
    assert GOOD_KEY not in repr(provider)
    assert any("retrying" in r.getMessage() for r in caplog.records)  # logging did happen


# --- transport security ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://openrouter.ai/api/v1", "http://192.168.1.20:11434/v1", "http://[fe80::1]/v1"],
)
def test_plain_http_to_a_non_loopback_host_is_refused(url: str):
    with pytest.raises(ProviderConfigError, match="refusing plain HTTP"):
        OpenAICompatibleProvider(base_url=url, api_key=GOOD_KEY, model="m")


@pytest.mark.parametrize("url", ["http://192.168.1.20:11434/v1", "http://gpu-box.lan/v1"])
def test_plain_http_to_another_machine_is_taken_when_no_key_travels(url: str):
    provider = OpenAICompatibleProvider(base_url=url, api_key=None, model="m")
    assert str(provider.base_url) == url


@pytest.mark.parametrize("url", ["ftp://example.com/v1", "openrouter.ai/api/v1"])
def test_other_schemes_are_refused(url: str):
    with pytest.raises(ProviderConfigError, match="https://"):
        OpenAICompatibleProvider(base_url=url, api_key=GOOD_KEY, model="m")


def test_credentials_in_the_url_are_refused():
    with pytest.raises(ProviderConfigError, match="user name or password"):
        OpenAICompatibleProvider(base_url="https://u:p@example.com/v1", api_key=None, model="m")


@pytest.mark.parametrize(
    "url",
    [
        "https://openrouter.ai/api/v1",
        "http://localhost:11434/v1",
        "http://127.0.0.1:1234/v1",
        "http://127.8.9.10/v1",
        "http://[::1]:8080/v1",
    ],
)
async def test_https_and_loopback_http_are_accepted(url: str):
    provider = OpenAICompatibleProvider(base_url=url, api_key=None, model="m")
    await provider.aclose()


async def test_without_a_key_no_authorization_header_is_sent(
    fake: FakeOpenRouter, make: MakeProvider
):
    fake.check_keys = False  # a local server (Ollama, LM Studio) needs no key
    await collect(make(api_key=None))
    assert "Authorization" not in fake.chats[0].headers


# --- the client-side rate limit -------------------------------------------------------------


async def test_the_rate_limiter_holds_requests_beyond_its_window():
    limiter = RateLimiter(2, 0.25)
    started = time.monotonic()
    await limiter.acquire()
    await limiter.acquire()
    with pytest.raises(RateLimited, match="client-side"):
        await limiter.acquire(max_wait=0.01)
    await limiter.acquire()
    assert time.monotonic() - started >= 0.24


async def test_free_models_are_rate_limited_per_key(fake: FakeOpenRouter, make: MakeProvider):
    key = "sk-or-v1-" + "1111aaaa" * 8
    fake.keys[key] = KeyInfo()
    fake.default = Reply.stream(["x"])
    # Two provider objects with the same key (settings changed) share one limit.
    first, second = (make(api_key=key, free_model_limit=(2, 0.3)) for _ in range(2))
    started = time.monotonic()
    await collect(first)
    await collect(second)
    assert time.monotonic() - started < 0.25
    await collect(first)
    assert time.monotonic() - started >= 0.29
    started = time.monotonic()
    for _ in range(3):  # a paid model is not held back
        await collect(first, model="deepseek/deepseek-chat-v3.1")
    assert time.monotonic() - started < 0.25
