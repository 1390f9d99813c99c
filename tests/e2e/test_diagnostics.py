"""Validation findings land as diagnostics on the written file."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from tests.e2e.conftest import avatar_badge_templates, generate, open_session, wait_until


async def test_a_finding_becomes_a_diagnostic_on_the_written_file(
    client: LanguageClient, tmp_path: Path
):
    templates = avatar_badge_templates(tmp_path / "my-templates")
    workspace = tmp_path / "app"
    workspace.mkdir()
    await open_session(client, workspace, options={"templatesPath": str(templates)})

    result = await generate(client, prompt="an avatar badge")

    assert result["status"] == "written"
    assert result["component"] == "AvatarBadge"
    [finding] = result["diagnostics"]
    assert finding["code"] == "img-alt" and finding["severity"] == "warning"
    uri = from_fs_path(result["files"][0])
    await wait_until(lambda: client.diagnostics.get(uri))
    [diagnostic] = client.diagnostics[uri]
    assert diagnostic.source == "openv0"
    assert diagnostic.code == "img-alt"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    line = Path(result["files"][0]).read_text().splitlines()[diagnostic.range.start.line]
    assert "<img" in line
