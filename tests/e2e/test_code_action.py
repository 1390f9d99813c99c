"""On a selection describing UI, the lightbulb offers "Generate component from selection"."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from tests.e2e.conftest import open_session

TEXT = "export function App() {\n  // a login form with email and password\n  return null;\n}\n"


def _open(client: LanguageClient, path: Path) -> str:
    uri = from_fs_path(str(path))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="typescriptreact", version=1, text=TEXT
            )
        )
    )
    return uri


async def _actions(client: LanguageClient, uri: str, start: tuple[int, int], end: tuple[int, int]):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=start[0], character=start[1]),
                end=types.Position(line=end[0], character=end[1]),
            ),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )


async def test_a_selection_offers_generate_and_running_it_writes_the_component(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path)
    uri = _open(client, tmp_path / "App.tsx")

    [action] = await _actions(client, uri, (1, 2), (1, 41))
    assert action.title == "OpenV0: Generate component from selection"
    command = action.command
    assert command.command == "openv0.generate"
    assert list(command.arguments) == [{"prompt": "a login form with email and password"}]

    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert Path(result["files"][0]).name == "LoginForm.tsx"


async def test_an_empty_selection_offers_nothing(client: LanguageClient, tmp_path: Path):
    await open_session(client, tmp_path)
    uri = _open(client, tmp_path / "App.tsx")
    assert list(await _actions(client, uri, (1, 4), (1, 4))) == []


async def test_selection_columns_are_utf16_as_lsp_says(client: LanguageClient, tmp_path: Path):
    await open_session(client, tmp_path)
    uri = from_fs_path(str(tmp_path / "Emoji.tsx"))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="typescriptreact", version=1, text="// 🚀 a pricing table\n"
            )
        )
    )
    # "🚀" is two UTF-16 units: "a pricing table" starts at column 6, ends at 21
    [action] = await _actions(client, uri, (0, 6), (0, 21))
    assert list(action.command.arguments) == [{"prompt": "a pricing table"}]
