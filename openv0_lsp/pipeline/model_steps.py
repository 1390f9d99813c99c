"""The steps a model takes in the pipeline: plan, enhance and repair.

- *plan* asks for one JSON object against the plan's schema (`response_format: json_schema`,
  dropped once if the server refuses it), reads it tolerantly (`model_output.extract_json`) and
  validates it with pydantic against the catalog; an invalid plan is sent back once with the
  validation error, then the offline planner's plan is used and the caller is told why.
- *enhance* streams the final component from the plan and the scaffold; the running token count
  goes to the progress sink; the code is taken out of fences or prose, and the caller hears of
  it as soon as its fence closes (validation can start while the model writes its closing
  prose).
- *repair* sends validation errors back with the code; the caller decides how often.

An answer the model did not finish (it reached the token limit, or the provider's content filter
stopped it) gives no code unless its code fence had closed before the cut: `AnswerCutOff`, never
half a component.

Prompts are jinja2 templates (`templates/prompts/*.j2`), overridable with `templatesPath` like
every other template. Rendering a prompt and reading an answer both take a fraction of a
millisecond for a typical answer (reading is linear in its length: about 45 µs a kilobyte),
less than a hop to the worker thread and back, so they run in place, each right after a
checkpoint of `loop_share`. Nothing here knows about LSP or HTTP: a `ChatProvider` and a
progress callback are all it needs, so tests drive it with a scripted provider.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from pydantic import ValidationError

from openv0_lsp.pipeline.catalog import Block, TemplatesError
from openv0_lsp.pipeline.framework import Framework
from openv0_lsp.pipeline.model_output import (
    NoCodeFound,
    NoJSONFound,
    closed_code,
    extract_code,
    extract_json,
)
from openv0_lsp.pipeline.plan import Plan
from openv0_lsp.pipeline.scaffold import template_environment, template_error_message
from openv0_lsp.pipeline.validate import Finding
from openv0_lsp.providers.base import (
    ChatDelta,
    ChatDone,
    ChatEvent,
    ChatMessage,
    ChatNotice,
    ChatProvider,
    ModelUnavailable,
    ProviderError,
)

PROMPTS = ("plan_system", "plan_user", "enhance_system", "enhance_user", "repair_user")
REPORT_EVERY = 0.5  # seconds between two token-count reports of one step


class AnswerCutOff(Exception):
    """The model stopped before the code in its answer was complete; the message says why and
    what to do."""


@functools.cache
def plan_schema() -> tuple[dict[str, Any], str]:
    """The plan's JSON schema, as an object and as text: built once (it takes milliseconds)."""
    schema = Plan.model_json_schema()
    return schema, json.dumps(schema)


@functools.cache
def plan_response_format() -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": "component_plan", "strict": False, "schema": plan_schema()[0]},
    }


Report = Callable[[str], None]  # a progress message for the current step
# The code a model has streamed so far, extracted only when called (None while there is none):
# whoever is told of a partial answer and does not want it pays nothing for it.
PartialCode = Callable[[], str | None]


@dataclass(frozen=True, kw_only=True)
class ModelOptions:
    model: str | None = None  # None: the provider's own model and fallbacks
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass
class ModelLog:
    """What the model steps of one generation did: who answered, tokens, what the user is told."""

    answered_by: str | None = None
    completion_tokens: int = 0
    notes: list[str] = field(default_factory=list)  # things the user should know (fallbacks...)

    def record(self, done: ChatDone, tokens: int) -> None:
        self.answered_by = done.model
        used = done.usage.completion_tokens if done.usage else 0
        self.completion_tokens += used or tokens
        if done.skipped_models:
            note = f"{', '.join(done.skipped_models)} unavailable; {done.model} answered"
            if note not in self.notes:
                self.notes.append(note)


@dataclass(frozen=True)
class ModelCall:
    """What the model steps of one generation share: who answers, the user's prompt, the
    templates, the options, where progress goes and what is noted."""

    provider: ChatProvider
    prompt: str
    templates_path: Path | None
    options: ModelOptions
    report: Report
    log: ModelLog


def render_prompt(prompt: str, templates_path: Path | None, /, **context: Any) -> str:
    """`templates/prompts/<prompt>.j2` rendered with `context`; `TemplatesError` naming the
    file and line of a broken one."""
    try:
        template = template_environment(templates_path).get_template(f"prompts/{prompt}.j2")
        return template.render(**context).strip()
    except jinja2.TemplateError as exc:
        raise TemplatesError(template_error_message(exc)) from exc


async def stream_text(
    provider: ChatProvider,
    messages: Sequence[ChatMessage],
    *,
    options: ModelOptions,
    report: Report,
    log: ModelLog,
    response_format: Mapping[str, Any] | None = None,
    on_text: Callable[[str], None] | None = None,
    on_fence: Callable[[str], None] | None = None,
) -> tuple[str, ChatDone]:
    """The answer's text, reporting the running token count (throttled) and any retry or
    fallback; raises `ProviderError`. Cancelling the caller closes the HTTP stream.
    `on_text` sees the answer so far at the same throttled pace (for a streaming preview);
    `on_fence` sees it each time a fence (``` or ~~~) may have just opened or closed."""
    tokens = reasoning_tokens = 0
    last_report = 0.0
    content: list[str] = []
    recent = ""  # the end of the answer, where a fence split across deltas is found

    def on_event(event: ChatEvent) -> None:
        nonlocal tokens, reasoning_tokens, last_report, recent
        if isinstance(event, ChatDelta):
            if event.content:
                tokens += 1
                content.append(event.content)
                if on_fence is not None:
                    recent = recent[-2:] + event.content
                    if "```" in recent or "~~~" in recent:
                        recent = ""
                        on_fence("".join(content))
            elif event.reasoning or event.reasoning_details:
                reasoning_tokens += 1
            now = time.monotonic()
            if now - last_report >= REPORT_EVERY:
                last_report = now
                report(_token_count(tokens, reasoning_tokens))
                if on_text is not None and event.content:
                    on_text("".join(content))
        elif isinstance(event, ChatNotice):
            report(_describe_notice(event))

    result = await provider.complete_chat(
        messages,
        model=options.model,
        temperature=options.temperature,
        max_tokens=options.max_tokens,
        response_format=response_format,
        on_event=on_event,
    )
    log.record(result.done, tokens)
    report(f"{_token_count(tokens, reasoning_tokens)} from {result.done.model}")
    return result.content, result.done


def _token_count(tokens: int, reasoning_tokens: int) -> str:
    text = f"{tokens} token{'' if tokens == 1 else 's'}"
    return text + (f" (thinking: {reasoning_tokens})" if reasoning_tokens else "")


def _describe_notice(notice: ChatNotice) -> str:
    if notice.kind == "fallback":
        return f"{notice.model} is unavailable; trying {notice.next_model}"
    return f"{notice.model} failed ({notice.error.message}); retrying in {notice.delay:.1f} s"


# --- plan ------------------------------------------------------------------------------------


async def plan_with_model(
    call: ModelCall,
    *,
    framework: Framework,
    name: str | None,
    catalog: Mapping[str, Block],
    draft: Plan,
) -> Plan:
    """The model's plan, or `draft` (the offline planner's) after two invalid answers."""
    provider, options, report, log = call.provider, call.options, call.report, call.log
    messages = _plan_messages(call.prompt, framework, name, catalog, draft, call.templates_path)
    response_format: Mapping[str, Any] | None = plan_response_format()
    problem = ""
    for attempt in (1, 2):
        try:
            text, done = await stream_text(
                provider,
                messages,
                options=options,
                report=report,
                log=log,
                response_format=response_format,
            )
        except ModelUnavailable:
            raise  # a 400 about the model id, not about the schema
        except ProviderError as error:
            if response_format is None or error.status != 400 or error.streamed:
                raise
            # A server or model without structured outputs: ask again, reading the JSON freely.
            response_format = None
            report("the server takes no JSON schema; asking for plain JSON")
            text, done = await stream_text(
                provider, messages, options=options, report=report, log=log
            )
        try:
            return parse_plan(text, framework=framework, name=name, catalog=catalog)
        except ValueError as exc:
            problem = str(exc)
            if done.finish_reason == "length":  # said first: the rest may be shortened
                limit = f"openv0.maxTokens = {options.max_tokens}"
                problem = f"cut at the token limit ({limit}): {problem}"
        if attempt == 1:
            report(f"the plan is invalid ({_short(problem)}); asking once more")
            messages += [
                ChatMessage("assistant", text),
                ChatMessage(
                    "user",
                    f"That plan is invalid: {problem}\nAnswer again with the corrected plan as "
                    "one JSON object.",
                ),
            ]
    log.notes.append(
        f"the model's plan was invalid twice ({_short(problem)}); used the offline planner"
    )
    return draft


def _plan_messages(
    prompt: str,
    framework: Framework,
    name: str | None,
    catalog: Mapping[str, Block],
    draft: Plan,
    templates_path: Path | None,
) -> list[ChatMessage]:
    system = render_prompt(
        "plan_system",
        templates_path,
        schema=plan_schema()[1],
        catalog=list(catalog.values()),
        framework=framework,
        name=name,
    )
    draft_json = draft.model_dump_json(indent=1)
    user = render_prompt("plan_user", templates_path, prompt=prompt, draft=draft_json)
    return [ChatMessage("system", system), ChatMessage("user", user)]


def parse_plan(
    text: str, *, framework: Framework, name: str | None, catalog: Mapping[str, Block]
) -> Plan:
    """A validated plan from a model's answer; `ValueError` saying what is wrong."""
    try:
        data = extract_json(text)
    except NoJSONFound as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(data, dict):
        raise ValueError("the answer is JSON but not an object")
    data["framework"] = framework  # the user's choice, not the model's
    if name:
        data["name"] = name
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_validation_summary(exc)) from None
    unknown = sorted({s.block for s in plan.sections if s.block not in catalog})
    if unknown:
        raise ValueError(
            f"unknown block(s) {', '.join(unknown)}; use only: {', '.join(sorted(catalog))}"
        )
    return plan


def _validation_summary(error: ValidationError, limit: int = 5) -> str:
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "the plan"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- enhance and repair ----------------------------------------------------------------------


def _system(framework: Framework, name: str, templates_path: Path | None) -> ChatMessage:
    return ChatMessage(
        "system", render_prompt("enhance_system", templates_path, framework=framework, name=name)
    )


async def enhance_with_model(
    call: ModelCall,
    *,
    plan: Plan,
    scaffold: str,
    on_partial: Callable[[PartialCode], None] | None = None,
    on_code: Callable[[str], None] | None = None,
) -> str:
    """The finished component's code; `NoCodeFound` if the answer holds none. `on_partial`
    sees the code streamed so far, now and then, for a preview that follows the stream;
    `on_code` is told the code as soon as the fence holding it closes, while the model may
    still write prose after it (the final code is the same unless the model writes more code)."""
    messages = _enhance_messages(call.prompt, plan, scaffold, call.templates_path)
    told: str | None = None  # the code on_code was last told
    fences_seen = fences_when_told = 0  # fence markers seen in all, and when told

    def fence(text: str) -> None:
        nonlocal told, fences_seen, fences_when_told
        assert on_code is not None
        fences_seen += 1
        code = closed_code(text, plan.framework)
        if code is None:
            return
        fences_when_told = fences_seen
        if code != told:
            told = code
            on_code(code)

    def partial(sink: Callable[[PartialCode], None], text: str) -> None:
        def code_so_far() -> str | None:
            try:
                return extract_code(text, plan.framework)
            except NoCodeFound:
                return None

        sink(code_so_far)

    on_text = functools.partial(partial, on_partial) if on_partial is not None else None
    text, done = await stream_text(
        call.provider,
        messages,
        options=call.options,
        report=call.report,
        log=call.log,
        on_text=on_text,
        on_fence=fence if on_code is not None else None,
    )
    if told is not None and fences_seen == fences_when_told:
        return told  # no fence opened or closed since: the answer's code is the one told
    return _code_of(text, done, call.options, plan.framework)


def _enhance_messages(
    prompt: str, plan: Plan, scaffold: str, templates_path: Path | None
) -> list[ChatMessage]:
    user = render_prompt(
        "enhance_user",
        templates_path,
        prompt=prompt,
        plan=plan.model_dump_json(indent=1, exclude_defaults=True),
        scaffold=scaffold.rstrip("\n"),
        framework=plan.framework,
    )
    return [_system(plan.framework, plan.name, templates_path), ChatMessage("user", user)]


async def repair_with_model(
    call: ModelCall, *, plan: Plan, code: str, findings: Sequence[Finding]
) -> str:
    """The code with the findings fixed, as the model sees fit; `NoCodeFound` if none,
    `AnswerCutOff` if it is unfinished."""
    messages = _repair_messages(call.prompt, plan, code, findings, call.templates_path)
    text, done = await stream_text(
        call.provider, messages, options=call.options, report=call.report, log=call.log
    )
    return _code_of(text, done, call.options, plan.framework)


def _code_of(text: str, done: ChatDone, options: ModelOptions, framework: Framework) -> str:
    """The answer's code; `AnswerCutOff` if the model stopped before it was complete."""
    if done.finish_reason == "length":
        why = (
            f"it reached the token limit (openv0.maxTokens = {options.max_tokens}); raise "
            "openv0.maxTokens or ask for a smaller component"
        )
    elif done.finish_reason == "content_filter":
        why = "the provider's content filter stopped it"
    else:
        return extract_code(text, framework)
    code = closed_code(text, framework)  # the code is whole if its fence closed before the cut
    if code is None:
        raise AnswerCutOff(f"{done.model} stopped before the code was complete: {why}")
    return code


def _repair_messages(
    prompt: str, plan: Plan, code: str, findings: Sequence[Finding], templates_path: Path | None
) -> list[ChatMessage]:
    user = render_prompt(
        "repair_user",
        templates_path,
        prompt=prompt,
        code=code.rstrip("\n"),
        findings=findings,
        framework=plan.framework,
    )
    return [_system(plan.framework, plan.name, templates_path), ChatMessage("user", user)]
