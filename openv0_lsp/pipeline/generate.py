"""The generation pipeline: plan → scaffold → enhance → validate → write.

Plain inputs, a progress callback and asyncio cancellation: the language server, the CLI and
the tests all run this same coroutine. The CPU-bound steps run in worker threads, so a server
running several generations keeps answering requests. Cancelling the task stops it at the next
step boundary; the write runs on the caller's thread with no await inside, so a file is written
whole or not at all, and a cancel never lands half-way through it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from openv0_lsp.config import Settings
from openv0_lsp.pipeline.catalog import load_catalog, template_file
from openv0_lsp.pipeline.framework import FRAMEWORKS, Framework
from openv0_lsp.pipeline.plan_offline import plan_offline
from openv0_lsp.pipeline.scaffold import scaffold_component, template_environment
from openv0_lsp.pipeline.validate import Finding, validate_component
from openv0_lsp.pipeline.write import Target, choose_target, content_hash, write_atomically
from openv0_lsp.store import HistoryStore, new_generation_id

if TYPE_CHECKING:
    from openv0_lsp.commands import GenerateArguments

log = logging.getLogger(__name__)
T = TypeVar("T")

# Each step, in order, with the percentage reached when it starts.
STEP_PERCENT = {"plan": 5, "scaffold": 25, "enhance": 45, "validate": 70, "write": 90}


# One worker for the CPU-bound steps of every generation: concurrent generations queue their
# steps instead of several threads fighting the event loop's thread for the GIL.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openv0-pipeline")


async def _in_worker(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKER, call)


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

    @classmethod
    def from_arguments(
        cls, arguments: GenerateArguments, *, workspaces: Sequence[Path], settings: Settings
    ) -> GenerationRequest:
        return cls(
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


def preflight(request: GenerationRequest) -> None:
    """Reject what cannot work before any step runs (and before any model is paid for)."""
    if request.settings.provider != "offline":
        raise GenerationError(
            f"provider {request.settings.provider!r} is not available in this version; "
            "set openv0.provider to 'offline'"
        )
    _target(request, request.name or "Component")  # raises WriteError with the reason


async def generate_component(
    request: GenerationRequest, progress: ProgressSink
) -> GenerationResult:
    """Run every step; raises asyncio.CancelledError if cancelled (nothing written then)."""
    started = time.perf_counter()
    step_ms: dict[str, float] = {}
    delay = request.settings.step_delay_ms / 1000
    templates = request.settings.templates_override()
    framework = _framework(request)

    async def step(name: str, message: str) -> None:
        progress(name, STEP_PERCENT[name], message)
        await asyncio.sleep(delay)  # a step boundary: where a cancel takes effect
        step_ms[name] = time.perf_counter()

    def done(name: str) -> None:
        step_ms[name] = round((time.perf_counter() - step_ms[name]) * 1000, 2)

    await step("plan", "reading the prompt (offline planner)")
    plan = await _in_worker(
        plan_offline,
        request.prompt,
        framework=framework,
        name=request.name,
        catalog=load_catalog(templates),
    )
    done("plan")

    blocks = ", ".join(s.block for s in plan.sections)
    await step("scaffold", f"{plan.name} from {blocks}")
    scaffold = await _in_worker(scaffold_component, plan, templates_path=templates)
    done("scaffold")

    await step("enhance", "offline: the template is the component (no model)")
    code = scaffold.code
    done("enhance")

    target = _target(request, plan.name)
    await step("validate", f"parsing {target.path.name}")
    findings = await _in_worker(
        validate_component,
        code,
        framework=framework,
        file_path=target.path,
        workspace_root=target.workspace,
    )
    done("validate")

    await step("write", str(target.path.relative_to(target.workspace)))
    target = _target(request, plan.name)  # the disk may have changed during the steps
    write_atomically(target, code)
    done("write")
    ms = round((time.perf_counter() - started) * 1000, 2)
    try:
        HistoryStore(target.workspace).record_generation(
            generation_id=request.generation_id,
            prompt=request.prompt,
            status="written",
            model="offline",
            ms=ms,
            files={target.path: content_hash(code)},
            meta={"component": plan.name, "framework": framework, "steps": step_ms},
        )
    except (OSError, sqlite3.Error) as exc:  # the file stands; only its history is missing
        log.warning("generation=%s history not recorded: %s", request.generation_id, exc)
    relative = target.path.relative_to(target.workspace)
    problems = sum(1 for f in findings if f.severity == "error")
    message = f"wrote {relative} in {ms:.0f} ms" + (
        f" with {problems} validation problem(s)" if problems else ""
    )
    if target.note:
        message += f" ({target.note})"
    return GenerationResult(
        generation_id=request.generation_id,
        status="written",
        message=message,
        component=plan.name,
        files=[target.path],
        ms=ms,
        findings=findings,
        code=code,
        step_ms=step_ms,
    )


def warm_up(templates_path: Path | None = None) -> None:
    """Load the catalog, compile every template and the parsers once, ahead of first use."""
    catalog = load_catalog(templates_path)
    environment = template_environment(templates_path)
    for block_id in catalog:
        for framework in FRAMEWORKS:
            environment.get_template(f"blocks/{block_id}/{template_file(framework)}")
    for framework in FRAMEWORKS:
        environment.get_template(f"component/{template_file(framework)}")
        validate_component(
            "export default function A() { return null; }\n" if framework == "react" else "<p></p>",
            framework=framework,
            file_path=Path("warm-up.tsx"),
            workspace_root=Path.cwd(),
        )
