"""The preview as the language server and the CLI run it: toolchain, compiler and server
started together on demand, and a build per component change.

On start every file openv0 generated in the workspace is built, so the gallery shows them. A
change (the pipeline's write, an editor's unsaved buffer, a save, another tool's write seen by
the folder watcher) is `update(path, text)`:
builds of one component run one at a time, a burst of changes is debounced to the latest text,
and every build is published to the pages. Compile errors and the pages' runtime errors go to
`on_problems` (the server turns them into diagnostics on the component's file).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from openv0_lsp.preview.compiler import Compiler
from openv0_lsp.preview.model import Build, CompileError
from openv0_lsp.preview.server import PreviewServer
from openv0_lsp.preview.toolchain import ensure_toolchain
from openv0_lsp.store import HistoryStore

log = logging.getLogger(__name__)

PREVIEWABLE = {".tsx": "react", ".jsx": "react", ".html": "html"}
DEBOUNCE = 0.001  # seconds: changes closer together than this make one build
# Where a Tailwind entry of the workspace's own usually lives, looked at in this order.
TAILWIND_ENTRIES = (
    "app/globals.css",
    "src/app/globals.css",
    "src/index.css",
    "src/styles/globals.css",
    "styles/globals.css",
    "src/globals.css",
    "globals.css",
    "index.css",
)

# (file, errors, origin): origin is "compile" or "runtime"; errors [] clears them.
ProblemSink = Callable[[Path, list[CompileError], str], None]


@dataclass
class _Component:
    path: Path
    workspace: Path
    kind: str
    version: int = 0
    text: str | None = None  # the latest text not yet built
    partial: bool = False  # that text is a model's answer still streaming
    last_text: str | None = None  # the latest text asked for: a watcher event with it is ours
    task: asyncio.Task[None] | None = None
    built: asyncio.Event = field(default_factory=asyncio.Event)


class PreviewService:
    def __init__(self, workspaces: list[Path], *, on_problems: ProblemSink | None = None):
        self.workspaces = [w.resolve() for w in workspaces]
        self._on_problems = on_problems
        self._components: dict[str, _Component] = {}
        self._compiler: Compiler | None = None
        self._server: PreviewServer | None = None
        self._starting: asyncio.Task[str] | None = None
        self._watching: asyncio.Task[None] | None = None

    # -- life ---------------------------------------------------------------------------------
    @property
    def url(self) -> str | None:
        return self._server.url if self._server is not None else None

    async def start(self, *, port: int = 0) -> str:
        """The gallery's URL; the first call installs what is missing (once per machine)."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start(port))
        return await asyncio.shield(self._starting)

    async def _start(self, port: int) -> str:
        toolchain = await asyncio.to_thread(ensure_toolchain)
        self._compiler = await Compiler.start(toolchain)
        self._server = PreviewServer(toolchain.vendor_dir, on_runtime_error=self._runtime_error)
        await self._server.start(port=port)
        log.info("preview at %s", self._server.url)
        generated: list[Path] = []
        for workspace in self.workspaces:
            for path in await asyncio.to_thread(HistoryStore(workspace).generated_files):
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    if self.update(path, path.read_text(encoding="utf-8")):
                        generated.append(path)
        await asyncio.gather(*(self.built(path) for path in generated))  # the gallery is full
        self._watching = asyncio.ensure_future(self._watch())
        return self._server.url

    async def close(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
        for component in self._components.values():
            if component.task is not None:
                component.task.cancel()
        if self._server is not None:
            await self._server.close()
        if self._compiler is not None:
            await self._compiler.close()

    # -- components ---------------------------------------------------------------------------
    def component_id(self, path: Path) -> str | None:
        """The id of a previewable file inside a workspace folder, else None."""
        found = self._locate(path)
        return found[1] if found else None

    def _locate(self, path: Path) -> tuple[Path, str] | None:
        """The workspace folder holding a previewable file, and the file's id in it."""
        if path.suffix.lower() not in PREVIEWABLE:
            return None
        resolved = path.resolve()
        for workspace in self.workspaces:
            if resolved.is_relative_to(workspace):
                return workspace, resolved.relative_to(workspace).as_posix()
        return None

    def component_url(self, path: Path) -> str | None:
        component = self.component_id(path)
        if component is None or self._server is None:
            return None
        return self._server.component_url(component)

    def update(self, path: Path, text: str, *, partial: bool = False) -> str | None:
        """Build `text` as the component at `path` soon; its id, or None if not previewable.
        A `partial` text (a model still writing the file) is shown only if it compiles: no
        overlay and no diagnostics for code that is not finished yet."""
        found = self._locate(path)
        if found is None or self._server is None:
            return None
        workspace, component_id = found
        component = self._components.get(component_id)
        if component is None:
            kind = PREVIEWABLE[path.suffix.lower()]
            component = _Component(path.resolve(), workspace, kind)
            self._components[component_id] = component
        component.text = component.last_text = text
        component.partial = partial
        component.built.clear()
        if component.task is None or component.task.done():
            component.task = asyncio.ensure_future(self._build_latest(component_id, component))
        return component_id

    async def built(self, path: Path) -> Build | None:
        """Wait until the latest update of `path` is built; its build."""
        component_id = self.component_id(path)
        component = self._components.get(component_id or "")
        if component is None or self._server is None or component_id is None:
            return None
        await component.built.wait()
        return self._server.latest(component_id)

    async def _build_latest(self, component_id: str, component: _Component) -> None:
        assert self._compiler is not None and self._server is not None
        while component.text is not None:
            await asyncio.sleep(DEBOUNCE)
            text, component.text, partial = component.text, None, component.partial
            started = time.perf_counter()
            try:
                build = await self._build(component_id, component, text)
            except Exception as exc:  # the compiler restarts itself; the next change builds
                log.warning("preview build of %s failed: %s", component_id, exc)
                build = Build(
                    component_id,
                    component.version + 1,
                    "react" if component.kind == "react" else "html",
                    errors=(CompileError(f"the preview compiler failed: {exc}"),),
                )
            if partial and build.errors:
                continue  # unfinished code that does not compile yet: keep what is shown
            component.version = build.version
            await self._server.publish(build)
            if self._on_problems is not None and not partial:
                self._on_problems(component.path, list(build.errors), "compile")
            log.debug(
                "preview %s v%d in %.1f ms", component_id, build.version,
                (time.perf_counter() - started) * 1000,
            )  # fmt: skip
        component.built.set()

    async def _build(self, component_id: str, component: _Component, text: str) -> Build:
        assert self._compiler is not None
        entry, base = _tailwind_entry(component.workspace)
        result = await self._compiler.compile(
            text, filename=component.path.name, css_entry=entry, css_base=base
        )
        version = component.version + 1
        if component.kind == "html":
            return Build(component_id, version, "html", html=text, css=result.css,
                         errors=result.errors)  # fmt: skip
        return Build(
            component_id, version, "react", module=result.module, css=result.css,
            errors=result.errors,
        )  # fmt: skip

    async def _watch(self) -> None:
        """Edits made by other tools: the workspace folders are watched (a file's own watch
        dies with an atomic save); what the editor or the pipeline already sent is skipped."""
        import watchfiles

        def previewable(change: watchfiles.Change, name: str) -> bool:
            return Path(name).suffix.lower() in PREVIEWABLE and change != watchfiles.Change.deleted

        try:
            async for changes in watchfiles.awatch(
                *self.workspaces, watch_filter=previewable, debounce=50, step=2
            ):
                for _, name in changes:
                    path = Path(name)
                    try:
                        text = path.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError):
                        continue
                    component = self._components.get(self.component_id(path) or "")
                    if component is None or component.last_text != text:
                        self.update(path, text)
        except Exception as exc:  # no watcher: editor and pipeline changes still build
            log.warning("the preview's folder watcher stopped: %s", exc)

    def _runtime_error(self, component_id: str, message: str) -> None:
        component = self._components.get(component_id)
        if component is not None and self._on_problems is not None:
            self._on_problems(component.path, [CompileError(message)], "runtime")


def _tailwind_entry(workspace: Path) -> tuple[str | None, Path | None]:
    """The workspace's own Tailwind entry CSS (so the preview looks like the app), if any."""
    for relative in TAILWIND_ENTRIES:
        path = workspace / relative
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        if "tailwindcss" in text or "@theme" in text:
            return text, path.parent
    return None, None
