"""A real openv0-lsp process driven by pytest-lsp, as the editors drive it.

`client` is a started server process; a test opens its session with `open_session`, choosing
the client profile (recorded capabilities of VS Code and Neovim, or a bare client that declares
no progress, no showDocument and no resource operations), the workspace and settings.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

import pytest_lsp
from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

PROFILES: dict[str, types.ClientCapabilities] = {
    "vscode": client_capabilities("visual-studio-code"),
    "neovim": client_capabilities("neovim@v0.7.0"),
    "bare": types.ClientCapabilities(),
}

# No setting or key of the machine running the tests leaks into the server under test.
SERVER_ENV = {
    k: v
    for k, v in os.environ.items()
    if not k.startswith("OPENV0_") and k not in ("OPENROUTER_API_KEY", "OPENAI_API_KEY")
}


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "openv0_lsp", "-v"], server_env=SERVER_ENV
    )
)
async def client(lsp_client: LanguageClient):
    _structure_code_actions(lsp_client)
    yield
    if lsp_client.capabilities is not None and lsp_client.error is None:
        await lsp_client.shutdown_session()


def _structure_code_actions(client: LanguageClient) -> None:
    """lsprotocol would read every code action carrying a `command` as a plain Command."""
    converter = client.protocol._converter

    def structure(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007


async def open_session(
    client: LanguageClient,
    workspace: Path | None,
    profile: str = "vscode",
    options: dict[str, Any] | None = None,
) -> None:
    folders = (
        [types.WorkspaceFolder(uri=from_fs_path(str(workspace)), name=workspace.name)]
        if workspace
        else None
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=PROFILES[profile],
            workspace_folders=folders,
            root_uri=from_fs_path(str(workspace)) if workspace else None,
            initialization_options={"openv0": options} if options else None,
        )
    )


async def generate(client: LanguageClient, **arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.generate", arguments=[arguments])
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file and folder under `folder`, to prove that nothing changed."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(folder.rglob("*"))
    }


async def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


BADGE_REACT = """type {{ fn }}Props = { label?: string };

function {{ fn }}({ label = {{ section.heading | tojson }} }: {{ fn }}Props) {
  return (
    <div className="flex items-center gap-2">
      <img src="/avatar.png" className="h-6 w-6 rounded-full" />
      <span>{label}</span>
    </div>
  );
}
"""
BADGE_HTML = '<div class="flex"><img src="/avatar.png"><span>{{ section.heading }}</span></div>\n'


def avatar_badge_templates(root: Path, heading: str = "Ada Lovelace") -> Path:
    """A templatesPath folder `root` with one block of the user's own, `avatarbadge`."""
    block = root / "blocks" / "avatarbadge"
    block.mkdir(parents=True, exist_ok=True)
    (block / "block.json").write_text(
        json.dumps(
            {
                "title": "Avatar badge",
                "keywords": ["avatar badge"],
                "componentName": "AvatarBadge",
                "defaults": {"heading": heading},
            }
        )
    )
    (block / "react.tsx.j2").write_text(BADGE_REACT)
    (block / "html.html.j2").write_text(BADGE_HTML)
    return root
