"""A fake OpenRouter / OpenAI-compatible server for tests: aiohttp on 127.0.0.1, a free port.

Each chat request takes the next `Reply` from a queue (`fake.script(...)`), or the default
reply when the queue is empty. A reply is a status, headers and a list of steps: bytes to send,
pauses, and optionally a dropped connection; builders cover every behaviour OpenRouter
documents: a normal stream (with reasoning, keep-alive comments, bytes split at chosen offsets,
CRLF line ends), an error mid-stream as a 200 chunk, 429 with `Retry-After` /
`X-RateLimit-Reset`, 5xx, a retired model's 404, a bad key's 401, a stream that stops without
`[DONE]`, a connection dropped mid-body and a server that never answers.

Every request is recorded (`fake.requests`: method, path, headers, JSON body, the client's
port), with an event set when the client goes away before the reply was sent in full.
`GET /api/v1/key` and `GET /api/v1/models` answer from `fake.keys` and `fake.models`.

    async with FakeOpenRouter() as fake:
        fake.script(Reply.stream(["Hel", "lo"]))
        provider = OpenAICompatibleProvider.openrouter(api_key=GOOD_KEY, base_url=fake.base_url)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

GOOD_KEY = "sk-or-v1-" + "5eca1d0e" * 8
FREE_MODEL = "deepseek/deepseek-chat-v3.1:free"
HANG_LIMIT = 30.0  # a hanging reply gives up on its own after this long


class Drop:
    """A step: cut the TCP connection without finishing the body."""


DROP = Drop()
Step = bytes | float | Drop


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
    model: str = FREE_MODEL,
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


def _split(steps: Sequence[Step], offsets: Iterable[int]) -> list[Step]:
    """Re-cut the byte steps at global byte offsets (pauses and drops stay where they are)."""
    cuts = sorted(set(offsets))
    out: list[Step] = []
    position = 0
    for step in steps:
        if not isinstance(step, bytes):
            out.append(step)
            continue
        start = 0
        for cut in cuts:
            if position < cut < position + len(step):
                out.append(step[start : cut - position])
                start = cut - position
        out.append(step[start:])
        position += len(step)
    return out


@dataclass
class Reply:
    """What the fake answers to one chat request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    content_type: str = "text/event-stream"
    hang: bool = False  # send nothing at all, not even the status line

    @classmethod
    def events(
        cls,
        *items: dict[str, Any] | str | Comment | float | Drop,
        delay: float = 0.0,
        split_at: Iterable[int] = (),
        crlf: bool = False,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """A raw event stream: chunks (dicts), `"[DONE]"`, comments, pauses (floats) and
        `DROP`; `delay` pauses between events; `split_at` cuts the bytes at those offsets."""
        newline = b"\r\n" if crlf else b"\n"
        steps: list[Step] = []
        for item in items:
            if isinstance(item, Drop):
                steps.append(item)
                continue
            if isinstance(item, float | int):
                steps.append(float(item))
                continue
            if delay and steps:
                steps.append(delay)
            steps.append(sse(item, newline=newline))
        return cls(status=status, headers=dict(headers or {}), steps=_split(steps, split_at))

    @classmethod
    def stream(
        cls,
        tokens: Sequence[str] = ("Hello", " world"),
        *,
        model: str = FREE_MODEL,
        reasoning: Sequence[str] = (),
        finish_reason: str | None = "stop",
        usage: bool = True,
        done: bool = True,
        keepalives: int = 0,
        drop: bool = False,
        **options: Any,
    ) -> Reply:
        """A normal answer: a role-only chunk, reasoning, tokens, the finish reason, a
        usage-only chunk and `[DONE]`; each ingredient can be left out to make a fault."""
        items: list[dict[str, Any] | str | Comment | float | Drop] = [KEEPALIVE] * keepalives
        items.append(chunk(role="assistant", content="", model=model))
        items += [chunk(reasoning=r, model=model) for r in reasoning]
        items += [chunk(t, model=model) for t in tokens]
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
        items: list[dict[str, Any] | str | Comment | float | Drop] = [
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
    headers: dict[str, str]
    json: Any
    client_port: int | None
    disconnected: asyncio.Event = field(default_factory=asyncio.Event)
    completed: bool = False  # the scripted reply went out in full


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
        self.requests: list[Received] = []
        self.keys: dict[str, KeyInfo] = {GOOD_KEY: KeyInfo()}
        self.check_keys = check_keys
        self.models: list[dict[str, Any]] = list(DEFAULT_MODELS)
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
            headers=dict(request.headers),
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
            reply = self.replies.popleft() if self.replies else self.default
        if reply.hang:
            await self._pause(request, received, HANG_LIMIT)
            return web.Response(status=504)
        if reply.content_type != "text/event-stream":
            received.completed = True
            return web.Response(
                status=reply.status,
                headers=reply.headers,
                body=b"".join(s for s in reply.steps if isinstance(s, bytes)),
                content_type=reply.content_type,
            )
        response = web.StreamResponse(status=reply.status, headers=reply.headers)
        response.content_type = reply.content_type
        response.headers["Cache-Control"] = "no-cache"
        response.enable_chunked_encoding()
        await response.prepare(request)
        for step in reply.steps:
            if isinstance(step, Drop):
                if request.transport is not None:
                    request.transport.abort()
                return response
            if isinstance(step, float):
                if not await self._pause(request, received, step):
                    return response
                continue
            try:
                await response.write(step)
                # Each piece is its own HTTP chunk, so the client sees the split; yield so that
                # pieces also tend to leave in separate TCP segments.
                await asyncio.sleep(0)
            except (ConnectionError, RuntimeError):
                received.disconnected.set()
                return response
        if request.transport is None or request.transport.is_closing():
            received.disconnected.set()
            return response
        received.completed = True
        with contextlib.suppress(ConnectionError, RuntimeError):
            await response.write_eof()
        return response

    async def _pause(self, request: web.Request, received: Received, seconds: float) -> bool:
        """Sleep, watching the connection; False (and `disconnected` set) if the client left."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self._closing.is_set():
            if request.transport is None or request.transport.is_closing():
                received.disconnected.set()
                return False
            await asyncio.sleep(min(0.005, max(0.0, end - time.monotonic())))
        return True

    async def _key(self, request: web.Request) -> web.Response:
        self._record(request, None)
        info = self._authorized(request)
        if info is None:
            return web.json_response(
                {"error": {"code": 401, "message": "User not found."}}, status=401
            )
        return web.json_response({"data": vars(info)})

    async def _models(self, request: web.Request) -> web.Response:
        self._record(request, None)
        return web.json_response({"data": self.models})
