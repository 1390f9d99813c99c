"""A fake OpenRouter / OpenAI-compatible server for tests: aiohttp on 127.0.0.1, a free port.

Each chat request takes the next `Reply` from a queue (`fake.script(...)`); when the queue is
empty, the reply comes from `fake.responder(received)` if one is set (a scripted model that
answers by the request's messages), else it is `fake.default`. A reply is a status, headers and
a list of steps: bytes to send, pauses, paced ticks, and optionally a dropped connection;
builders cover every behaviour OpenRouter documents: a normal stream (with reasoning, keep-alive
comments, bytes split at chosen offsets, CRLF line ends, tokens at a fixed rate), an error
mid-stream as a 200 chunk, a bare JSON error on a 200 event stream, 429 with `Retry-After` /
`X-RateLimit-Reset`, 5xx, a retired model's 404, a bad key's 401, a stream that stops without
`[DONE]`, a connection dropped mid-body and a server that never answers.

Models answer as on OpenRouter: the candidates are the body's `models` array (at most 3, tried
in order) or else its `model`; ids in `fake.retired` are retired, and when every candidate is,
the answer is a 404 "No endpoints found for ..." whatever the queue holds. Otherwise the first
live candidate answers: replies built with the default model carry the `ANSWERING`
placeholder, which the fake replaces with that model's id as it sends them.

Every request is recorded (`fake.requests`: method, path, headers, JSON body, the client's
port, which model answered, when the first and last bytes went out), with an event set when the
client goes away before the reply was sent in full. `GET /api/v1/key` and `GET /api/v1/models`
answer from `fake.keys` and `fake.models`.

    async with FakeOpenRouter() as fake:
        fake.script(Reply.stream(["Hel", "lo"]))
        provider = OpenAICompatibleProvider.openrouter(api_key=GOOD_KEY, base_url=fake.base_url)
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

GOOD_KEY = "sk-or-v1-" + "5eca1d0e" * 8
FREE_MODEL = "deepseek/deepseek-chat-v3.1:free"
HANG_LIMIT = 30.0  # a hanging reply gives up on its own after this long
ANSWERING = "@answering-model"  # stands for the model that answers, filled in when sent
MAX_MODELS = 3  # OpenRouter's limit on the `models` fallback array


class Drop:
    """A step: cut the TCP connection without finishing the body."""


DROP = Drop()


@dataclass(frozen=True)
class Tick:
    """A step: wait until `interval` after the previous tick of this reply (the first tick waits
    `interval` from when it is reached). Deadlines add up rather than pauses, so a paced stream
    keeps its rate however long the writes in between take."""

    interval: float


Step = bytes | float | Drop | Tick


@dataclass(frozen=True)
class Comment:
    """An SSE comment line, `: text` (OpenRouter's keep-alive)."""

    text: str = "OPENROUTER PROCESSING"


KEEPALIVE = Comment()


def chunk(
    content: str | None = None,
    *,
    reasoning: str | None = None,
    reasoning_details: list[dict[str, Any]] | None = None,
    role: str | None = None,
    finish_reason: str | None = None,
    model: str = ANSWERING,
    usage: dict[str, Any] | None = None,
    choices: bool = True,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One `chat.completion.chunk` as OpenRouter streams it."""
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    delta["content"] = content
    if reasoning is not None:
        delta["reasoning"] = reasoning
    if reasoning_details is not None:
        delta["reasoning_details"] = reasoning_details
    body: dict[str, Any] = {
        "id": "gen-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "provider": "Fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
        if choices
        else [],
    }
    if usage is not None:
        body["usage"] = usage
    if error is not None:
        body["error"] = error
    return body


USAGE = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15, "cost": 0}


def sse(item: dict[str, Any] | str | Comment, *, newline: bytes = b"\n") -> bytes:
    """One event's bytes: a JSON chunk, `[DONE]`, or a comment line."""
    if isinstance(item, Comment):
        return b": " + item.text.encode() + newline
    data = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    return b"data: " + data.encode() + newline + newline


def _answered_by(steps: Iterable[Step], model: str) -> Iterator[Step]:
    """The steps with the `ANSWERING` placeholder replaced by the model's JSON string, each as
    it is taken: a stream of thousands of steps starts at once. Done on whole steps, before any
    `split_at` cut, so a cut never falls inside the placeholder."""
    placeholder = json.dumps(ANSWERING).encode()
    answering = json.dumps(model, ensure_ascii=False).encode()
    for step in steps:
        yield step.replace(placeholder, answering) if isinstance(step, bytes) else step


def _split(steps: Iterable[Step], offsets: Iterable[int]) -> Iterator[Step]:
    """Re-cut the byte steps at global byte offsets (pauses and drops stay where they are)."""
    cuts = sorted(set(offsets))
    position = 0
    for step in steps:
        if not cuts or not isinstance(step, bytes):
            yield step
            continue
        start = 0
        for cut in cuts:
            if position < cut < position + len(step):
                yield step[start : cut - position]
                start = cut - position
        yield step[start:]
        position += len(step)


@dataclass
class Reply:
    """What the fake answers to one chat request.

    `steps` hold the bytes with the `ANSWERING` placeholder; `split_at` cuts the bytes as sent
    (the placeholder replaced by the answering model's id) at those offsets."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    content_type: str = "text/event-stream"
    hang: bool = False  # send nothing at all, not even the status line
    split_at: tuple[int, ...] = ()

    def steps_for(self, model: str) -> list[Step]:
        """The steps as sent when `model` answers: placeholder filled in, then cut."""
        return list(self.sent_steps(model))

    def sent_steps(self, model: str) -> Iterator[Step]:
        """`steps_for`, each step made as it is taken."""
        return _split(_answered_by(self.steps, model), self.split_at)

    @classmethod
    def events(
        cls,
        *items: dict[str, Any] | str | Comment | float | Drop | Tick,
        delay: float = 0.0,
        split_at: Iterable[int] = (),
        crlf: bool = False,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """A raw event stream: chunks (dicts), `"[DONE]"`, comments, pauses (floats), ticks and
        `DROP`; `delay` pauses between events; `split_at` cuts the bytes at those offsets."""
        newline = b"\r\n" if crlf else b"\n"
        steps: list[Step] = []
        for item in items:
            if isinstance(item, Drop | Tick):
                steps.append(item)
                continue
            if isinstance(item, float | int):
                steps.append(float(item))
                continue
            if delay and steps:
                steps.append(delay)
            steps.append(sse(item, newline=newline))
        return cls(
            status=status, headers=dict(headers or {}), steps=steps, split_at=tuple(split_at)
        )

    @classmethod
    def stream(
        cls,
        tokens: Sequence[str] = ("Hello", " world"),
        *,
        model: str = ANSWERING,
        reasoning: Sequence[str] = (),
        finish_reason: str | None = "stop",
        usage: bool = True,
        done: bool = True,
        keepalives: int = 0,
        drop: bool = False,
        tokens_per_second: float | None = None,
        **options: Any,
    ) -> Reply:
        """A normal answer: a role-only chunk, reasoning, tokens, the finish reason, a
        usage-only chunk and `[DONE]`; each ingredient can be left out to make a fault.
        With `tokens_per_second`, each content token waits its turn at that fixed rate, so
        n tokens take n / rate seconds."""
        if tokens_per_second is not None and tokens_per_second <= 0:
            raise ValueError("tokens_per_second must be positive")
        items: list[dict[str, Any] | str | Comment | float | Drop | Tick] = [KEEPALIVE] * keepalives
        items.append(chunk(role="assistant", content="", model=model))
        items += [chunk(reasoning=r, model=model) for r in reasoning]
        for token in tokens:
            if tokens_per_second is not None:
                items.append(Tick(1 / tokens_per_second))
            items.append(chunk(token, model=model))
        if finish_reason is not None:
            items.append(chunk(None, finish_reason=finish_reason, model=model))
        if usage:
            items.append(chunk(model=model, choices=False, usage=USAGE))
        if drop:
            items.append(DROP)
        elif done:
            items.append("[DONE]")
        return cls.events(*items, **options)

    @classmethod
    def code_stream(cls, text: str, *, chunk_chars: int = 4, **options: Any) -> Reply:
        """The model writing `text`: streamed in pieces of `chunk_chars` characters (about a
        token each); `options` as for `stream` (e.g. `tokens_per_second`)."""
        if chunk_chars < 1:
            raise ValueError("chunk_chars must be at least 1")
        pieces = [text[i : i + chunk_chars] for i in range(0, len(text), chunk_chars)]
        return cls.stream(pieces, **options)

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        *,
        code: int | str | None = None,
        metadata: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """OpenRouter's error before the first token: the status and a JSON error body."""
        body: dict[str, Any] = {"code": status if code is None else code, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        return cls.json({"error": body}, status=status, headers=headers)

    @classmethod
    def json(cls, body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status=status,
            headers=dict(headers or {}),
            steps=[json.dumps(body).encode()],
            content_type="application/json",
        )

    @classmethod
    def bare_error_stream(
        cls,
        message: str,
        *,
        code: int | str = 502,
        metadata: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Status 200 and `text/event-stream`, but the body is a bare JSON `{"error": ...}`
        with no `data:` prefix and no `choices`, as OpenRouter sometimes answers."""
        body: dict[str, Any] = {"code": code, "message": message}
        if metadata is not None:
            body["metadata"] = metadata
        return cls(headers=dict(headers or {}), steps=[json.dumps({"error": body}).encode()])

    @classmethod
    def rate_limited(cls, *, retry_after: str | None = None, reset_ms: int | None = None) -> Reply:
        headers = {}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        if reset_ms is not None:
            headers["X-RateLimit-Reset"] = str(reset_ms)
        return cls.error(429, "Rate limit exceeded: free-models-per-min.", headers=headers)

    @classmethod
    def model_not_found(cls, model: str) -> Reply:
        return cls.error(404, f"No endpoints found for {model}.")

    @classmethod
    def bad_key(cls) -> Reply:
        return cls.error(401, "User not found.")

    @classmethod
    def mid_stream_error(
        cls, tokens: Sequence[str], message: str, *, code: int | str = 502, **options: Any
    ) -> Reply:
        """Tokens, then (status still 200) a chunk with a top-level `error` and
        `finish_reason: "error"`; then the stream ends, without `[DONE]`."""
        items: list[dict[str, Any] | str | Comment | float | Drop | Tick] = [
            chunk(role="assistant", content="")
        ]
        items += [chunk(t) for t in tokens]
        failing = chunk("", finish_reason="error", error={"code": code, "message": message})
        items.append(failing)
        return cls.events(*items, **options)

    @classmethod
    def hang_before_headers(cls) -> Reply:
        return cls(hang=True)


@dataclass
class Received:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: CIMultiDictProxy[str]  # as HTTP has them: names in any case
    json: Any
    client_port: int | None
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    completed: bool = False  # the scripted reply went out in full
    answered_by: str | None = None  # the model that answered a chat request
    # time.perf_counter() when the status line and headers went out, and when the fake stopped
    # sending (the last byte written, or the connection dropped or lost: see `completed`).
    first_byte_at: float | None = None
    finished_at: float | None = None

    @property
    def stream_seconds(self) -> float | None:
        """How long the fake itself took to send the reply, from headers to last byte."""
        if self.first_byte_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.first_byte_at


@dataclass
class KeyInfo:
    label: str = "sk-or-v1-5ec...e5e"
    is_free_tier: bool = True
    limit: float | None = None
    limit_remaining: float | None = None
    usage: float = 0.0


DEFAULT_MODELS = [
    {"id": "deepseek/deepseek-chat-v3.1", "context_length": 163840, "pricing": {"prompt": "0.2"}},
    {"id": "deepseek/deepseek-r1:free", "context_length": 163840, "pricing": {"prompt": "0"}},
    {"id": "qwen/qwen3-coder:free", "context_length": 262144, "pricing": {"prompt": "0"}},
]


class FakeOpenRouter:
    """The fake server; `async with` starts it and stops it, cutting any hanging reply."""

    def __init__(self, *, check_keys: bool = True):
        self.replies: deque[Reply] = deque()
        self.default = Reply.stream()
        self.responder: Callable[[Received], Reply | Awaitable[Reply]] | None = None
        self.retired: set[str] = set()
        self.requests: list[Received] = []
        self.keys: dict[str, KeyInfo] = {GOOD_KEY: KeyInfo()}
        self.check_keys = check_keys
        self.models: list[dict[str, Any]] = list(DEFAULT_MODELS)
        # OpenAI's own API instead of OpenRouter's: no `/key`, and `/models` wants a good key
        self.openai_like = False
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def chats(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def chat_bodies(self) -> list[Any]:
        """The JSON bodies of the chat requests, in order."""
        return [r.json for r in self.chats]

    async def __aenter__(self) -> FakeOpenRouter:
        app = web.Application()
        for prefix in ("/api/v1", "/v1"):
            app.router.add_post(f"{prefix}/chat/completions", self._chat)
            app.router.add_get(f"{prefix}/key", self._key)
            app.router.add_get(f"{prefix}/models", self._models)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- handlers ---

    def _record(self, request: web.Request, body: Any) -> Received:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        received = Received(
            method=request.method,
            path=request.path,
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            json=body,
            client_port=peer[1] if peer else None,
        )
        self.requests.append(received)
        return received

    def _authorized(self, request: web.Request) -> KeyInfo | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return self.keys.get(key) if scheme == "Bearer" else None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        received = self._record(request, body)
        if self.check_keys and self._authorized(request) is None:
            reply = Reply.bad_key()
        else:
            reply = await self._answer(received)
        if reply.hang:
            await self._pause(request, received, HANG_LIMIT)
            return web.Response(status=504)
        steps = reply.sent_steps(received.answered_by or FREE_MODEL)
        response = web.StreamResponse(status=reply.status, headers=reply.headers)
        response.content_type = reply.content_type
        if reply.content_type != "text/event-stream":
            whole = b"".join(s for s in steps if isinstance(s, bytes))
            response.content_length = len(whole)
            await response.prepare(request)
            received.first_byte_at = time.perf_counter()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await response.write(whole)
                await response.write_eof()
                received.completed = True
            received.finished_at = time.perf_counter()
            return response
        response.headers["Cache-Control"] = "no-cache"
        response.enable_chunked_encoding()
        await response.prepare(request)
        received.first_byte_at = time.perf_counter()
        try:
            await self._send(request, response, received, steps)
        finally:
            received.finished_at = time.perf_counter()
        return response

    async def _answer(self, received: Received) -> Reply:
        """Which reply a chat request with a good key gets, and which model gives it."""
        body = received.json if isinstance(received.json, dict) else {}
        models = body.get("models") if isinstance(body.get("models"), list) else None
        if models and len(models) > MAX_MODELS:
            message = f"'models' array must have {MAX_MODELS} items or fewer"
            return Reply.error(400, message)
        # Without a model at all the fake answers as the product's default.
        candidates = models or [body.get("model") or FREE_MODEL]
        live = [m for m in candidates if m not in self.retired]
        if not live:
            return Reply.model_not_found(candidates[0])
        received.answered_by = live[0]
        if self.replies:
            return self.replies.popleft()
        if self.responder is not None:
            reply = self.responder(received)
            return await reply if inspect.isawaitable(reply) else reply
        return self.default

    async def _send(
        self,
        request: web.Request,
        response: web.StreamResponse,
        received: Received,
        steps: Iterable[Step],
    ) -> None:
        """Send an event stream's steps; stop early if the client leaves or a step drops."""
        next_tick: float | None = None
        for step in steps:
            if isinstance(step, Drop):
                if request.transport is not None:
                    request.transport.abort()
                return
            if isinstance(step, float | Tick):
                if isinstance(step, float):
                    end = time.perf_counter() + step
                else:
                    start = time.perf_counter() if next_tick is None else next_tick
                    next_tick = start + step.interval
                    end = next_tick
                if not await self._wait_until(request, received, end):
                    return
                continue
            try:
                await response.write(step)
                # Each piece is its own HTTP chunk, so the client sees the split; yield so that
                # pieces also tend to leave in separate TCP segments.
                await asyncio.sleep(0)
            except (ConnectionError, RuntimeError):
                received.disconnected.set()
                return
        if request.transport is None or request.transport.is_closing():
            received.disconnected.set()
            return
        received.completed = True
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write_eof()

    async def _pause(self, request: web.Request, received: Received, seconds: float) -> bool:
        return await self._wait_until(request, received, time.perf_counter() + seconds)

    async def _wait_until(self, request: web.Request, received: Received, end: float) -> bool:
        """Sleep until `end` (a perf_counter time), looking at the connection at least every
        50 ms; False (and `disconnected` set) if the client left. A short wait (a paced token)
        is one sleep: a hundred paced streams must not cost the machine the server runs on."""
        while not self._closing.is_set():
            if request.transport is None or request.transport.is_closing():
                received.disconnected.set()
                return False
            left = end - time.perf_counter()
            if left <= 0:
                break
            await asyncio.sleep(min(0.05, left))
        return True

    async def _key(self, request: web.Request) -> web.Response:
        self._record(request, None)
        if self.openai_like:
            return web.json_response(
                {"error": {"message": f"Invalid URL (GET {request.path})", "code": None}},
                status=404,
            )
        info = self._authorized(request)
        if info is None:
            return web.json_response(
                {"error": {"code": 401, "message": "User not found."}}, status=401
            )
        return web.json_response({"data": vars(info)})

    async def _models(self, request: web.Request) -> web.Response:
        self._record(request, None)
        if self.openai_like and self.check_keys and self._authorized(request) is None:
            return web.json_response(
                {"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}},
                status=401,
            )
        return web.json_response({"data": self.models})
