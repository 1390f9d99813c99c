"""The openv0 language server object and its LSP handlers.

Handlers are short: parse the arguments, call into `openv0_lsp.pipeline`, turn the outcome into
LSP messages. Generations run as tasks of their own (see `jobs`), so the server keeps answering
while they run and `shutdown` can cancel and await them.

Start-up is kept to what `initialize` needs: pydantic (settings, arguments) and the pipeline
(jinja2, tree-sitter, the catalog) are imported after the `initialize` answer, in `initialized`
and on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from openv0_lsp import __version__
from openv0_lsp.server.checks import CheckCache
from openv0_lsp.server.diagnostics import DiagnosticsBook
from openv0_lsp.server.jobs import GenerationJobs
from openv0_lsp.server.loop_lag import LoopLagProbe
from openv0_lsp.server.progress import CLIENT_ANSWER_TIMEOUT, GenerationProgress
from openv0_lsp.server.protocol import OpenV0Protocol, execute_command_params

if TYPE_CHECKING:
    from openv0_lsp.config import Settings
    from openv0_lsp.pipeline.generate import GenerationRequest, GenerationResult
    from openv0_lsp.pipeline.model_steps import PartialCode
    from openv0_lsp.pipeline.validate import Finding
    from openv0_lsp.preview.model import CompileError
    from openv0_lsp.preview.service import PreviewService
    from openv0_lsp.providers.select import ProviderChoice, ProviderPool

log = logging.getLogger(__name__)

GENERATE = "openv0.generate"
STATUS = "openv0.status"
CANCEL = "openv0.cancel"
PREVIEW = "openv0.preview"
GENERATION_FINISHED = "openv0/generationFinished"
REQUEST_FAILED = -32803  # LSP's RequestFailed: valid arguments, but the work cannot be done


class OpenV0Server(LanguageServer):
    def __init__(self) -> None:
        super().__init__("openv0-lsp", __version__, protocol_cls=OpenV0Protocol)
        self.jobs = GenerationJobs()
        self._layers: dict[str, Any] = {}
        self._settings: Settings | None = None
        self._last_settings_message = ""
        self._providers: ProviderPool | None = None
        self._key_checks = CheckCache(self._check_key)
        self._model_checks = CheckCache(self._check_models)
        self.loop_lag = LoopLagProbe.from_environment()
        self.diagnostics = DiagnosticsBook(self.text_document_publish_diagnostics)
        self.preview: PreviewService | None = None  # started by the first openv0.preview
        # Set once `initialized` starts importing the heavy modules in a thread and asks the
        # client for its settings: a request awaits this instead of importing on (and blocking)
        # the event loop, or of reading the settings before the client's answer is in.
        self.started: asyncio.Future[Any] | None = None
        self.warmed_up = False  # the modules loaded, the templates compiled, the parsers primed
        assert isinstance(self.protocol, OpenV0Protocol)
        self.protocol.on_cancel_request = self.jobs.cancel_request
        self.openv0_protocol = self.protocol  # typed as ours

    # -- configuration ------------------------------------------------------------------------
    def set_settings_layer(self, source: str, layer: Any) -> None:
        """Keep a layer as sent; it is validated when the settings are next read."""
        self._layers[source] = layer
        self._settings = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = self._resolve_settings()
        return self._settings

    def _resolve_settings(self) -> Settings:
        from openv0_lsp.config import environment_layer, resolve_settings, section_of
        from openv0_lsp.redact import register_secret

        layers = [
            ("environment", environment_layer()),
            *(
                (source, section_of(self._layers.get(source)))
                for source in ("initializationOptions", "workspace/configuration")
            ),
        ]
        settings, problems = resolve_settings(layers)
        register_secret(settings.api_key_value())  # masked in every log line from now on
        message = "OpenV0 settings: " + "; ".join(str(p) for p in problems)
        if problems and message != self._last_settings_message:  # say it once, not per read
            self._last_settings_message = message
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=message,
                )
            )
        return settings

    async def fetch_workspace_configuration(self) -> None:
        workspace = self.client_capabilities.workspace
        if not (workspace and workspace.configuration):
            return
        try:
            values = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="openv0")])
                ),
                CLIENT_ANSWER_TIMEOUT,
            )
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        if values:
            self.set_settings_layer("workspace/configuration", values[0])

    # -- provider -----------------------------------------------------------------------------
    def provider_choice(self) -> ProviderChoice:
        from openv0_lsp.providers.select import choose_provider

        return choose_provider(self.settings)

    def providers(self) -> ProviderPool:
        """The live providers (one httpx client each, reused): `acquire` one for a choice,
        `release` it when done."""
        from openv0_lsp.providers.select import ProviderPool

        if self._providers is None:
            self._providers = ProviderPool()
        return self._providers

    def key_check(self) -> asyncio.Task[dict[str, Any]]:
        """The check of the key in force, started when the key (or provider) changes."""
        return self._key_checks.get(self.provider_choice())

    async def _check_key(self, choice: ProviderChoice) -> dict[str, Any]:
        from openv0_lsp.providers.base import ProviderConfigError
        from openv0_lsp.status import check_key, unusable

        try:
            provider = self.providers().acquire(choice)
        except ProviderConfigError as error:  # said now, not at the first generation
            _tell_user(self, str(error), level=types.MessageType.Warning)
            return unusable(choice, error)
        try:
            result = await check_key(provider, choice)
        finally:
            self.providers().release(provider)
        if result["state"] == "invalid":
            _tell_user(self, result["message"], level=types.MessageType.Warning)
        return result

    def model_check(self) -> asyncio.Task[dict[str, Any]]:
        """The check of the models in force, started when `openv0.status` first asks after the
        settings changed (a model list can be large: not fetched at every start)."""
        return self._model_checks.get(self.provider_choice())

    async def _check_models(self, choice: ProviderChoice) -> dict[str, Any]:
        from openv0_lsp.providers.base import ProviderConfigError
        from openv0_lsp.status import check_models

        try:
            provider = self.providers().acquire(choice)
        except ProviderConfigError as error:  # the key check tells the user
            return {"state": "unchecked", "message": str(error)}
        try:
            return await check_models(provider, choice)
        finally:
            self.providers().release(provider)

    async def ready(self) -> None:
        """Until the modules are loaded and the client has answered for its settings."""
        if self.started is not None:
            with contextlib.suppress(Exception):  # an import error surfaces where it is used
                await asyncio.shield(self.started)

    async def close_providers(self) -> None:
        if self._providers is not None:
            await self._providers.aclose()

    # -- workspace ----------------------------------------------------------------------------
    def workspace_paths(self) -> list[Path]:
        uris = list(self.workspace.folders) or (
            [self.workspace.root_uri] if self.workspace.root_uri else []
        )
        paths = [to_fs_path(uri) for uri in uris]
        return [Path(p) for p in paths if p]

    # -- preview ------------------------------------------------------------------------------
    async def start_preview(self) -> PreviewService:
        """The running preview, started (and its toolchain installed) on first use."""
        from openv0_lsp.preview.service import PreviewService

        if self.preview is None:
            workspaces = self.workspace_paths()
            self.preview = PreviewService(workspaces, on_problems=self._preview_problems)
        try:
            await self.preview.start()
        except BaseException:
            preview, self.preview = self.preview, None
            await preview.close()
            raise
        for document in list(self.workspace.text_documents.values()):
            path = to_fs_path(document.uri)
            if path:
                self.preview.update(Path(path), document.source)
        return self.preview

    def running_preview(self) -> PreviewService | None:
        """The preview if it has started (and not failed to), else None."""
        return self.preview if self.preview is not None and self.preview.url else None

    def preview_change(self, uri: str, text: str | None = None) -> None:
        """A component's text changed (an open buffer, a save, a generation's write)."""
        path = to_fs_path(uri)
        preview = self.running_preview()
        if preview is None or not path:
            return
        if text is None:
            text = self.workspace.get_text_document(uri).source
        preview.update(Path(path), text)

    def preview_partial(self, path: Path, code_so_far: PartialCode) -> None:
        """A model is still writing `path`: show what it has so far, if it compiles."""
        preview = self.running_preview()
        if preview is not None and (code := code_so_far()) is not None:
            preview.update(path, code, partial=True)

    def _preview_problems(self, path: Path, errors: list[CompileError], origin: str) -> None:
        uri = from_fs_path(str(path))
        if not uri:
            return
        if origin == "compile":  # a new build: the last one's runtime errors are gone with it
            self.diagnostics.set(uri, "preview-runtime", [])
        self.diagnostics.set(uri, f"preview-{origin}", [_preview_diagnostic(e) for e in errors])

    def supports_show_document(self) -> bool:
        window = self.client_capabilities.window
        return bool(window and window.show_document and window.show_document.support)


server = OpenV0Server()


@server.feature(types.INITIALIZE)
def on_initialize(ls: OpenV0Server, params: types.InitializeParams) -> None:
    ls.set_settings_layer("initializationOptions", params.initialization_options)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: OpenV0Server, params: types.InitializedParams) -> None:
    # Everything heavy loads in the background, off the start-up path and off the event loop:
    # `initialize` is answered fast, and requests are answered while the modules load (an
    # import on the loop's thread held it for up to two seconds).
    if ls.loop_lag is not None:
        ls.loop_lag.start()
    loop = asyncio.get_running_loop()
    ls.started = asyncio.gather(
        ls.fetch_workspace_configuration(), loop.run_in_executor(None, _import_modules)
    )
    await ls.started
    templates = ls.settings.templates_override()  # validated now: a bad value is named at once
    ls.key_check()
    await loop.run_in_executor(None, _warm_up, templates)
    ls.warmed_up = True


def _import_modules() -> None:
    """What settings, providers and generations need, imported in a thread."""
    import openv0_lsp.pipeline.generate
    import openv0_lsp.providers.openai_compat
    import openv0_lsp.providers.select
    import openv0_lsp.status  # noqa: F401


def _warm_up(templates_path: Path | None) -> None:
    try:
        from openv0_lsp.pipeline.generate import warm_up

        warm_up(templates_path)
        gc.freeze()  # start-up objects never die: keep them out of every later collection
    except Exception:  # a broken template folder is reported when a generation uses it
        log.warning("warm-up failed", exc_info=True)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration_changed(
    ls: OpenV0Server, params: types.DidChangeConfigurationParams
) -> None:
    pushed = params.settings if isinstance(params.settings, dict) else None
    if pushed:  # some clients push the settings, others expect to be asked
        ls.set_settings_layer("workspace/configuration", pushed)
    else:
        await ls.fetch_workspace_configuration()
    ls.key_check()  # validates the settings now (a bad value is named) and checks a new key


@server.feature(types.SHUTDOWN)
async def on_shutdown(ls: OpenV0Server, *args: Any) -> None:
    await ls.jobs.cancel_all()
    await ls.close_providers()
    if ls.preview is not None:
        await ls.preview.close()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def on_did_open(ls: OpenV0Server, params: types.DidOpenTextDocumentParams) -> None:
    ls.preview_change(params.text_document.uri, params.text_document.text)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_did_change(ls: OpenV0Server, params: types.DidChangeTextDocumentParams) -> None:
    ls.preview_change(params.text_document.uri)  # unsaved text: the workspace applied it


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def on_did_save(ls: OpenV0Server, params: types.DidSaveTextDocumentParams) -> None:
    ls.preview_change(params.text_document.uri, params.text)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite]),
)
def on_code_action(ls: OpenV0Server, params: types.CodeActionParams) -> list[types.CodeAction]:
    """Cheap by design: the model is only called when an action is executed."""
    from openv0_lsp.commands import MAX_PROMPT_CHARS

    selection = params.range
    if selection.start == selection.end:
        return []
    document = ls.workspace.get_text_document(params.text_document.uri)
    start, end = (document.offset_at_position(p) for p in (selection.start, selection.end))
    prompt = document.source[start:end].strip().strip("/*{}#-").strip()
    if not prompt:
        return []
    return [
        types.CodeAction(
            title="OpenV0: Generate component from selection",
            kind=types.CodeActionKind.RefactorRewrite,
            command=types.Command(
                title="OpenV0: Generate component from selection",
                command=GENERATE,
                arguments=[{"prompt": prompt[:MAX_PROMPT_CHARS]}],
            ),
        )
    ]


def _tell_user(
    ls: OpenV0Server, message: str, *, level: types.MessageType = types.MessageType.Error
) -> None:
    """A `window/showMessage`: an error by default, a warning or a note when said so."""
    ls.window_show_message(types.ShowMessageParams(type=level, message=f"OpenV0: {message}"))


def _invalid(message: str, *, show: OpenV0Server | None = None) -> JsonRpcException:
    if show is not None:
        _tell_user(show, message)
    return JsonRpcInvalidParams(message=message)


@server.command(GENERATE)
async def generate(ls: OpenV0Server, *args: Any) -> dict[str, Any]:
    await ls.ready()
    from openv0_lsp.commands import GenerateArguments, InvalidArguments, parse_arguments

    try:
        arguments = parse_arguments(GenerateArguments, GENERATE, args)
    except InvalidArguments as exc:
        raise _invalid(str(exc)) from exc
    from openv0_lsp.pipeline.generate import GenerationError, GenerationRequest, preflight
    from openv0_lsp.pipeline.write import WriteError
    from openv0_lsp.providers.base import ProviderConfigError

    try:
        provider = ls.providers().acquire(ls.provider_choice())  # released when the job ends
        try:
            request = GenerationRequest.from_arguments(
                arguments,
                workspaces=ls.workspace_paths(),
                settings=ls.settings,
                provider=provider,
                # the code streamed so far, for a preview running when the generation starts
                on_partial=ls.preview_partial if ls.running_preview() is not None else None,
            )
            preflight(request)
        except BaseException:
            ls.providers().release(provider)
            raise
    except WriteError as exc:
        raise _invalid(str(exc), show=ls) from exc
    except (GenerationError, ProviderConfigError) as exc:
        _tell_user(ls, str(exc))
        raise JsonRpcException(message=str(exc), code=REQUEST_FAILED) from exc
    generation_id = request.generation_id

    params = execute_command_params.get()
    progress = GenerationProgress(
        ls,
        title="OpenV0: Generate",
        client_token=params.work_done_token if params else None,
        on_cancel=partial(ls.jobs.cancel, generation_id),
    )
    # The client waiting for the answer gets it as soon as the file is written; diagnostics,
    # the document shown and the `generationFinished` notification follow it.
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    answer_id = ls.protocol.msg_id if arguments.wait else None
    task = ls.jobs.start(
        generation_id, ls.protocol.msg_id, _run(ls, request, progress, answer, answer_id)
    )
    task.add_done_callback(lambda _: ls.providers().release(provider))  # however it ends
    if not arguments.wait:
        return {"generationId": generation_id, "status": "running"}
    try:
        return await asyncio.shield(answer)
    except asyncio.CancelledError:  # the request itself was dropped (shutdown): answer anyway
        task.cancel()
        return {"generationId": generation_id, "status": "cancelled", "message": "cancelled"}


async def _run(
    ls: OpenV0Server,
    request: GenerationRequest,
    progress: GenerationProgress,
    answer: asyncio.Future[dict[str, Any]],
    answer_id: Any,
) -> dict[str, Any]:
    """The generation's whole life: the pipeline, the answer (set on `answer`), then what
    follows it, after the response to request `answer_id` has gone (None: nobody waits)."""
    try:
        result = await _outcome(request, progress)
        payload = _answer(ls, request, result, progress)
    except BaseException as exc:  # an internal failure, or a cancel (shutdown) after the write
        if answer.done():
            pass
        elif isinstance(exc, asyncio.CancelledError):
            answer.cancel()
        else:
            answer.set_exception(exc)
        raise
    answered = asyncio.Event()
    if answer_id is None:
        answered.set()
    else:
        ls.openv0_protocol.after_response(answer_id, answered.set)
    answer.set_result(payload)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(answered.wait(), CLIENT_ANSWER_TIMEOUT)
    await _announce(ls, result, payload)
    return payload


async def _outcome(request: GenerationRequest, progress: GenerationProgress) -> GenerationResult:
    """The pipeline's result; a failure or a cancel becomes a result saying so."""
    from openv0_lsp.pipeline.generate import (
        GenerationError,
        GenerationResult,
        generate_component,
    )
    from openv0_lsp.pipeline.write import WriteError

    started = time.perf_counter()
    log.info(
        "generation=%s event=started prompt_chars=%d", request.generation_id, len(request.prompt)
    )
    try:
        await progress.begin(request.generation_id, request.prompt[:80])
        result = await generate_component(request, progress)
    except asyncio.CancelledError:
        result = GenerationResult(
            generation_id=request.generation_id,
            status="cancelled",
            message="cancelled: nothing was written",
        )
    except (WriteError, GenerationError, ValueError) as exc:
        result = GenerationResult(
            generation_id=request.generation_id, status="failed", message=str(exc)
        )
    except Exception as exc:  # one failed generation never takes the server down
        log.exception("generation %s failed", request.generation_id)
        result = GenerationResult(
            generation_id=request.generation_id,
            status="failed",
            message=f"internal error: {type(exc).__name__}: {exc}",
        )
    result.ms = result.ms or round((time.perf_counter() - started) * 1000, 2)
    return result


def _answer(
    ls: OpenV0Server,
    request: GenerationRequest,
    result: GenerationResult,
    progress: GenerationProgress,
) -> dict[str, Any]:
    """The command's answer; the progress ends first (a token the client sent is valid only
    until the response) and the preview gets the new code."""
    ls.jobs.mark_finishing(request.generation_id)
    log.info(
        "generation=%s event=finished status=%s ms=%.1f steps=%s",
        request.generation_id,
        result.status,
        result.ms,
        result.step_ms,
    )
    progress.end(result.message)
    payload = _result_payload(result)
    if result.status == "written" and (preview := ls.running_preview()) is not None:
        ls.preview_change(payload["uri"], result.code)
        payload["previewUrl"] = preview.component_url(result.files[0])
    return payload


async def _announce(ls: OpenV0Server, result: GenerationResult, payload: dict[str, Any]) -> None:
    """What follows the answer: messages for the user, diagnostics, the file shown, and
    `generationFinished` for clients that did not wait."""
    if result.status == "failed":
        _tell_user(ls, result.message)
    elif result.notes:
        _tell_user(ls, "; ".join(result.notes), level=types.MessageType.Info)
    if result.status == "written":
        ls.diagnostics.set(payload["uri"], "validation", _diagnostics(result.findings))
        if ls.supports_show_document():
            await _show_document(ls, payload["uri"])
    ls.protocol.notify(GENERATION_FINISHED, payload)


async def _show_document(ls: OpenV0Server, uri: str) -> None:
    try:
        await asyncio.wait_for(
            ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=True)),
            CLIENT_ANSWER_TIMEOUT,
        )
    except (Exception, asyncio.CancelledError) as exc:
        # The file is written and stays written: a client that cannot open it, or a shutdown
        # meanwhile, does not turn the outcome into a cancel.
        log.warning("showDocument failed: %r", exc)


def _result_payload(result: GenerationResult) -> dict[str, Any]:
    payload = result.to_json()
    payload["previewUrl"] = None
    if result.files:
        payload["uri"] = from_fs_path(str(result.files[0]))
    return payload


def _preview_diagnostic(error: CompileError) -> types.Diagnostic:
    line, column = max(error.line - 1, 0), max(error.column - 1, 0)
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=line, character=column),
            end=types.Position(line=line, character=column + 1),
        ),
        message=f"preview: {error.message}",
        severity=types.DiagnosticSeverity.Error,
        source="openv0-preview",
    )


def _diagnostics(findings: list[Finding]) -> list[types.Diagnostic]:
    severity = {
        "error": types.DiagnosticSeverity.Error,
        "warning": types.DiagnosticSeverity.Warning,
    }
    return [
        types.Diagnostic(
            range=types.Range(
                start=types.Position(line=f.line, character=f.column),
                end=types.Position(line=f.end_line, character=f.end_column),
            ),
            message=f.message,
            severity=severity[f.severity],
            source="openv0",
            code=f.code,
        )
        for f in findings
    ]


@server.command(STATUS)
async def status(ls: OpenV0Server, *args: Any) -> dict[str, Any]:
    await ls.ready()
    from openv0_lsp.commands import InvalidArguments, NoArguments, parse_arguments

    try:
        parse_arguments(NoArguments, STATUS, args)
    except InvalidArguments as exc:
        raise _invalid(str(exc)) from exc
    from openv0_lsp.status import status_report

    checks = {"key": ls.key_check(), "model": ls.model_check()}
    await asyncio.wait(checks.values(), timeout=CLIENT_ANSWER_TIMEOUT)  # never cancels them
    key_check, model_check = (
        c.result()
        if c.done()
        else {"state": "checking", "message": f"the {name} check has not answered yet"}
        for name, c in checks.items()
    )
    return {
        **status_report(ls.settings, ls.provider_choice(), key_check, model_check),
        "previewUrl": ls.preview.url if ls.preview is not None else None,
        "workspaceFolders": [str(p) for p in ls.workspace_paths()],
        "runningGenerations": len(ls.jobs),
        "warmedUp": ls.warmed_up,  # until then, a generation also waits for what loads
        **({"eventLoop": ls.loop_lag.report_and_reset()} if ls.loop_lag is not None else {}),
    }


@server.command(PREVIEW)
async def preview(ls: OpenV0Server, *args: Any) -> dict[str, Any]:
    await ls.ready()
    from openv0_lsp.commands import InvalidArguments, PreviewArguments, parse_arguments
    from openv0_lsp.preview.toolchain import ToolchainError

    try:
        arguments = parse_arguments(PreviewArguments, PREVIEW, args)
    except InvalidArguments as exc:
        raise _invalid(str(exc)) from exc
    path = Path(to_fs_path(arguments.uri) or "") if arguments.uri else None
    if not ls.workspace_paths():
        raise _invalid(f"{PREVIEW}: open a workspace folder first", show=ls)
    try:
        service = await ls.start_preview()
    except ToolchainError as exc:
        _tell_user(ls, f"the preview cannot start: {exc}")
        raise JsonRpcException(message=str(exc), code=REQUEST_FAILED) from exc
    url = (service.component_url(path) if path else None) or service.url
    assert url is not None
    if ls.supports_show_document():
        try:
            await asyncio.wait_for(
                ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True)),
                CLIENT_ANSWER_TIMEOUT,
            )
        except Exception as exc:
            log.warning("showDocument of the preview failed: %r", exc)
            _tell_user(ls, f"preview: {url}", level=types.MessageType.Info)
    else:
        _tell_user(ls, f"preview: {url}", level=types.MessageType.Info)
    return {"url": url}


@server.command(CANCEL)
def cancel(ls: OpenV0Server, *args: Any) -> dict[str, Any]:
    raw = args[0] if args else None
    if not isinstance(raw, dict) or not isinstance(raw.get("generationId"), str):
        raise _invalid(f"{CANCEL}: 'generationId': a string is required")
    return {"cancelled": ls.jobs.cancel(raw["generationId"])}
