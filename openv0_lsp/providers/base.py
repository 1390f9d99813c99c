"""The provider interface: stream a chat as typed events, fail with typed errors.

A provider turns a list of messages into an async stream of events:

- `ChatDelta`: new text; `content` (the answer) and `reasoning` (a model's thinking) are kept
  apart, so reasoning never leaks into generated code;
- `ChatNotice`: before the first token only, the provider is retrying the same model or moving
  to the next one in the fallback chain (for progress reports);
- `ChatDone`: always last, once the model finished; it says why it stopped, which model answered
  and the token usage.

Any failure is a `ProviderError` carrying what a caller needs to decide and to tell the user:
the HTTP status, the provider's error code (a number or a string), whether a retry could help,
and the text streamed before the failure. Messages never contain the API key.

Cancellation is asyncio's: cancelling the task that iterates the stream, or closing the stream
(`contextlib.aclosing`, or leaving an `async for` inside one), closes the HTTP response at once.
The pipeline already cancels generations by cancelling their task, so there is no second,
provider-specific cancel flag to keep in sync.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openv0_lsp.loop_share import share_loop

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str

    def to_json(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the provider reports them (0 when it does not)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float | None = None  # OpenRouter reports the cost in credits


@dataclass(frozen=True, slots=True)
class ChatDelta:
    """A piece of the answer (`content`) or of the model's reasoning, never both mixed."""

    content: str = ""
    reasoning: str = ""
    # OpenRouter's structured reasoning blocks, passed through untouched.
    reasoning_details: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class ChatNotice:
    """Before the first token: a failed attempt and what the provider does next."""

    kind: Literal["retry", "fallback"]
    model: str  # the model that failed
    next_model: str  # the model tried next (the same one for a retry)
    delay: float  # seconds waited before the next attempt
    error: ProviderError


@dataclass(frozen=True, slots=True)
class ChatDone:
    """The model finished: why, which model answered, and the token usage."""

    finish_reason: str
    model: str  # the model that answered, as the server names it
    requested_model: str  # the model id asked for in the answering request
    usage: Usage | None = None
    skipped_models: tuple[str, ...] = ()  # models earlier in the chain that were unavailable


ChatEvent = ChatDelta | ChatNotice | ChatDone


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A whole answer, collected from a stream."""

    content: str
    reasoning: str
    done: ChatDone
    notices: tuple[ChatNotice, ...] = field(default=())


class ProviderError(Exception):
    """A request to a model failed; `str(error)` is a message for the user, without the key."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        retryable: bool = False,
        partial: str = "",
        streamed: bool = False,
        model: str | None = None,
        retry_after: float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status  # HTTP status, None when the failure was not an HTTP answer
        self.code = code  # the provider's error code: a number or a string
        self.retryable = retryable  # a retry of the same request could succeed
        self.partial = partial  # answer text streamed before the failure
        self.streamed = streamed  # events reached the caller: too late to retry or fall back
        self.model = model
        self.retry_after = retry_after  # seconds the server asked us to wait, if it did
        self.metadata = dict(metadata or {})


class ProviderConfigError(ProviderError):
    """The provider cannot be used as configured (an insecure URL, a malformed key)."""


class InvalidKey(ProviderError):
    """The server rejected the API key (401)."""


class ModelUnavailable(ProviderError):
    """The model id is unknown, retired or has no endpoint (400/404): try the next model."""


class RateLimited(ProviderError):
    """Too many requests (429, or the client-side limit); `retry_after` says how long to wait."""


class ProviderTimeout(ProviderError):
    """No answer in time; `phase` is `connect`, `first_byte` or `idle`."""

    def __init__(self, message: str, *, phase: Literal["connect", "first_byte", "idle"], **kw: Any):
        super().__init__(message, **kw)
        self.phase = phase


class TruncatedStream(ProviderError):
    """The stream ended without a finish reason and `[DONE]`: the answer may be incomplete."""


class ChatProvider(abc.ABC):
    """A model provider: stream a chat with a fallback chain of models."""

    name: str  # "openrouter", "openai", "offline"
    model: str  # the default model
    fallback_models: tuple[str, ...] = ()
    uses_model = True  # False for the offline provider: the templates answer on their own

    @abc.abstractmethod
    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: Mapping[str, Any] | None = None,
    ) -> AsyncGenerator[ChatEvent, None]:
        """Stream the answer to `messages`; the last event is a `ChatDone`.

        `model` and `fallback_models` default to the provider's own; a model that is
        unavailable before the first token hands over to the next one. Raises `ProviderError`.
        """

    async def complete_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str | None = None,
        fallback_models: Sequence[str] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: Mapping[str, Any] | None = None,
        on_event: Callable[[ChatEvent], None] | None = None,
    ) -> ChatResult:
        """The whole answer, streamed underneath; `on_event` sees each event as it arrives
        (the pipeline shows token counts, retries and fallbacks with it)."""
        content: list[str] = []
        reasoning: list[str] = []
        notices: list[ChatNotice] = []
        stream = self.stream_chat(
            messages,
            model=model,
            fallback_models=fallback_models,
            temperature=temperature,
            max_tokens=max_tokens,
            response_format=response_format,
        )
        async with contextlib.aclosing(stream):
            async for event in stream:
                if on_event is not None:
                    on_event(event)
                match event:
                    case ChatDelta():
                        content.append(event.content)
                        reasoning.append(event.reasoning)
                    case ChatNotice():
                        notices.append(event)
                    case ChatDone():
                        # Ending the stream releases its connection: a hundred answers ending
                        # together take turns at it.
                        await share_loop()
                        return ChatResult(
                            "".join(content), "".join(reasoning), event, tuple(notices)
                        )
        raise TruncatedStream(f"{self.name}: the stream ended without a final event")

    async def aclose(self) -> None:
        """Release the provider's connections; the provider cannot be used afterwards."""
        return None  # nothing to release unless a provider holds connections
