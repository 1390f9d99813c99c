"""`openv0`: the generation pipeline for scripts and people, without an editor.

`openv0 generate "PROMPT"` runs the same pipeline as the language server and prints what it
wrote; `--json` prints one JSON object. `openv0 status` shows the configuration in force.
`openv0 preview` serves the live preview of a workspace's components until interrupted;
`openv0 setup` installs what the preview needs (once per machine; the preview does it on first
use otherwise). Exit status: 0 written, 1 failed, 2 bad arguments, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

from openv0_lsp import __version__
from openv0_lsp.commands import GenerateArguments, InvalidArguments, parse_arguments
from openv0_lsp.config import environment_layer, resolve_settings
from openv0_lsp.pipeline.generate import (
    GenerationError,
    GenerationRequest,
    GenerationResult,
    ProgressSink,
    generate_component,
    preflight,
)
from openv0_lsp.pipeline.write import WriteError
from openv0_lsp.providers.base import ProviderConfigError
from openv0_lsp.providers.select import ProviderChoice, choose_provider, make_provider
from openv0_lsp.status import check_key, check_models, status_report, unusable


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openv0", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"openv0 {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="generate a component from a prompt")
    gen.add_argument("prompt", help='what to build, e.g. "pricing section with three tiers"')
    gen.add_argument(
        "--workspace", type=Path, default=Path.cwd(), help="project folder (.); made if missing"
    )
    gen.add_argument("--framework", choices=["react", "html"], help="react (default) or html")
    gen.add_argument("--name", help="component name (PascalCase)")
    gen.add_argument("--path", help="file or folder to write, relative to the workspace")
    gen.add_argument("--overwrite", action="store_true", help="replace a file openv0 generated")
    gen.add_argument("--model", help="the model for this generation (default: openv0.model)")
    gen.add_argument("--force", action="store_true", help="ask the model again, not the cache")
    gen.add_argument("--json", action="store_true", help="print one JSON object")
    status = commands.add_parser("status", help="show the configuration in force")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    preview = commands.add_parser("preview", help="serve a live preview of the components")
    preview.add_argument("--workspace", type=Path, default=Path.cwd(), help="project folder (.)")
    preview.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    preview.add_argument("--open", action="store_true", help="open the preview in a browser")
    commands.add_parser("setup", help="install what the preview needs (Node packages)")
    return parser


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str, *, error: bool) -> None:
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(text, file=sys.stderr if error else sys.stdout)


def _fail(args: argparse.Namespace, message: str, exit_status: int) -> int:
    _emit(args, {"status": "failed", "message": message}, f"error: {message}", error=True)
    return exit_status


def _progress(quiet: bool) -> ProgressSink:
    def report(step: str, percentage: int, message: str) -> None:
        if not quiet:
            print(f"[{percentage:3d}%] {step}: {message}", file=sys.stderr)

    return report


def generate(args: argparse.Namespace) -> int:
    settings, problems = resolve_settings([("environment", environment_layer())])
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    raw = {
        key: value
        for key, value in {
            "prompt": args.prompt,
            "framework": args.framework,
            "name": args.name,
            "path": args.path,
            "overwrite": args.overwrite,
            "model": args.model,
            "force": args.force,
        }.items()
        if value is not None
    }
    try:
        arguments = parse_arguments(GenerateArguments, "generate", (raw,))
    except InvalidArguments as exc:
        return _fail(args, str(exc), 2)
    workspace = args.workspace.expanduser()
    if workspace.exists() and not workspace.is_dir():
        return _fail(args, f"workspace {workspace} is not a folder", 2)
    try:
        provider = make_provider(choose_provider(settings))
    except ProviderConfigError as exc:
        return _fail(args, str(exc), 1)
    request = GenerationRequest.from_arguments(
        arguments, workspaces=[workspace.resolve()], settings=settings, provider=provider
    )
    created = not workspace.exists()
    try:
        preflight(request)
        if created:  # a new project: the folder is made for the first file
            print(f"creating {workspace}", file=sys.stderr)
            workspace.mkdir(parents=True)
        result = asyncio.run(_generate(request, _progress(args.json)))
    except (WriteError, GenerationError, ValueError) as exc:
        _remove_if_empty(workspace, created)
        return _fail(args, str(exc), 1)
    except KeyboardInterrupt:
        _remove_if_empty(workspace, created)
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    _emit(args, result.to_json(), _describe(result), error=False)
    return 0


def _remove_if_empty(workspace: Path, created: bool) -> None:
    """A failed generation leaves no trace: not even the project folder it made."""
    if created:
        with contextlib.suppress(OSError):
            workspace.rmdir()


async def _generate(request: GenerationRequest, progress: ProgressSink) -> GenerationResult:
    try:
        return await generate_component(request, progress)
    finally:
        await request.provider.aclose()


def _describe(result: GenerationResult) -> str:
    lines = [f"{result.component}: {result.message}"]
    lines += [f"  {path}" for path in result.files]
    lines += [f"  note: {note}" for note in result.notes]
    lines += [
        f"  {f.severity} {f.line + 1}:{f.column + 1} {f.code}: {f.message}" for f in result.findings
    ]
    return "\n".join(lines)


def status(args: argparse.Namespace) -> int:
    settings, problems = resolve_settings([("environment", environment_layer())])
    choice = choose_provider(settings)
    payload = {
        **status_report(settings, choice, *asyncio.run(_checks(choice))),
        "problems": [str(p) for p in problems],
    }
    text = "\n".join(f"{k}: {v}" for k, v in payload.items())
    _emit(args, payload, text, error=False)
    return 0


async def _checks(choice: ProviderChoice) -> tuple[dict[str, Any], dict[str, Any]]:
    """The key check and the model check, side by side."""
    try:
        provider = make_provider(choice)
    except ProviderConfigError as exc:
        return unusable(choice, exc), {"state": "unchecked", "message": str(exc)}
    try:
        key_check, model_check = await asyncio.gather(
            check_key(provider, choice), check_models(provider, choice)
        )
        return key_check, model_check
    finally:
        await provider.aclose()


def preview(args: argparse.Namespace) -> int:
    from openv0_lsp.preview.toolchain import ToolchainError

    workspace = args.workspace.resolve()
    if not workspace.is_dir():
        print(f"openv0 preview: {workspace} is not a folder", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"openv0 preview: --port {args.port} is not a port", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve_preview(workspace, args.port, args.open))
    except KeyboardInterrupt:
        return 0
    except (ToolchainError, OSError) as exc:
        print(f"openv0 preview: {exc}", file=sys.stderr)
        return 1
    return 0


async def _serve_preview(workspace: Path, port: int, open_browser: bool) -> None:
    import webbrowser

    from openv0_lsp.preview.model import CompileError
    from openv0_lsp.preview.service import PreviewService

    def show_problems(path: Path, errors: list[CompileError], origin: str) -> None:
        for error in errors:
            where = f"{path}:{error.line}:{error.column}" if error.line else str(path)
            print(f"{where}: {origin} error: {error.message}", file=sys.stderr)

    service = PreviewService([workspace], on_problems=show_problems)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):  # also where a shell ignores SIGINT
        loop.add_signal_handler(signal_number, stop.set)
    try:
        url = await service.start(port=port)
        print(f"preview: {url}", flush=True)
        if open_browser:
            webbrowser.open(url)
        await stop.wait()
    finally:
        await service.close()


def setup(args: argparse.Namespace) -> int:
    from openv0_lsp.preview.toolchain import ToolchainError, ensure_toolchain

    try:
        toolchain = ensure_toolchain()
    except ToolchainError as exc:
        print(f"openv0 setup: {exc}", file=sys.stderr)
        return 1
    print(f"preview toolchain ready: {toolchain.root} (node {toolchain.node})")
    return 0


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler = {"generate": generate, "status": status, "preview": preview, "setup": setup}[
        args.command
    ]
    sys.exit(handler(args))


if __name__ == "__main__":
    main()
