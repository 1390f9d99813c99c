"""Bad input gets an error that names the problem, writes nothing, and the server keeps serving."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import open_session, snapshot

GOOD = "a contact form"


OUTSIDE = "<outside>"  # replaced by a real folder beside the workspace
CASES: list[tuple[str, Any, str]] = [
    ("missing prompt", {}, "'prompt': Field required"),
    ("empty prompt", {"prompt": ""}, "'prompt'"),
    ("blank prompt", {"prompt": "   \n "}, "prompt is empty"),
    ("oversized prompt", {"prompt": "x" * 8001}, "'prompt': String should have at most"),
    ("prompt of the wrong type", {"prompt": 42}, "'prompt': Input should be a valid string"),
    ("unknown framework", {"prompt": GOOD, "framework": "vue"}, "'framework'"),
    ("overwrite not a boolean", {"prompt": GOOD, "overwrite": [1]}, "'overwrite'"),
    ("unknown field", {"prompt": GOOD, "colour": "red"}, "'colour': unknown field"),
    ("not an object", "a contact form", "takes one JSON object, got str"),
    ("bad component name", {"prompt": GOOD, "name": "my form!"}, "is not a component name"),
    ("lower-case name", {"prompt": GOOD, "name": "contact"}, "PascalCase"),
    ("path with ..", {"prompt": GOOD, "path": "../elsewhere/X.tsx"}, "must not contain '..'"),
    (
        "absolute path outside",
        {"prompt": GOOD, "path": f"{OUTSIDE}/X.tsx"},
        "outside the workspace folders",
    ),
    ("wrong extension", {"prompt": GOOD, "path": "components/X.py"}, "extension '.py'"),
    ("symlink leading out", {"prompt": GOOD, "path": "escape/X.tsx"}, "through a symlink"),
]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "escape").symlink_to(outside, target_is_directory=True)
    return root


@pytest.mark.parametrize(
    ("arguments", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_arguments_are_a_clear_error_and_change_nothing(
    client: LanguageClient, workspace: Path, arguments: Any, expected: str
):
    if isinstance(arguments, dict) and OUTSIDE in arguments.get("path", ""):
        arguments = {
            **arguments,
            "path": arguments["path"].replace(OUTSIDE, str(workspace.parent / "outside")),
        }
    await open_session(client, workspace)
    before = snapshot(workspace.parent)

    with pytest.raises(JsonRpcException) as error:
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.generate", arguments=[arguments])
        )
    assert error.value.code == -32602
    assert expected in error.value.message
    assert snapshot(workspace.parent) == before

    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": GOOD}])
    )
    assert result["status"] == "written"


async def test_two_arguments_instead_of_one_object(client: LanguageClient, workspace: Path):
    await open_session(client, workspace)
    with pytest.raises(JsonRpcException, match="takes one object argument, got 2"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": GOOD}, {}])
        )


async def test_a_read_only_output_folder_is_refused(client: LanguageClient, workspace: Path):
    components = workspace / "components"
    components.mkdir()
    os.chmod(components, 0o555)
    try:
        await open_session(client, workspace)
        before = snapshot(workspace)
        with pytest.raises(JsonRpcException, match="is read-only"):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": GOOD}])
            )
        assert snapshot(workspace) == before
        assert any("read-only" in m.message for m in client.messages)
    finally:
        os.chmod(components, 0o755)


async def test_no_workspace_folder_is_a_clear_error(client: LanguageClient):
    await open_session(client, None)
    with pytest.raises(JsonRpcException, match="no workspace folder is open"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.generate", arguments=[{"prompt": GOOD}])
        )
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status")
    )
    assert status["workspaceFolders"] == []


async def test_cancel_command_needs_a_generation_id(client: LanguageClient, workspace: Path):
    await open_session(client, workspace)
    with pytest.raises(JsonRpcException, match="'generationId'"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="openv0.cancel", arguments=[{}])
        )
    unknown = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.cancel", arguments=[{"generationId": "nope"}])
    )
    assert unknown == {"cancelled": False}
