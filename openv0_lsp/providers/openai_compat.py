"""OpenRouter and any OpenAI-compatible server: streamed chat completions over httpx.

One httpx `AsyncClient` per provider (HTTP/1.1, keep-alive), on aiohttp's connection pool and
C HTTP parser (`httpx_aiohttp`): httpx's own h11 parser cost a third of the CPU of every streamed
token. `POST {base}/chat/completions` with
`stream: true`, the response decoded by `sse.SSEDecoder` and checked against what OpenRouter
documents (see the project's stack notes):

- the HTTP status is checked before anything is parsed; an error body is
  `{"error": {"code", "message", "metadata"}}`, `code` a number or a string;
- an `error` object anywhere (a streamed event, a 200 body without `choices`, `choices[0]`) is an
  error that keeps the text streamed so far;
- success needs a finish reason *and* `data: [DONE]`; anything less is a `TruncatedStream`;
- `choices: []` usage chunks, `content: null`, role-only deltas and `reasoning` /
  `reasoning_details` deltas are all normal; reasoning is kept apart from the answer.

Failures before the first token are retried (408, 429, 5xx, timeouts, dropped connections) with
capped exponential backoff and jitter, honouring `Retry-After` (seconds) and
`X-RateLimit-Reset` (epoch milliseconds); a wait longer than `RetryPolicy.max_wait` (a daily
free-model cap) is not waited for. 400/401/402/403/404/413 are never retried; a 400/404 about
the model id moves on to the next model of the chain. After the first token nothing is retried:
the caller has already seen text.

The key lives in this object only: it is sent in the `Authorization` header and nowhere else,
never logged, and scrubbed from any text a server echoes back into an error message. Requests go
over HTTPS, or plain HTTP to a loopback address only.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import errno
import hashlib
import ipaddress
import logging
import random
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import aiohttp
import httpx
from httpx_aiohttp import HttpxAiohttpClient
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from openv0_lsp.loop_share import share_loop
from openv0_lsp.providers.base import (
    ChatDelta,
    ChatDone,
    ChatEvent,
    ChatMessage,
    ChatNotice,
    ChatProvider,
    InvalidKey,
    ModelUnavailable,
    ProviderConfigError,
    ProviderError,
    ProviderTimeout,
    RateLimited,
    TruncatedStream,
    Usage,
)
from openv0_lsp.providers.silence import SilenceWatch
from openv0_lsp.providers.sse import SSEDecoder, SSEError, SSEEvent

log = logging.getLogger(__name__)

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
# OpenRouter's app attribution; `HTTP-Referer` (the app's site) is added by whoever has one.
OPENROUTER_HEADERS = {"X-Title": "openv0"}
MAX_CONNECTIONS = 256  # per provider
NEVER_RETRY = frozenset({400, 401, 402, 403, 404, 413})
SERVER_FALLBACK_SIZE = 3  # OpenRouter's `models` array takes at most three ids
MAX_ERROR_BODY = 64 * 1024


# --- settings --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Timeouts:
    """Seconds. `first_byte` runs from sending the request to the first byte of the body;
    `idle` is the longest silence after that (keep-alive comments count as bytes)."""

    connect: float = 10.0
    first_byte: float = 60.0
    idle: float = 30.0


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """At most `tries` attempts per model; delays `base_delay · 2ⁿ` capped at `max_delay`, with
    jitter; a server-requested wait longer than `max_wait` is not waited for."""

    tries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_wait: float = 60.0

    def backoff(self, attempt: int) -> float:
        """The jittered delay after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)


# --- the client-side rate limit --------------------------------------------------------------


class RateLimiter:
    """At most `limit` requests in any window of `period` seconds (a sliding window)."""

    def __init__(self, limit: int, period: float, *, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.period = period
        self._clock = clock
        self._sent: deque[float] = deque()

    def wait_time(self) -> float:
        """Seconds until a request may go out (0 if it may go now)."""
        now = self._clock()
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        if len(self._sent) < self.limit:
            return 0.0
        return self._sent[0] + self.period - now

    async def acquire(self, *, max_wait: float = float("inf")) -> None:
        """Wait for a slot and take it; `RateLimited` if the wait would exceed `max_wait`."""
        while (wait := self.wait_time()) > 0:
            if wait > max_wait:
                raise RateLimited(
                    f"client-side rate limit: {self.limit} requests per {self.period:g} s; "
                    f"next slot in {wait:.1f} s",
                    code="client_rate_limit",
                    retry_after=wait,
                )
            await asyncio.sleep(wait)
        self._sent.append(self._clock())


_limiters: dict[tuple[str, int, float], RateLimiter] = {}


def limiter_for_key(api_key: str, limit: int, period: float) -> RateLimiter:
    """The one limiter of a key, shared by every provider object using it (held by hash)."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    return _limiters.setdefault((digest, limit, period), RateLimiter(limit, period))


# --- the wire format, validated at the edge --------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _ErrorBody(_Wire):
    code: int | str | None = None
    message: str = ""
    metadata: dict[str, Any] | None = None


class _Delta(_Wire):
    role: str | None = None
    content: str | None = None
    reasoning: str | None = None
    reasoning_details: list[dict[str, Any]] | None = None


class _Choice(_Wire):
    delta: _Delta | None = None
    message: _Delta | None = None  # a server that answered without streaming
    finish_reason: str | None = None
    error: _ErrorBody | None = None


class _UsageBody(_Wire):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None
    completion_tokens_details: dict[str, Any] | None = None

    def to_usage(self) -> Usage:
        details = self.completion_tokens_details or {}
        reasoning = details.get("reasoning_tokens")
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.total_tokens or self.prompt_tokens + self.completion_tokens,
            reasoning_tokens=reasoning if isinstance(reasoning, int) else 0,
            cost=self.cost,
        )


# An `error` is an object or, from some servers, a bare string: read both as an object.
_Error = Annotated[
    _ErrorBody | None,
    BeforeValidator(lambda value: {"message": value} if isinstance(value, str) else value),
]


class _Chunk(_Wire):
    model: str | None = None
    choices: list[_Choice] | None = None
    usage: _UsageBody | None = None
    error: _Error = None


class _ErrorEnvelope(_Wire):
    error: _Error = None


class KeyStatus(_Wire):
    """What `GET /key` says about a key (OpenRouter)."""

    label: str | None = None
    is_free_tier: bool | None = None
    limit: float | None = None
    limit_remaining: float | None = None
    usage: float | None = None


class _KeyEnvelope(_Wire):
    data: KeyStatus


class ModelInfo(_Wire):
    """One entry of `GET /models`."""

    id: str
    name: str | None = None
    context_length: int | None = None
    pricing: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_free(self) -> bool:
        return self.id.endswith(":free")


class _ModelsEnvelope(_Wire):
    data: list[ModelInfo]


# --- URL and key checks ----------------------------------------------------------------------


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, *, with_key: bool) -> httpx.URL:
    """The base URL, if requests may go there: HTTPS; plain HTTP to this machine; plain HTTP to
    another machine (an Ollama on the local network) only when no API key would travel along."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ProviderConfigError(f"the base URL {base_url!r} is not a URL: {exc}") from None
    if url.userinfo:
        raise ProviderConfigError(
            "the base URL must not contain a user name or password; set the API key instead"
        )
    if url.scheme == "https" and url.host:
        return url
    if url.scheme == "http" and url.host and (not with_key or is_loopback_host(url.host)):
        return url
    shown = url.copy_with(query=None, fragment=None) if url.host else base_url
    if url.scheme == "http":
        raise ProviderConfigError(
            f"refusing plain HTTP to {url.host} ({shown}): the API key would travel unencrypted; "
            "use https://, or http:// only for a server on this machine (localhost, 127.0.0.1, "
            "::1) or for a server that takes no API key (then set none)"
        )
    raise ProviderConfigError(
        f"the base URL {shown} must start with https:// (or http:// to localhost)"
    )


def _check_key(api_key: str | None) -> str | None:
    if not api_key:
        return None
    if not api_key.isascii() or not api_key.isprintable() or any(c.isspace() for c in api_key):
        # Said without echoing it: an HTTP library's own error would quote the header value.
        raise ProviderConfigError(
            "the API key contains spaces, line breaks or non-ASCII characters; paste it again"
        )
    return api_key


def _retry_hint(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: `Retry-After` (seconds or a date) or
    `X-RateLimit-Reset` (epoch milliseconds); the longer of the two."""
    now = time.time() if now is None else now
    hints: list[float] = []
    if retry_after := headers.get("retry-after"):
        try:
            hints.append(max(0.0, float(retry_after)))
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                hints.append(
                    max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
                )
    if reset := headers.get("x-ratelimit-reset"):
        with contextlib.suppress(ValueError):
            hints.append(max(0.0, float(reset) / 1000 - now))
    return max(hints) if hints else None


def _duration(seconds: float) -> str:
    """A wait as people say it: 20 s, 12 min, 6 h 5 min."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _is_retryable(status: int) -> bool:
    return status == 408 or status == 429 or 500 <= status <= 599


def _code_status(code: int | str | None) -> int | None:
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None


# --- the provider ----------------------------------------------------------------------------


class OpenAICompatibleProvider(ChatProvider):
    """OpenRouter, or any server that speaks OpenAI's `/chat/completions` with streaming."""

    def __init__(
        self,
        *,
        name: str = "openai",
        base_url: str,
        api_key: str | None,
        model: str,
        fallback_models: Sequence[str] = (),
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        free_model_limit: tuple[int, float] | None = None,
        key_hint: str = "set the API key in the openv0.apiKey setting",
        server_fallback: bool = False,
        discover_free_models: bool = False,
    ):
        self.name = name
        self.server_fallback = server_fallback  # send OpenRouter's `models` array
        self.discover_free_models = discover_free_models
        self._key = _check_key(api_key)
        self.base_url = check_base_url(base_url, with_key=bool(self._key))
        self.model = model
        self.fallback_models = tuple(fallback_models)
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.key_hint = key_hint
        self._free_limit = free_model_limit
        loopback = is_loopback_host(self.base_url.host)
        request_headers = dict(headers or {})
        if self._key:
            request_headers["Authorization"] = f"Bearer {self._key}"
        # aiohttp's pool: MAX_CONNECTIONS streams at once, more wait for a connection
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS)
        self._client = HttpxAiohttpClient(
            headers=request_headers,
            timeout=httpx.Timeout(
                connect=self.timeouts.connect, read=None, write=self.timeouts.connect, pool=None
            ),
            follow_redirects=False,  # a redirect must never carry the key elsewhere
            trust_env=not loopback,  # a proxy from the environment never sees loopback traffic
            limits=limits,
        )

    @classmethod
    def openrouter(
        cls,
        *,
        api_key: str | None,
        model: str = "deepseek/deepseek-chat-v3.1:free",
        fallback_models: Sequence[str] = (),
        base_url: str = OPENROUTER_BASE_URL,
        free_model_limit: tuple[int, float] | None = (20, 60.0),
        **kwargs: Any,
    ) -> OpenAICompatibleProvider:
        """OpenRouter: its attribution headers and its free-model limit (20 a minute)."""
        return cls(
            name="openrouter",
            base_url=base_url,
            api_key=api_key,
            model=model,
            fallback_models=fallback_models,
            headers={**OPENROUTER_HEADERS, **kwargs.pop("headers", {})},
            free_model_limit=free_model_limit,
            server_fallback=kwargs.pop("server_fallback", True),
            discover_free_models=kwargs.pop("discover_free_models", True),
            key_hint="set the openv0.apiKey setting or OPENROUTER_API_KEY "
            "(keys at https://openrouter.ai/keys)",
            **kwargs,
        )

    def __repr__(self) -> str:  # never the key
        return f"<{type(self).__name__} {self.name} {self.base_url} model={self.model}>"

    async def aclose(self) -> None:
        await self._client.aclose()

    def _url(self, path: str) -> httpx.URL:
        return self.base_url.copy_with(path=f"{self.base_url.path.rstrip('/')}/{path}")

    def _redact(self, text: str) -> str:
        if self._key and self._key in text:
            text = text.replace(self._key, "[api key]")
        return text

    # --- key and models ---

    async def check_key(self) -> KeyStatus | None:
        """`GET {base}/key`: label, free tier and remaining limit; `InvalidKey` on 401; None
        when the server has no such endpoint (a plain OpenAI-compatible server)."""
        response = await self._get("key")
        if response.status_code in (404, 405):
            return None
        try:
            return _KeyEnvelope.model_validate_json(response.content).data
        except ValidationError:
            raise ProviderError(
                f"{self.name}: the key check answered with an unexpected body", status=200
            ) from None

    async def list_models(self) -> list[ModelInfo]:
        """`GET {base}/models`: the models the server offers (ids, context length, pricing)."""
        response = await self._get("models")
        try:
            return _ModelsEnvelope.model_validate_json(response.content).data
        except ValidationError:
            raise ProviderError(
                f"{self.name}: the model list has an unexpected shape", status=200
            ) from None

    async def _get(self, path: str) -> httpx.Response:
        try:
            async with asyncio.timeout(self.timeouts.connect + self.timeouts.first_byte):
                response = await self._client.get(self._url(path))
        except TimeoutError:
            raise ProviderTimeout(
                f"{self.name}: no answer from {self.base_url} in time",
                phase="first_byte",
                retryable=True,
            ) from None
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, None) from None
        if response.status_code in (404, 405) and path == "key":
            return response
        if response.status_code >= 400:
            raise self._status_error(response.status_code, response.headers, response.content, None)
        return response

    # --- chat ---

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
        first = model or self.model
        rest = self.fallback_models if fallback_models is None else tuple(fallback_models)
        chain = list(dict.fromkeys([first, *rest]))
        body: dict[str, Any] = {
            "messages": [m.to_json() for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if response_format is not None:
            body["response_format"] = dict(response_format)
        # OpenRouter tries up to three models itself (`models`); the rest of the chain is ours.
        size = SERVER_FALLBACK_SIZE if self.server_fallback else 1
        groups = [chain[i : i + size] for i in range(0, len(chain), size)]
        discovered = False
        skipped: list[str] = []
        index = 0
        while index < len(groups):
            group = groups[index]
            current = group[0]
            request_body = {"model": current, **body}
            if len(group) > 1:
                request_body["models"] = group
            attempt = 0
            while True:
                attempt += 1
                try:
                    attempt_events = self._attempt(current, request_body)
                    async with contextlib.aclosing(attempt_events):
                        async for event in attempt_events:
                            if isinstance(event, ChatDone):
                                answered = event.model
                                before = group[: group.index(answered)] if answered in group else []
                                event = ChatDone(
                                    finish_reason=event.finish_reason,
                                    model=answered,
                                    requested_model=answered if answered in group else current,
                                    usage=event.usage,
                                    skipped_models=(*skipped, *before),
                                )
                            yield event
                    return
                except ModelUnavailable as error:
                    if error.streamed:
                        raise
                    skipped.extend(group)
                    if index + 1 == len(groups) and not discovered:
                        discovered = True
                        if extra := await self._free_replacements(chain):
                            groups.append(extra)
                    if index + 1 == len(groups):
                        raise self._exhausted(error, [m for g in groups for m in g]) from None
                    following = groups[index + 1][0]
                    log.info(
                        "%s: %s unavailable (%s); trying %s", self.name, current, error, following
                    )
                    yield ChatNotice("fallback", current, following, 0.0, error)
                    break
                except ProviderError as error:
                    if error.streamed or not error.retryable or attempt >= self.retry.tries:
                        raise
                    delay = self._retry_delay(attempt, error)
                    log.info(
                        "%s: %s attempt %d failed (%s); retrying in %.2f s",
                        self.name, current, attempt, error, delay,
                    )  # fmt: skip
                    yield ChatNotice("retry", current, current, delay, error)
                    await asyncio.sleep(delay)
            index += 1

    async def _free_replacements(self, chain: Sequence[str]) -> list[str]:
        """OpenRouter's current free models to try when every configured `:free` model is gone
        (free models are retired often; the product's default already is): at most three,
        the configured model's family first. Empty if the chain has a paid model (never swap a
        paid choice for a free one unasked) or the list cannot be read."""
        if not self.discover_free_models or not all(m.endswith(":free") for m in chain):
            return []
        try:
            models = await self.list_models()
        except ProviderError as exc:
            log.info("%s: no model list to find a free replacement: %s", self.name, exc)
            return []
        return free_replacements(models, chain)

    def _exhausted(self, error: ModelUnavailable, chain: Sequence[str]) -> ModelUnavailable:
        """Every model of the chain is unavailable: say which, and what to set."""
        if len(chain) == 1:  # one model, no fallbacks: its own error says it all
            text = f"{error.message}. Set openv0.model to a model the server offers"
        else:
            text = (
                f"{self.name}: no model of the chain answered ({', '.join(chain)}); last error: "
                f"{error.message}. Set openv0.model or openv0.fallbackModels to a model the "
                "server offers"
            )
        return ModelUnavailable(
            text,
            status=error.status,
            code=error.code,
            model=error.model,
            metadata=error.metadata,
        )

    def _retry_delay(self, attempt: int, error: ProviderError) -> float:
        if error.retry_after is None:
            return self.retry.backoff(attempt)
        if error.retry_after > self.retry.max_wait:
            raise error  # a daily cap: not retried until its reset
        return error.retry_after

    async def _attempt(self, model: str, body: dict[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        """One request for one model: its events, or a `ProviderError`."""
        if self._free_limit and self._key and model.endswith(":free"):
            limit, period = self._free_limit
            await limiter_for_key(self._key, limit, period).acquire(max_wait=self.retry.max_wait)
        request = self._client.build_request(
            "POST",
            self._url("chat/completions"),
            json=body,
            headers={"Accept": "text/event-stream"},
        )
        log.debug("%s: POST %s model=%s", self.name, request.url, model)
        await share_loop()  # a hundred requests starting together take turns
        response: httpx.Response | None = None
        first_byte_by = asyncio.get_running_loop().time() + self.timeouts.first_byte
        try:
            try:
                async with asyncio.timeout_at(first_byte_by):
                    response = await self._client.send(request, stream=True)
            except TimeoutError:
                raise ProviderTimeout(
                    f"{self.name}: {model} sent nothing within {self.timeouts.first_byte:g} s",
                    phase="first_byte",
                    retryable=True,
                    model=model,
                ) from None
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, model) from None
            if response.status_code >= 300:
                content = await self._read_limited(response)
                raise self._status_error(response.status_code, response.headers, content, model)
            events = self._events(response, model, first_byte_by)
            async with contextlib.aclosing(events):
                async for event in events:
                    yield event
        finally:
            if response is not None:
                # A body not read to its end closes its connection: a cancelled or abandoned
                # stream is cut at once and the server sees the disconnect.
                await response.aclose()

    async def _read_limited(self, response: httpx.Response) -> bytes:
        """The start of an error body (enough for its message), within the idle timeout."""
        content = bytearray()
        try:
            async with asyncio.timeout(self.timeouts.idle):
                async for piece in response.aiter_bytes():
                    content += piece
                    if len(content) > MAX_ERROR_BODY:
                        break
        except (TimeoutError, httpx.HTTPError):
            pass  # the status alone is enough to report
        return bytes(content)

    async def _events(
        self, response: httpx.Response, model: str, first_byte_by: float
    ) -> AsyncGenerator[ChatEvent, None]:
        content_type = response.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            for event in await self._whole_body(response, model):
                yield event
            return
        state = _StreamState(model)
        decoder = SSEDecoder()
        # Until the first event, keep the raw bytes: OpenRouter may answer an event-stream 200
        # with a bare JSON `{"error": …}` body that no `data:` line carries.
        raw: bytearray | None = bytearray()
        chunks = aiter(response.aiter_bytes())
        try:
            async with asyncio.timeout(None) as timeout:
                watch = SilenceWatch(timeout, first_byte_by=first_byte_by, idle=self.timeouts.idle)
                try:
                    while True:
                        try:
                            watch.waiting = True
                            chunk = await anext(chunks)
                            watch.arrived()  # any byte, a keep-alive comment too, is life
                        except StopAsyncIteration:
                            break
                        except httpx.HTTPError as exc:
                            why = str(exc) or type(exc).__name__
                            raise self._dropped(state, model, why) from None
                        await share_loop()  # a backlog is read without waiting: take turns
                        if raw is not None and len(raw) < MAX_ERROR_BODY:
                            raw += chunk
                        try:
                            items = decoder.feed(chunk)
                        except SSEError as exc:
                            raise self._dropped(state, model, str(exc)) from None
                        for item in items:
                            if not isinstance(item, SSEEvent):
                                continue  # a keep-alive comment: it reset the idle timer
                            raw = None
                            if item.is_done:
                                state.done = True
                                continue
                            for event in self._parse_event(item.data, state):
                                yield event
                finally:
                    watch.stop()
        except TimeoutError:
            if watch.phase == "first_byte":
                silence = f"sent nothing within {self.timeouts.first_byte:g} s"
            else:
                silence = f"went silent for {self.timeouts.idle:g} s"
            raise ProviderTimeout(
                f"{self.name}: {model} {silence}",
                phase=watch.phase,
                retryable=not state.streamed,
                partial=state.text(),
                streamed=state.streamed,
                model=model,
            ) from None
        if raw:
            self._raise_bare_error(raw, state)
        if state.finish_reason is None or not state.done:
            missing = "a finish reason" if state.finish_reason is None else "[DONE]"
            raise self._dropped(state, model, f"the stream ended without {missing}")
        yield ChatDone(
            finish_reason=state.finish_reason,
            model=state.answered_by or model,
            requested_model=model,
            usage=state.usage,
        )

    def _parse_event(self, data: str, state: _StreamState) -> list[ChatEvent]:
        try:
            chunk = _Chunk.model_validate_json(data)
        except ValidationError:
            raise ProviderError(
                f"{self.name}: {state.model} sent an event that is not a completion chunk: "
                f"{self._redact(data[:200])!r}",
                partial=state.text(),
                streamed=state.streamed,
                model=state.model,
            ) from None
        if chunk.model:
            state.answered_by = chunk.model
        if chunk.usage is not None:
            state.usage = chunk.usage.to_usage()
        if chunk.error is not None:
            self._raise_body_error(chunk.error, state)
        if not chunk.choices:
            return []  # a usage-only chunk, or an empty one
        choice = chunk.choices[0]
        if choice.error is not None:
            self._raise_body_error(choice.error, state)
        if choice.finish_reason == "error":
            self._raise_body_error(_ErrorBody(message="the model stopped with an error"), state)
        if choice.finish_reason:
            state.finish_reason = choice.finish_reason
        delta = choice.delta or choice.message
        if delta is None:
            return []
        content = delta.content or ""
        reasoning = delta.reasoning or ""
        details = tuple(delta.reasoning_details or ())
        if not (content or reasoning or details):
            return []  # a role-only delta, or `content: null`
        state.streamed = True
        state.content.append(content)
        return [ChatDelta(content=content, reasoning=reasoning, reasoning_details=details)]

    async def _whole_body(self, response: httpx.Response, model: str) -> list[ChatEvent]:
        """A 200 JSON body instead of an event stream: a bare `{"error": …}`, or a server that
        ignored `stream: true` and sent the whole completion."""
        state = _StreamState(model)
        try:
            async with asyncio.timeout(self.timeouts.idle):
                content = await response.aread()
        except TimeoutError:
            raise ProviderTimeout(
                f"{self.name}: {model} went silent for {self.timeouts.idle:g} s mid-answer",
                phase="idle",
                retryable=True,
                model=model,
            ) from None
        except httpx.HTTPError as exc:
            raise self._dropped(state, model, str(exc) or type(exc).__name__) from None
        events = self._parse_event(content.decode("utf-8", "replace"), state)
        if state.finish_reason is None:
            raise self._dropped(state, model, "the answer has no finish reason")
        done = ChatDone(
            finish_reason=state.finish_reason,
            model=state.answered_by or model,
            requested_model=model,
            usage=state.usage,
        )
        return [*events, done]

    # --- errors ---

    def _raise_body_error(self, error: _ErrorBody, state: _StreamState) -> NoReturn:
        status = _code_status(error.code)
        message = self._redact(error.message or "unknown error")
        if state.streamed:
            text = f"{self.name}: {state.model} failed mid-answer: {message}"
        else:
            text = f"{self.name}: {state.model} failed: {message}"
        kind: type[ProviderError] = ProviderError
        if status == 429:
            kind = RateLimited
        elif status in (400, 404) and not state.streamed and _about_model(message, state.model):
            kind = ModelUnavailable
        raise kind(
            text,
            status=200,
            code=error.code,
            retryable=not state.streamed and status is not None and _is_retryable(status),
            partial=state.text(),
            streamed=state.streamed,
            model=state.model,
            metadata=error.metadata,
        )

    def _raise_bare_error(self, raw: bytes | bytearray, state: _StreamState) -> None:
        """An event stream that carried no event but a JSON error body: that error."""
        with contextlib.suppress(ValidationError):
            envelope = _ErrorEnvelope.model_validate_json(bytes(raw).strip())
            if envelope.error is not None:
                self._raise_body_error(envelope.error, state)

    def _dropped(self, state: _StreamState, model: str, why: str) -> TruncatedStream:
        return TruncatedStream(
            f"{self.name}: the answer from {model} was cut off ({self._redact(why)})",
            retryable=not state.streamed,
            partial=state.text(),
            streamed=state.streamed,
            model=model,
        )

    def _server(self) -> str:
        """Where the requests go, as the user wrote it in the base URL: scheme, host, port."""
        return str(self.base_url.copy_with(path="/", query=None, fragment=None)).rstrip("/")

    def _transport_error(self, exc: httpx.HTTPError, model: str | None) -> ProviderError:
        detail = self._redact(str(exc) or type(exc).__name__)
        # httpx_aiohttp names every aiohttp connection error ConnectTimeout: the aiohttp error it
        # wraps tells a refused connection and a dropped one from a real connect timeout.
        cause = exc.__cause__
        if isinstance(cause, aiohttp.ConnectionTimeoutError):
            return ProviderTimeout(
                f"{self.name}: cannot connect to {self.base_url.host} within "
                f"{self.timeouts.connect:g} s",
                phase="connect",
                retryable=True,
                model=model,
            )
        if isinstance(cause, aiohttp.ClientConnectorError):
            return ProviderError(
                f"{self.name}: cannot connect to {self._server()}: {_connect_failure(cause)}",
                retryable=not isinstance(cause, aiohttp.ClientSSLError),
                model=model,
            )
        return ProviderError(
            f"{self.name}: the request to {self.base_url.host} failed: {detail}",
            retryable=isinstance(exc, httpx.TransportError),
            model=model,
        )

    def _status_error(
        self, status: int, headers: httpx.Headers, content: bytes, model: str | None
    ) -> ProviderError:
        code: int | str | None = status
        message = ""
        metadata: dict[str, Any] | None = None
        with contextlib.suppress(ValidationError):
            envelope = _ErrorEnvelope.model_validate_json(content)
            if envelope.error is not None:
                code = envelope.error.code if envelope.error.code is not None else status
                message = envelope.error.message
                metadata = envelope.error.metadata
        if not message:
            message = content[:200].decode(
                "utf-8", "replace"
            ).strip() or httpx.codes.get_reason_phrase(status)
        message = self._redact(message)
        subject = f"{self.name}: {model}" if model else self.name
        fields: dict[str, Any] = {
            "status": status,
            "code": code,
            "model": model,
            "metadata": metadata,
            "retryable": _is_retryable(status) and status not in NEVER_RETRY,
        }
        if status == 401:
            return InvalidKey(
                f"{self.name}: the API key was rejected (401: {message}); {self.key_hint}", **fields
            )
        if status == 402:
            return ProviderError(
                f"{subject}: payment required (402: {message}); add credits or pick a free model",
                **fields,
            )
        if status == 429:
            wait = _retry_hint(headers)
            after = f"; the server asks to wait {_duration(wait)}" if wait is not None else ""
            if wait is not None and wait > self.retry.max_wait:
                until = time.strftime("%H:%M UTC", time.gmtime(time.time() + wait))
                after += f", until {until}"
                if self.name == "openrouter" and model and model.endswith(":free"):
                    after += (
                        " (free models are limited per day: credits on openrouter.ai raise the "
                        "limit, or pick a paid model in openv0.model)"
                    )
            return RateLimited(
                f"{subject}: rate limited (429: {message}){after}", retry_after=wait, **fields
            )
        if model and status in (400, 404) and _about_model(message, model):
            return ModelUnavailable(f"{subject} is unavailable ({status}: {message})", **fields)
        if status == 404:  # not about a model: the path is wrong
            return ProviderError(
                f"{subject}: HTTP 404 ({message}) under {self.base_url}: check openv0.baseUrl "
                "(OpenAI-compatible servers usually answer under …/v1)",
                **fields,
            )
        hint = _retry_hint(headers) if fields["retryable"] else None
        return ProviderError(f"{subject}: HTTP {status}: {message}", retry_after=hint, **fields)


def _about_model(message: str, model: str) -> bool:
    lowered = message.lower()
    return model.lower() in lowered or "model" in lowered or "no endpoints" in lowered


class _StreamState:
    """What one response has streamed so far."""

    __slots__ = ("answered_by", "content", "done", "finish_reason", "model", "streamed", "usage")

    def __init__(self, model: str):
        self.model = model
        self.answered_by: str | None = None
        self.content: list[str] = []
        self.streamed = False  # a delta reached the caller
        self.finish_reason: str | None = None
        self.done = False  # `data: [DONE]` arrived
        self.usage: Usage | None = None

    def text(self) -> str:
        return "".join(self.content)


def free_replacements(models: Sequence[ModelInfo], chain: Sequence[str]) -> list[str]:
    """The free models to try in place of a `:free` chain that is gone: at most three, the
    first configured model's family first."""
    family = chain[0].split("/", 1)[0] + "/"
    free = [m.id for m in models if m.is_free and m.id not in chain]
    free.sort(key=lambda model_id: not model_id.startswith(family))
    return free[:SERVER_FALLBACK_SIZE]


def _connect_failure(cause: aiohttp.ClientConnectorError) -> str:
    """Why a connection failed, in words that say what to check."""
    if isinstance(cause, aiohttp.ClientConnectorDNSError):
        return "no such host (check openv0.baseUrl)"
    if isinstance(cause, aiohttp.ClientConnectorCertificateError):
        return f"its TLS certificate is not trusted ({cause.certificate_error})"
    if isinstance(cause, aiohttp.ClientSSLError):
        return "the TLS handshake failed (is it an http:// server?)"
    if cause.os_error.errno == errno.ECONNREFUSED:
        return "nothing listens there (is the model server running?)"
    return cause.os_error.strerror or str(cause.os_error) or type(cause.os_error).__name__
