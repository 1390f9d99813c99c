"""The generation pipeline: plan → scaffold → enhance → validate (→ repair) → write.

With the offline provider the deterministic planner plans and the scaffold is the component;
with a model provider the model plans (the offline plan is its draft and its fallback),
enhances the scaffold into the final component and repairs validation errors at most twice
(`model_steps`). A model's answer is cached per request unless the request says `force`.

Plain inputs, a progress callback and asyncio cancellation: the language server, the CLI and
the tests all run this same coroutine. The offline planner, validation and all disk work run
in the worker thread (`worker`), so a server running several generations keeps answering
requests; rendering a template or reading a model's answer, shorter than a hop to that thread,
runs in place. Cancelling the task stops it at the next step boundary; the write, once begun
in the worker, is seen through, so a file is written whole or not at all, and a cancel never
lands half-way through it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from openv0_lsp.config import Settings
from openv0_lsp.loop_share import share_loop
from openv0_lsp.pipeline.catalog import Block, TemplatesError, load_catalog, template_file
from openv0_lsp.pipeline.framework import FRAMEWORKS, Framework
from openv0_lsp.pipeline.model_output import NoCodeFound
from openv0_lsp.pipeline.model_steps import (
    PROMPTS,
    AnswerCutOff,
    ModelCall,
    ModelLog,
    ModelOptions,
    PartialCode,
    enhance_with_model,
    plan_schema,
    plan_with_model,
    repair_with_model,
)
from openv0_lsp.pipeline.plan import Plan
from openv0_lsp.pipeline.plan_offline import plan_offline
from openv0_lsp.pipeline.scaffold import scaffold_component, template_environment
from openv0_lsp.pipeline.validate import Finding, validate_component
from openv0_lsp.pipeline.worker import in_worker, in_worker_to_the_end
from openv0_lsp.pipeline.write import (
    Target,
    WriteError,
    choose_target,
    content_hash,
    write_atomically,
)
from openv0_lsp.providers.base import ChatProvider, ProviderError
from openv0_lsp.providers.offline import OfflineProvider
from openv0_lsp.store import CachedAnswer, HistoryStore, new_generation_id
from openv0_lsp.templates_dir import templates_version

if TYPE_CHECKING:
    from openv0_lsp.commands import GenerateArguments

log = logging.getLogger(__name__)

# Each step, in order, with the percentage reached when it starts.
STEP_PERCENT = {
    "plan": 5,
    "scaffold": 25,
    "enhance": 30,
    "validate": 70,
    "repair": 75,
    "write": 90,
}
MAX_REPAIRS = 2


class ProgressSink(Protocol):
    def __call__(self, step: str, percentage: int, message: str) -> None: ...


class GenerationError(Exception):
    """A generation cannot run as asked; the message says what to change."""


@dataclass(frozen=True, kw_only=True)
class GenerationRequest:
    generation_id: str
    prompt: str
    workspaces: Sequence[Path]
    settings: Settings
    path: str | None = None
    name: str | None = None
    framework: Framework | None = None
    overwrite: bool = False
    provider: ChatProvider = field(default_factory=OfflineProvider)
    model: str | None = None  # this request's model, instead of the provider's
    force: bool = False  # ask the model even if the cache has an answer
    # Told of the code a model has streamed so far, with the file it will be written to.
    on_partial: Callable[[Path, PartialCode], None] | None = None

    @classmethod
    def from_arguments(
        cls,
        arguments: GenerateArguments,
        *,
        workspaces: Sequence[Path],
        settings: Settings,
        provider: ChatProvider | None = None,
        on_partial: Callable[[Path, PartialCode], None] | None = None,
    ) -> GenerationRequest:
        return cls(
            on_partial=on_partial,
            provider=provider or OfflineProvider(),
            model=arguments.model,
            force=arguments.force,
            generation_id=new_generation_id(),
            prompt=arguments.prompt,
            workspaces=workspaces,
            settings=settings,
            path=arguments.path,
            name=arguments.name,
            framework=arguments.framework,
            overwrite=arguments.overwrite,
        )


@dataclass(kw_only=True)
class GenerationResult:
    generation_id: str
    status: Literal["written", "cancelled", "failed"]
    message: str
    component: str | None = None
    files: list[Path] = field(default_factory=list)
    provider: str = "offline"
    model: str = "offline"
    ms: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    code: str = ""
    step_ms: dict[str, float] = field(default_factory=dict)
    tokens: int = 0  # completion tokens the model spent (0 offline)
    cached: bool = False  # answered from the cache
    notes: list[str] = field(default_factory=list)  # what the user should know (fallbacks...)

    def to_json(self) -> dict[str, Any]:
        """The outcome as the LSP command and `openv0 generate --json` return it."""
        return {
            "generationId": self.generation_id,
            "status": self.status,
            "message": self.message,
            "component": self.component,
            "files": [str(p) for p in self.files],
            "provider": self.provider,
            "model": self.model,
            "ms": self.ms,
            "stepMs": self.step_ms,
            "tokens": self.tokens,
            "cached": self.cached,
            "notes": self.notes,
            "diagnostics": [
                {
                    "line": f.line + 1,
                    "column": f.column + 1,
                    "severity": f.severity,
                    "code": f.code,
                    "message": f.message,
                }
                for f in self.findings
            ],
        }


def _framework(request: GenerationRequest) -> Framework:
    return request.framework or request.settings.framework


def _target(request: GenerationRequest, file_stem: str) -> Target:
    workspaces = list(request.workspaces)
    root = workspaces[0] if workspaces else Path.cwd()

    def generated_and_unchanged(workspace: Path, path: Path) -> bool:
        # the store of the folder the file is in: a multi-root workspace has one per folder
        record = HistoryStore(workspace).last_file_record(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        return record is not None and record.sha256 == content_hash(text)

    return choose_target(
        workspaces=workspaces,
        requested=request.path,
        output_dir=request.settings.output_dir_for(root),
        file_stem=file_stem,
        framework=_framework(request),
        overwrite=request.overwrite,
        is_generated_unchanged=generated_and_unchanged,
    )


def _partial_sink(
    request: GenerationRequest, component: str
) -> Callable[[PartialCode], None] | None:
    """Where the code streamed so far goes: the request's `on_partial`, with the file the
    component will most likely be written to (the disk may still change before the write)."""
    on_partial = request.on_partial
    if on_partial is None:
        return None
    try:
        path = _target(request, component).path
    except WriteError:
        return None  # the write will say why; nothing to preview meanwhile
    return lambda code: on_partial(path, code)


def preflight(request: GenerationRequest) -> None:
    """Reject what cannot work before any step runs (and before any model is paid for)."""
    if request.model and not request.provider.uses_model:
        raise GenerationError(
            f"model {request.model!r} was asked for, but the offline provider is in use: "
            "set openv0.provider and an API key to use a model"
        )
    _target(request, request.name or "Component")  # raises WriteError with the reason


def cache_key(request: GenerationRequest, templates_version: str) -> str:
    """The request as the cache knows it: never the key, always the templates in use."""
    provider = request.provider
    identity = {
        "prompt": request.prompt,
        "provider": provider.name,
        "baseUrl": str(getattr(provider, "base_url", "")),
        "model": request.model or provider.model,
        "fallbackModels": list(provider.fallback_models),
        "framework": _framework(request),
        "name": request.name,
        "templates": templates_version,
        "temperature": request.settings.temperature,
        "maxTokens": request.settings.max_tokens,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _look_up_and_draft(
    request: GenerationRequest, templates: Path | None, catalog: Mapping[str, Block]
) -> tuple[str | None, CachedAnswer | None, Plan | None]:
    """Everything before a model is asked, in one worker job: with a model, the request's
    cache key and the answer cached under it (none looked up with `force`); without a cached
    answer, the offline planner's plan (the model's draft, or the plan itself offline)."""
    key = None
    if request.provider.uses_model:
        key = cache_key(request, templates_version(templates))
        if not request.force:
            workspace = _target(request, request.name or "Component").workspace
            cached = HistoryStore(workspace).cached_answer(key)
            if cached is not None:
                return key, cached, None
    plan = plan_offline(
        request.prompt, framework=_framework(request), name=request.name, catalog=catalog
    )
    return key, None, plan


async def generate_component(
    request: GenerationRequest, progress: ProgressSink
) -> GenerationResult:
    """Run every step; raises asyncio.CancelledError if cancelled (nothing written then),
    `GenerationError` when the model cannot produce a component or a template is broken
    (nothing written either)."""
    try:
        return await _generate(request, progress)
    except ProviderError as error:
        raise GenerationError(str(error)) from None
    except NoCodeFound as error:
        raise GenerationError(f"the model answered without code: {error}") from None
    except AnswerCutOff as error:
        raise GenerationError(f"{error}. Nothing was written.") from None
    except TemplatesError as error:
        raise GenerationError(
            f"a template is broken: {error}\nFix it, or take it out of openv0.templatesPath."
        ) from None


async def _generate(request: GenerationRequest, progress: ProgressSink) -> GenerationResult:
    started = time.perf_counter()
    step_ms: dict[str, float] = {}
    delay = request.settings.step_delay_ms / 1000
    templates = request.settings.templates_override()
    framework = _framework(request)
    provider = request.provider
    log_ = ModelLog()
    options = ModelOptions(
        model=request.model,
        temperature=request.settings.temperature,
        max_tokens=request.settings.max_tokens,
    )
    current = {"step": "plan"}

    async def step(name: str, message: str) -> None:
        current["step"] = name
        progress(name, STEP_PERCENT[name], message)
        await asyncio.sleep(delay)  # a step boundary: where a cancel takes effect
        await share_loop()  # a hundred generations reaching a step together take turns
        step_ms[name] = time.perf_counter()

    def done(name: str) -> None:
        step_ms[name] = round((time.perf_counter() - step_ms[name]) * 1000, 2)

    def report(message: str) -> None:
        progress(current["step"], STEP_PERCENT[current["step"]], message)

    call = ModelCall(provider, request.prompt, templates, options, report, log_)
    early: _EarlyValidation | None = None  # validation begun while the model still writes
    planner = (request.model or provider.model) if provider.uses_model else "offline planner"
    await step("plan", f"reading the prompt ({planner})")
    catalog = load_catalog(templates)
    key, cached, draft = await in_worker(_look_up_and_draft, request, templates, catalog)

    if cached is not None:
        report(f"answered from the cache ({cached.model}); force: true asks again")
        component, code = cached.component, cached.code
        log_.answered_by = cached.model
        log_.notes.append("answered from the cache; use force: true to ask the model again")
        done("plan")
    else:
        assert draft is not None
        plan = draft
        if provider.uses_model:
            plan = await plan_with_model(
                call, framework=framework, name=request.name, catalog=catalog, draft=plan
            )
        done("plan")

        blocks = ", ".join(s.block for s in plan.sections)
        await step("scaffold", f"{plan.name} from {blocks}")
        # A template render takes less time than a hop to the worker and back: done in place.
        scaffold = scaffold_component(plan, templates_path=templates, catalog=catalog)
        done("scaffold")

        if provider.uses_model:
            await step("enhance", f"{log_.answered_by or provider.model} writes {plan.name}")
            early = _EarlyValidation(request, plan.name)
            try:
                code = await enhance_with_model(
                    call,
                    plan=plan,
                    scaffold=scaffold.code,
                    on_partial=_partial_sink(request, plan.name),
                    on_code=early.start,
                )
            except BaseException:
                early.cancel()
                raise
        else:
            await step("enhance", "offline: the template is the component (no model)")
            code = scaffold.code
        done("enhance")
        component = plan.name

    checked = await early.result_for(code) if early is not None else None
    target = checked[0] if checked else _target(request, component)
    await step("validate", f"parsing {target.path.name}")
    findings = checked[1] if checked else await _validate(request, code, target)
    done("validate")

    if provider.uses_model and cached is None:
        code, findings = await _repair(request, call, code, findings, plan, target, step, done)

    await step("write", str(target.path.relative_to(target.workspace)))
    model = log_.answered_by or provider.model
    # The disk, fsync and SQLite work runs off the event loop; once begun it is seen through.
    target, ms = await in_worker_to_the_end(
        _write_and_record,
        request,
        code,
        component,
        model=model,
        cache=key if cached is None and not _errors(findings) else None,
        meta={
            "component": component,
            "framework": framework,
            "provider": provider.name,
            "steps": step_ms,
            "tokens": log_.completion_tokens,
            "cached": cached is not None,
            "notes": log_.notes,
        },
        started=started,
    )
    done("write")
    relative = target.path.relative_to(target.workspace)
    problems = _errors(findings)
    message = f"wrote {relative} in {ms:.0f} ms" + (
        f" with {problems} validation problem(s)" if problems else ""
    )
    if provider.uses_model:
        message += f" (model {model})"
    if target.note:
        message += f" ({target.note})"
    return GenerationResult(
        generation_id=request.generation_id,
        status="written",
        message=message,
        component=component,
        files=[target.path],
        provider=provider.name,
        model=model,
        ms=ms,
        findings=findings,
        code=code,
        step_ms=step_ms,
        tokens=log_.completion_tokens,
        cached=cached is not None,
        notes=log_.notes,
    )


class _EarlyValidation:
    """The code validated as soon as the model closed the fence holding it, while the model
    still writes the prose after it; the findings stand if the final code is the same."""

    def __init__(self, request: GenerationRequest, component: str):
        self._request = request
        self._component = component
        self._code: str | None = None
        self._task: asyncio.Task[tuple[Target, list[Finding]]] | None = None

    def start(self, code: str) -> None:
        self.cancel()
        self._code = code
        self._task = asyncio.ensure_future(
            in_worker(_target_and_findings, self._request, code, self._component)
        )
        # An unused validation that failed (its target turned read-only...) must not be
        # reported as an error never retrieved: the validation after the stream meets it again.
        self._task.add_done_callback(lambda task: task.cancelled() or task.exception())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def result_for(self, code: str) -> tuple[Target, list[Finding]] | None:
        """The target and findings of the early validation if it was of `code`, else None."""
        task, self._task = self._task, None
        if task is None:
            return None
        if code != self._code:
            task.cancel()
            return None
        return await task


def _target_and_findings(
    request: GenerationRequest, code: str, component: str
) -> tuple[Target, list[Finding]]:
    target = _target(request, component)
    return target, _findings(request, code, target)


def _write_and_record(
    request: GenerationRequest,
    code: str,
    component: str,
    *,
    model: str,
    cache: str | None,
    meta: dict[str, Any],
    started: float,
) -> tuple[Target, float]:
    """Write the file, then record it (and, with `cache`, the answer) in the history store;
    the file written and the generation's time in ms, up to the write."""
    target = _target(request, component)  # the disk may have changed during the steps
    write_atomically(target, code)
    ms = round((time.perf_counter() - started) * 1000, 2)
    try:
        store = HistoryStore(target.workspace)
        store.record_generation(
            generation_id=request.generation_id,
            prompt=request.prompt,
            status="written",
            model=model,
            ms=ms,
            files={target.path: content_hash(code)},
            meta=meta,
        )
        if cache is not None:  # only an answer that passed validation is worth giving again
            store.store_answer(cache, CachedAnswer(model=model, component=component, code=code))
    except (OSError, sqlite3.Error) as exc:  # the file stands; only its history is missing
        log.warning("generation=%s history not recorded: %s", request.generation_id, exc)
    return target, ms


async def _validate(request: GenerationRequest, code: str, target: Target) -> list[Finding]:
    return await in_worker(_findings, request, code, target)


def _findings(request: GenerationRequest, code: str, target: Target) -> list[Finding]:
    return validate_component(
        code, framework=_framework(request), file_path=target.path, workspace_root=target.workspace
    )


def _errors(findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.severity == "error")


async def _repair(
    request: GenerationRequest,
    call: ModelCall,
    code: str,
    findings: list[Finding],
    plan: Plan,
    target: Target,
    step: Callable[[str, str], Awaitable[None]],
    done: Callable[[str], None],
) -> tuple[str, list[Finding]]:
    """Send validation errors back at most `MAX_REPAIRS` times; the best version wins."""
    best = (code, findings)
    for attempt in range(1, MAX_REPAIRS + 1):
        errors = [f for f in best[1] if f.severity == "error"]
        if not errors:
            break
        await step("repair", f"{len(errors)} problem(s); repair {attempt} of {MAX_REPAIRS}")
        try:
            repaired = await repair_with_model(call, plan=plan, code=best[0], findings=errors)
        except NoCodeFound:
            done("repair")
            call.log.notes.append("a repair answer held no code; kept the best version")
            return best
        except AnswerCutOff as error:
            done("repair")
            call.log.notes.append(f"repair {attempt}: {error}; kept the best version")
            return best
        repaired_findings = await _validate(request, repaired, target)
        done("repair")
        if _errors(repaired_findings) <= _errors(best[1]):
            best = (repaired, repaired_findings)
    if _errors(best[1]):
        call.log.notes.append(
            f"{_errors(best[1])} validation problem(s) left after {MAX_REPAIRS} repairs; "
            "written with their diagnostics"
        )
    return best


def warm_up(templates_path: Path | None = None) -> None:
    """Load the catalog, compile every template, the planner's patterns and the parsers once,
    ahead of first use."""
    catalog = load_catalog(templates_path)
    plan_offline("a pricing section", framework="react", name=None, catalog=catalog)
    environment = template_environment(templates_path)
    for block_id in catalog:
        for framework in FRAMEWORKS:
            environment.get_template(f"blocks/{block_id}/{template_file(framework)}")
    for prompt in PROMPTS:
        environment.get_template(f"prompts/{prompt}.j2")
    plan_schema()
    for framework in FRAMEWORKS:
        environment.get_template(f"component/{template_file(framework)}")
        validate_component(
            "export default function A() { return null; }\n" if framework == "react" else "<p></p>",
            framework=framework,
            file_path=Path("warm-up.tsx"),
            workspace_root=Path.cwd(),
        )
