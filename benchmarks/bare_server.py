"""The baseline for the benchmarks: a bare pygls 2.x language server with nothing of openv0.

It answers what `lsp_benchmark.py` asks of openv0-lsp, doing as little as pygls allows, so the
difference between the two is what openv0 adds (imports, settings, pipeline, store):

- `bare.noop` returns `{"ok": true}`;
- `bare.write` writes a small fixed file into the first workspace folder under a new name
  (`components/Bare<N>.tsx`) and returns `{"status": "written", "files": [...]}`, so that
  "executeCommand → file on disk" has a like-for-like floor;
- `textDocument/codeAction` returns one action on a non-empty selection, like openv0's.

Run it as `python benchmarks/bare_server.py` (stdio).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

NOOP = "bare.noop"
WRITE = "bare.write"
FIXED_COMPONENT = "export function Bare() {\n  return <section>bare</section>;\n}\n"

server = LanguageServer("bare-benchmark-server", "1.0")
_written = itertools.count(1)


@server.command(NOOP)
def noop(ls: LanguageServer, *args: Any) -> dict[str, Any]:
    return {"ok": True}


@server.command(WRITE)
def write(ls: LanguageServer, *args: Any) -> dict[str, Any]:
    folders = list(ls.workspace.folders) or [ls.workspace.root_uri]
    root = Path(to_fs_path(folders[0]) or ".")
    folder = root / "components"
    folder.mkdir(exist_ok=True)
    path = folder / f"Bare{next(_written)}.tsx"
    with open(path, "x", encoding="utf-8") as handle:  # a new file each time, like openv0
        handle.write(FIXED_COMPONENT)
    return {"status": "written", "files": [str(path)]}


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite]),
)
def code_action(ls: LanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    if params.range.start == params.range.end:
        return []
    return [
        types.CodeAction(
            title="Bare: an action",
            kind=types.CodeActionKind.RefactorRewrite,
            command=types.Command(title="Bare: an action", command=NOOP, arguments=[{}]),
        )
    ]


if __name__ == "__main__":
    server.start_io()
