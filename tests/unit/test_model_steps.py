"""The model's steps (plan, enhance, repair) and the generation around them, in-process.

Two kinds of model: `ScriptedProvider`, a tiny `ChatProvider` that plays scripted events and
records what it was asked (for the steps' own logic), and the real OpenRouter client against
the fake OpenRouter answered by `ScriptedModel` (for whole generations, closer to reality).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sqlite3
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from openv0_lsp.config import Settings
from openv0_lsp.pipeline import generate as generate_module
from openv0_lsp.pipeline.catalog import load_catalog
from openv0_lsp.pipeline.generate import (
    GenerationError,
    GenerationRequest,
    GenerationResult,
    cache_key,
    generate_component,
)
from openv0_lsp.pipeline.model_steps import (
    ModelCall,
    ModelLog,
    ModelOptions,
    parse_plan,
    plan_response_format,
    plan_with_model,
    stream_text,
)
from openv0_lsp.pipeline.plan import Plan
from openv0_lsp.pipeline.plan_offline import plan_offline
from openv0_lsp.providers.base import (
    ChatDelta,
    ChatDone,
    ChatEvent,
    ChatMessage,
    ChatNotice,
    ChatProvider,
    InvalidKey,
    ProviderError,
    TruncatedStream,
    Usage,
)
from openv0_lsp.providers.openai_compat import OpenAICompatibleProvider, RetryPolicy, Timeouts
from openv0_lsp.store import new_generation_id
from openv0_lsp.templates_dir import templates_version
from tests.fake_openrouter import FREE_MODEL, GOOD_KEY, FakeOpenRouter, Received, Reply, chunk
from tests.scripted_model import BROKEN, MARKER, PLAN, ScriptedModel, component

PROMPT = "pricing section with three tiers"
CATALOG = load_catalog()
FALLBACK = "qwen/qwen3-coder:free"
FAST_RETRY = RetryPolicy(tries=3, base_delay=0.001, max_delay=0.005, max_wait=2.0)
FAST_TIMEOUTS = Timeouts(connect=2.0, first_byte=3.0, idle=3.0)
# Worse than BROKEN: three syntax errors where BROKEN has one.
WORSE = 'export default function PricingSection() {\n  return <section className="x">\n}\n}\n<div\n'
HTML = (
    '<section class="bg-white py-16 dark:bg-gray-950">\n'
    '  <h2 class="text-3xl font-bold text-gray-900 dark:text-white">Plans</h2>\n'
    f'  <p class="text-gray-600 dark:text-gray-300">{MARKER}</p>\n'
    "</section>\n"
)


# --- a scripted provider -----------------------------------------------------------------------


@dataclass
class Call:
    messages: list[ChatMessage]
    response_format: Mapping[str, Any] | None
    model: str | None
    temperature: float | None
    max_tokens: int | None


class ScriptedProvider(ChatProvider):
    """Plays one scripted turn per chat: events in order; a `ProviderError` in a turn is raised
    where it stands. Records every chat's messages and options."""

    name = "scripted"

    def __init__(self, *turns: Sequence[ChatEvent | ProviderError], model: str = "test/model"):
        self.model = model
        self.turns = deque(turns)
        self.calls: list[Call] = []

    async def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[ChatEvent, None]:
        self.calls.append(Call(list(messages), response_format, model, temperature, max_tokens))
        for item in self.turns.popleft():
            if isinstance(item, ProviderError):
                raise item
            yield item


def answer(
    text: str, *, model: str = "test/model", pieces: int = 4, skipped: tuple[str, ...] = ()
) -> list[ChatEvent]:
    """A model streaming `text` in about `pieces` deltas, then finishing."""
    size = max(1, -(-len(text) // pieces))
    deltas: list[ChatEvent] = [
        ChatDelta(content=text[i : i + size]) for i in range(0, len(text), size)
    ]
    return [*deltas, ChatDone("stop", model, model, skipped_models=skipped)]


def plan_json(**changes: Any) -> str:
    plan = copy.deepcopy(PLAN)
    plan.update(changes)
    return json.dumps(plan)


def fenced(code: str, language: str = "tsx") -> str:
    return f"Here is the component:\n\n```{language}\n{code}```\n\nIt uses Tailwind."


class Reports(list[str]):
    def __call__(self, message: str) -> None:
        self.append(message)


async def plan(provider: ChatProvider, reports: Reports, log: ModelLog) -> Plan:
    draft = plan_offline(PROMPT, framework="react", name=None, catalog=CATALOG)
    call = ModelCall(provider, PROMPT, None, ModelOptions(), reports, log)
    return await plan_with_model(call, framework="react", name=None, catalog=CATALOG, draft=draft)


# --- parse_plan --------------------------------------------------------------------------------


def test_a_plan_is_read_from_prose_and_a_fence():
    text = f"Sure! Here is the plan:\n```json\n{plan_json()}\n```\nAnything else?"
    parsed = parse_plan(text, framework="react", name=None, catalog=CATALOG)
    assert parsed.name == "PricingSection"
    assert [s.block for s in parsed.sections] == ["pricing"]
    assert [t.name for t in parsed.sections[0].tiers] == ["Hobby", "Team", "Company"]


def test_the_users_framework_and_name_win_over_the_models():
    text = plan_json(framework="react", name="ModelsOwnName")
    parsed = parse_plan(text, framework="html", name="TeamPlans", catalog=CATALOG)
    assert (parsed.framework, parsed.name) == ("html", "TeamPlans")


def test_an_unknown_block_is_named_with_the_blocks_there_are():
    text = plan_json(sections=[{"block": "carousel"}, {"block": "pricing"}])
    with pytest.raises(ValueError, match="carousel") as caught:
        parse_plan(text, framework="react", name=None, catalog=CATALOG)
    message = str(caught.value)
    assert "use only:" in message
    for block in CATALOG:
        assert block in message


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"sections": [{"block": "pricing", "tiers": [{"name": "A", "price_monthly": -5}]}]},
            "sections.0.tiers.0.price_monthly",
        ),
        ({"name": "pricing section"}, "name"),
        ({"accent": "chartreuse"}, "accent"),
        ({"sections": []}, "sections"),
    ],
)
def test_an_invalid_plan_is_summarised_naming_the_field(changes: dict[str, Any], field: str):
    with pytest.raises(ValueError) as caught:
        parse_plan(plan_json(**changes), framework="react", name=None, catalog=CATALOG)
    assert str(caught.value).startswith(f"{field}: ")
    assert "validation error" not in str(caught.value)  # a summary, not pydantic's dump


@pytest.mark.parametrize("text", ["I cannot plan that, sorry.", "[1, 2, 3]"])
def test_an_answer_without_a_json_object_is_refused(text: str):
    with pytest.raises(ValueError):
        parse_plan(text, framework="react", name=None, catalog=CATALOG)


# --- plan_with_model ---------------------------------------------------------------------------


async def test_the_plan_request_asks_for_the_schema_with_the_catalog_and_the_draft():
    provider = ScriptedProvider(answer(plan_json()))
    reports, log = Reports(), ModelLog()
    result = await plan(provider, reports, log)
    assert result.name == "PricingSection"
    [call] = provider.calls
    assert call.response_format == plan_response_format()
    system, user = call.messages
    assert system.role == "system" and "pricing" in system.content and "hero" in system.content
    assert user.role == "user" and PROMPT in user.content and '"sections"' in user.content
    assert log.notes == [] and log.answered_by == "test/model"


async def test_an_invalid_plan_is_sent_back_once_with_the_error():
    bad = plan_json(sections=[{"block": "carousel"}])
    provider = ScriptedProvider(answer(bad), answer(plan_json()))
    reports, log = Reports(), ModelLog()
    result = await plan(provider, reports, log)
    assert [s.block for s in result.sections] == ["pricing"]
    first, second = provider.calls
    assert second.messages[: len(first.messages)] == first.messages
    assistant, follow_up = second.messages[len(first.messages) :]
    assert (assistant.role, assistant.content) == ("assistant", bad)
    assert follow_up.role == "user"
    assert "That plan is invalid" in follow_up.content and "carousel" in follow_up.content
    assert any("the plan is invalid" in r and "asking once more" in r for r in reports)
    assert log.notes == []


async def test_two_invalid_plans_fall_back_to_the_draft_with_a_note():
    provider = ScriptedProvider(answer("no plan here"), answer(plan_json(accent="chartreuse")))
    reports, log = Reports(), ModelLog()
    result = await plan(provider, reports, log)
    draft = plan_offline(PROMPT, framework="react", name=None, catalog=CATALOG)
    assert result == draft
    assert len(provider.calls) == 2
    [note] = log.notes
    assert "invalid twice" in note and "accent" in note and "offline planner" in note


async def test_a_plan_cut_at_the_token_limit_says_so_in_the_note():
    cut = plan_json()[:200]
    turn = [ChatDelta(content=cut), ChatDone("length", "test/model", "test/model")]
    provider = ScriptedProvider(turn, turn)
    reports, log = Reports(), ModelLog()
    draft = plan_offline(PROMPT, framework="react", name=None, catalog=CATALOG)
    call = ModelCall(provider, PROMPT, None, ModelOptions(max_tokens=300), reports, log)
    result = await plan_with_model(call, framework="react", name=None, catalog=CATALOG, draft=draft)
    assert result == draft
    [note] = log.notes
    assert "cut at the token limit (openv0.maxTokens = 300)" in note
    assert any("cut at the token limit" in r for r in reports)  # said before the retry too


async def test_a_400_for_the_schema_is_retried_once_without_it():
    provider = ScriptedProvider(
        [ProviderError("json_schema is not supported", status=400)], answer(plan_json())
    )
    reports, log = Reports(), ModelLog()
    result = await plan(provider, reports, log)
    assert result.name == "PricingSection"
    assert [c.response_format for c in provider.calls] == [plan_response_format(), None]
    assert "the server takes no JSON schema; asking for plain JSON" in reports


async def test_a_400_from_the_real_client_drops_the_schema_and_the_plan_still_arrives(
    fake: FakeOpenRouter, openrouter: OpenAICompatibleProvider, model: ScriptedModel
):
    fake.script(Reply.error(400, "json_schema response_format is not supported"))
    reports, log = Reports(), ModelLog()
    result = await plan(openrouter, reports, log)
    assert result.name == "PricingSection"
    first, second = fake.chat_bodies
    assert first["response_format"]["type"] == "json_schema"
    assert "response_format" not in second
    assert model.calls["plan"] == 1  # the scripted model saw only the second request


@pytest.mark.parametrize(
    "error",
    [
        InvalidKey("the API key was rejected", status=401),
        ProviderError("HTTP 500", status=500),
        ProviderError("cut off", status=400, streamed=True),
    ],
    ids=["401", "500", "400-after-tokens"],
)
async def test_other_plan_failures_are_not_retried_without_the_schema(error: ProviderError):
    provider = ScriptedProvider([error], answer(plan_json()))
    with pytest.raises(type(error)):
        await plan(provider, Reports(), ModelLog())
    assert len(provider.calls) == 1


async def test_a_second_400_without_the_schema_is_raised_not_looped():
    provider = ScriptedProvider(
        [ProviderError("no schema", status=400)], [ProviderError("still 400", status=400)]
    )
    with pytest.raises(ProviderError, match="still 400"):
        await plan(provider, Reports(), ModelLog())
    assert len(provider.calls) == 2


async def test_an_unavailable_model_is_not_mistaken_for_a_refused_schema(
    fake: FakeOpenRouter, openrouter: OpenAICompatibleProvider
):
    fake.script(
        Reply.error(400, f"{FREE_MODEL} is not a valid model ID"),
        Reply.error(400, f"{FREE_MODEL} is not a valid model ID"),
    )
    reports = Reports()
    with pytest.raises(ProviderError, match="not a valid model ID"):
        await plan(openrouter, reports, ModelLog())
    assert "the server takes no JSON schema; asking for plain JSON" not in reports
    assert len(fake.chats) == 1


# --- stream_text -------------------------------------------------------------------------------


async def test_stream_text_reports_tokens_notices_and_who_answered():
    failure = ProviderError("HTTP 503: overloaded", status=503, retryable=True)
    gone = ProviderError("No endpoints found", status=404)
    provider = ScriptedProvider(
        [
            ChatNotice("retry", "a/first", "a/first", 0.5, failure),
            ChatNotice("fallback", "a/first", "b/second", 0.0, gone),
            ChatDelta(reasoning="Three tiers "),
            ChatDelta(reasoning="and a switch."),
            ChatDelta(content="export "),
            ChatDelta(content="default "),
            ChatDelta(content="Tiers"),
            ChatDone("stop", "b/second", "b/second", skipped_models=("a/first",)),
        ]
    )
    reports, log = Reports(), ModelLog()
    text, done = await stream_text(
        provider,
        [ChatMessage("user", "hi")],
        options=ModelOptions(model="a/first", temperature=0.1, max_tokens=500),
        report=reports,
        log=log,
    )
    assert text == "export default Tiers"
    assert done.model == "b/second"
    assert "a/first failed (HTTP 503: overloaded); retrying in 0.5 s" in reports
    assert "a/first is unavailable; trying b/second" in reports
    assert reports[2] == "0 tokens (thinking: 1)"  # the first delta is reported at once
    assert reports[-1] == "3 tokens (thinking: 2) from b/second"
    assert log.answered_by == "b/second"
    assert log.completion_tokens == 3  # counted when the provider reports no usage
    assert log.notes == ["a/first unavailable; b/second answered"]
    [call] = provider.calls
    assert (call.model, call.temperature, call.max_tokens) == ("a/first", 0.1, 500)


async def test_stream_text_uses_the_providers_token_usage_and_says_token_once():
    done = ChatDone("stop", "m/x", "m/x", usage=Usage(completion_tokens=42))
    provider = ScriptedProvider([ChatDelta(content="x"), done])
    reports, log = Reports(), ModelLog()
    await stream_text(provider, [], options=ModelOptions(), report=reports, log=log)
    assert reports[-1] == "1 token from m/x"
    assert log.completion_tokens == 42


async def test_a_stream_without_a_final_event_is_truncated():
    provider = ScriptedProvider([ChatDelta(content="export default")])
    with pytest.raises(TruncatedStream):
        await stream_text(provider, [], options=ModelOptions(), report=Reports(), log=ModelLog())


async def test_the_real_client_retry_and_fallback_reach_the_progress(fake: FakeOpenRouter):
    fake.retired = {FREE_MODEL}
    fake.script(Reply.error(503, "upstream overloaded"))  # the fallback's first try
    provider = OpenAICompatibleProvider.openrouter(
        api_key=GOOD_KEY,
        base_url=fake.base_url,
        fallback_models=[FALLBACK],
        retry=FAST_RETRY,
        timeouts=FAST_TIMEOUTS,
        free_model_limit=None,
        discover_free_models=False,
        server_fallback=False,  # our own chain: each hop is a notice
    )
    reports, log = Reports(), ModelLog()
    try:
        text, done = await stream_text(
            provider, [ChatMessage("user", "hi")], options=ModelOptions(), report=reports, log=log
        )
    finally:
        await provider.aclose()
    assert text == "Hello world"
    assert f"{FREE_MODEL} is unavailable; trying {FALLBACK}" in reports
    assert any(r.startswith(f"{FALLBACK} failed (") and "retrying in" in r for r in reports)
    assert reports[-1] == f"2 tokens from {FALLBACK}"
    assert done.model == log.answered_by == FALLBACK
    assert log.notes == [f"{FREE_MODEL} unavailable; {FALLBACK} answered"]


# --- generate_component with a model -----------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        yield server


@pytest.fixture
def model(fake: FakeOpenRouter) -> ScriptedModel:
    scripted = ScriptedModel(enhance=_enhance_by_request)
    fake.responder = scripted
    return scripted


def _enhance_by_request(received: Received) -> Reply:
    """The component the enhance request asks for: its framework and its name."""
    system = received.json["messages"][0]["content"]
    if "HTML fragment" in system:
        return Reply.code_stream(fenced(HTML, "html"))
    named = re.search(r"named (\w+)\.", system)
    return Reply.code_stream(fenced(component(named[1] if named else "PricingSection")))


def openrouter_provider(fake: FakeOpenRouter, **options: Any) -> OpenAICompatibleProvider:
    options.setdefault("api_key", GOOD_KEY)
    return OpenAICompatibleProvider.openrouter(
        base_url=fake.base_url,
        retry=FAST_RETRY,
        timeouts=FAST_TIMEOUTS,
        free_model_limit=None,
        discover_free_models=False,
        **options,
    )


@pytest.fixture
async def openrouter(fake: FakeOpenRouter) -> AsyncIterator[OpenAICompatibleProvider]:
    provider = openrouter_provider(fake)
    yield provider
    await provider.aclose()


class Progress(list[tuple[str, int, str]]):
    def __call__(self, step: str, percentage: int, message: str) -> None:
        self.append((step, percentage, message))


def request(workspace: Path, provider: ChatProvider, **fields: Any) -> GenerationRequest:
    fields.setdefault("prompt", PROMPT)
    fields.setdefault("settings", Settings())
    return GenerationRequest(
        generation_id=new_generation_id(), workspaces=[workspace], provider=provider, **fields
    )


async def run(workspace: Path, provider: ChatProvider, **fields: Any) -> GenerationResult:
    return await generate_component(request(workspace, provider, **fields), Progress())


def history(workspace: Path) -> list[tuple[str, str, dict[str, Any]]]:
    connection = sqlite3.connect(workspace / ".openv0" / "history.db")
    try:
        rows = connection.execute("select prompt, model, meta from generations order by created_at")
        return [(prompt, model, json.loads(meta)) for prompt, model, meta in rows]
    finally:
        connection.close()


async def test_the_model_plans_and_writes_and_history_names_the_model_that_answered(
    tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    fake.retired = {FREE_MODEL}  # retired, as on OpenRouter: the fallback answers
    provider = openrouter_provider(fake, fallback_models=[FALLBACK])
    progress = Progress()
    try:
        result = await generate_component(request(tmp_path, provider), progress)
    finally:
        await provider.aclose()

    target = tmp_path / "components" / "PricingSection.tsx"
    assert result.status == "written" and result.files == [target]
    assert MARKER in target.read_text(encoding="utf-8")
    assert (result.provider, result.model, result.cached) == ("openrouter", FALLBACK, False)
    assert result.findings == [] and result.tokens > 0
    assert f"{FREE_MODEL} unavailable; {FALLBACK} answered" in result.notes
    assert f"(model {FALLBACK})" in result.message
    assert model.calls == {"plan": 1, "enhance": 1}
    assert [body["models"] for body in fake.chat_bodies] == [[FREE_MODEL, FALLBACK]] * 2
    [(prompt, answered_by, meta)] = history(tmp_path)
    assert (prompt, answered_by) == (PROMPT, FALLBACK)
    assert meta["provider"] == "openrouter" and meta["cached"] is False
    steps = [step for step, _, _ in progress]
    assert steps[0] == "plan" and steps[-1] == "write" and "enhance" in steps
    assert any(m.endswith(f"tokens from {FALLBACK}") for _, _, m in progress)


async def test_settings_reach_the_model_and_the_enhance_request_carries_the_scaffold(
    tmp_path: Path,
):
    provider = ScriptedProvider(answer(f"```json\n{plan_json()}\n```"), answer(fenced(component())))
    settings = Settings(temperature=0.3, max_tokens=1000)
    result = await run(tmp_path, provider, settings=settings, model="test/other")
    assert MARKER in result.code and result.model == "test/model"
    plan_call, enhance_call = provider.calls
    for call in provider.calls:
        assert (call.model, call.temperature, call.max_tokens) == ("test/other", 0.3, 1000)
    assert plan_call.response_format == plan_response_format()
    assert enhance_call.response_format is None
    user = enhance_call.messages[-1].content
    assert PROMPT in user and "export default" in user and "Plans for every team" in user


async def test_a_repeat_is_answered_from_the_cache_and_force_asks_again(
    tmp_path: Path, fake: FakeOpenRouter, openrouter: OpenAICompatibleProvider, model: ScriptedModel
):
    first = await run(tmp_path, openrouter)
    asked = len(fake.chats)
    assert asked == 2 and first.cached is False

    again = await run(tmp_path, openrouter)
    assert len(fake.chats) == asked  # no new chat request
    assert again.cached is True and again.to_json()["cached"] is True
    assert again.model == FREE_MODEL and again.code == first.code
    assert any("answered from the cache" in note for note in again.notes)
    [written] = again.files
    assert written != first.files[0]  # the first file is not overwritten unasked
    assert MARKER in written.read_text(encoding="utf-8")
    assert [meta["cached"] for _, _, meta in history(tmp_path)] == [False, True]

    forced = await run(tmp_path, openrouter, force=True)
    assert len(fake.chats) == asked + 2 and forced.cached is False
    assert model.calls == {"plan": 2, "enhance": 2}


@pytest.mark.parametrize(
    "change",
    [{"prompt": "pricing section with four tiers"}, {"framework": "html"}, {"name": "TeamPlans"}],
    ids=["prompt", "framework", "name"],
)
async def test_a_different_request_misses_the_cache(
    tmp_path: Path,
    fake: FakeOpenRouter,
    openrouter: OpenAICompatibleProvider,
    model: ScriptedModel,
    change: dict[str, Any],
):
    await run(tmp_path, openrouter)
    asked = len(fake.chats)
    result = await run(tmp_path, openrouter, **change)
    assert result.cached is False and len(fake.chats) == asked + 2
    assert MARKER in result.files[0].read_text(encoding="utf-8")
    if "name" in change:
        assert result.files == [tmp_path / "components" / "TeamPlans.tsx"]
    if "framework" in change:
        assert result.files == [tmp_path / "components" / "PricingSection.html"]


async def test_the_api_key_is_neither_a_cache_input_nor_in_the_store(
    tmp_path: Path,
    fake: FakeOpenRouter,
    openrouter: OpenAICompatibleProvider,
    model: ScriptedModel,
    monkeypatch: pytest.MonkeyPatch,
):
    hashed: list[bytes] = []

    class SpyHashlib:
        @staticmethod
        def sha256(data: bytes = b"") -> Any:
            hashed.append(data)
            return hashlib.sha256(data)

    monkeypatch.setattr(generate_module, "hashlib", SpyHashlib)
    await run(tmp_path, openrouter)
    await run(tmp_path, openrouter)  # a cache hit: the same inputs again

    assert len(hashed) == 2 and hashed[0] == hashed[1]
    identity = json.loads(hashed[0])
    assert identity["prompt"] == PROMPT and identity["model"] == FREE_MODEL
    assert GOOD_KEY.encode() not in hashed[0]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert GOOD_KEY.encode() not in path.read_bytes(), path

    other_key = openrouter_provider(fake, api_key="sk-or-v1-another-key-0123456789")
    try:
        version = templates_version(None)
        assert cache_key(request(tmp_path, other_key), version) == cache_key(
            request(tmp_path, openrouter), version
        )
    finally:
        await other_key.aclose()


async def test_a_syntax_error_is_repaired_by_the_model(
    tmp_path: Path, fake: FakeOpenRouter, openrouter: OpenAICompatibleProvider, model: ScriptedModel
):
    model.enhance = BROKEN
    result = await run(tmp_path, openrouter)
    assert model.calls == {"plan": 1, "enhance": 1, "repair": 1}
    repair = fake.chat_bodies[-1]["messages"][-1]["content"]
    assert "does not pass validation" in repair and "is never closed" in repair
    assert BROKEN.strip() in repair
    assert result.findings == []
    assert MARKER in (tmp_path / "components" / "PricingSection.tsx").read_text(encoding="utf-8")


async def test_repairs_that_keep_failing_stop_after_two_and_the_best_version_is_written(
    tmp_path: Path, openrouter: OpenAICompatibleProvider, model: ScriptedModel
):
    model.enhance, model.repair = BROKEN, WORSE
    result = await run(tmp_path, openrouter)
    assert model.calls["repair"] == 2
    target = tmp_path / "components" / "PricingSection.tsx"
    assert target.read_text(encoding="utf-8") == BROKEN  # one error beats three
    assert [f.code for f in result.findings if f.severity == "error"] == ["syntax"]
    assert "is never closed" in result.findings[0].message
    assert "with 1 validation problem(s)" in result.message
    assert "1 validation problem(s) left after 2 repairs; written with their diagnostics" in (
        result.notes
    )


@pytest.mark.parametrize(
    "enhance",
    [
        Reply.stream(["export default ", "function"], finish_reason=None, done=False),
        Reply.stream(["export default ", "function"], drop=True),
        Reply.mid_stream_error(["export "], "upstream provider crashed"),
    ],
    ids=["no-finish", "dropped", "mid-stream-error"],
)
async def test_a_failed_enhance_stream_writes_nothing(
    tmp_path: Path, openrouter: OpenAICompatibleProvider, model: ScriptedModel, enhance: Reply
):
    model.enhance = enhance
    with pytest.raises(GenerationError) as caught:
        await run(tmp_path, openrouter)
    message = str(caught.value)
    assert message.startswith("openrouter: ") and FREE_MODEL in message
    assert "cut off" in message or "failed mid-answer" in message
    assert list(tmp_path.iterdir()) == []  # no component, no history


async def test_a_rejected_key_fails_with_how_to_fix_it_and_writes_nothing(
    tmp_path: Path, fake: FakeOpenRouter, model: ScriptedModel
):
    bad_key = "sk-or-v1-" + "deadbeef" * 8
    provider = openrouter_provider(fake, api_key=bad_key)
    try:
        with pytest.raises(GenerationError) as caught:
            await run(tmp_path, provider)
    finally:
        await provider.aclose()
    message = str(caught.value)
    assert "rejected" in message and "OPENROUTER_API_KEY" in message
    assert bad_key not in message
    assert len(fake.chats) == 1 and model.calls == {}
    assert list(tmp_path.iterdir()) == []


async def test_an_answer_without_code_is_a_clear_error(
    tmp_path: Path, openrouter: OpenAICompatibleProvider, model: ScriptedModel
):
    model.enhance = lambda _: Reply.stream(["I would rather not write that component."])
    with pytest.raises(GenerationError, match="the model answered without code"):
        await run(tmp_path, openrouter)
    assert list(tmp_path.iterdir()) == []


# --- validation begins when the code's fence closes -----------------------------------------


def _code_then_prose(*fences: str, pause: float = 0.3) -> Reply:
    """An answer whose fences arrive at once, then, after `pause`, a sentence of prose."""
    code = "".join(f"```tsx\n{body}```\n\n" for body in fences)
    return Reply.events(
        chunk("Here is the component:\n\n" + code),
        pause,
        chunk("It uses `Tailwind` for every `colour`."),
        chunk(None, finish_reason="stop"),
        "[DONE]",
    )


class _Validations(list[tuple[str, bool]]):
    """Every validation run: the code, and whether the model's stream had ended by then."""


@pytest.fixture
def validations(fake: FakeOpenRouter, monkeypatch: pytest.MonkeyPatch) -> _Validations:
    seen = _Validations()
    real = generate_module.validate_component

    def validate(code: str, **options: Any) -> Any:
        chat = fake.chats[-1]
        seen.append((code, chat.finished_at is not None))
        return real(code, **options)

    monkeypatch.setattr(generate_module, "validate_component", validate)
    return seen


async def test_the_code_is_validated_while_the_model_still_writes_its_closing_prose(
    tmp_path: Path,
    openrouter: OpenAICompatibleProvider,
    model: ScriptedModel,
    validations: _Validations,
):
    model.enhance = lambda _request: _code_then_prose(component())
    result = await run(tmp_path, openrouter)
    assert result.status == "written" and result.findings == []
    assert validations == [(component(), False)]  # once, before the stream ended; reused
    assert (tmp_path / "components" / "PricingSection.tsx").read_text() == component()


USAGE = "const Demo = () => <PricingSection />;\n"  # no export default: not the component


def _usage_first(then: str) -> Reply:
    """An answer with a usage example in a fence of its own, then, 0.2 s later, `then`."""
    return Reply.events(
        chunk(f"A usage example first:\n\n```tsx\n{USAGE}```\n\n"),
        0.2,
        chunk(then),
        chunk(None, finish_reason="stop"),
        "[DONE]",
    )


@pytest.mark.parametrize(
    "then",
    [
        f"And the component:\n\n```tsx\n{component()}```\n",
        f"And the component, its fence left open:\n\n```tsx\n{component()}",
    ],
    ids=["its-fence-closed", "its-fence-left-open"],
)
async def test_the_findings_that_stand_are_those_of_the_final_code(
    tmp_path: Path,
    openrouter: OpenAICompatibleProvider,
    model: ScriptedModel,
    validations: _Validations,
    then: str,
):
    model.enhance = lambda _request: _usage_first(then)
    result = await run(tmp_path, openrouter)
    assert result.status == "written" and result.findings == []
    # the example was validated early, while the model wrote on, then the component: early if
    # its fence closed, after the stream if not
    assert [code for code, _ in validations] == [USAGE, component()]
    assert validations[0][1] is False
    assert model.calls["repair"] == 0  # the example's findings (no default export) were not used
    assert (tmp_path / "components" / "PricingSection.tsx").read_text() == component()
