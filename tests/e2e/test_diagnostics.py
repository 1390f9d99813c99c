"""Validation findings land as diagnostics on the written file; templatesPath adds blocks."""

from __future__ import annotations

import json
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient

from tests.e2e.conftest import generate, open_session, wait_until

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


def _templates(root: Path) -> Path:
    block = root / "blocks" / "avatarbadge"
    block.mkdir(parents=True)
    (block / "block.json").write_text(
        json.dumps(
            {
                "title": "Avatar badge",
                "keywords": ["avatar badge"],
                "componentName": "AvatarBadge",
                "defaults": {"heading": "Ada Lovelace"},
            }
        )
    )
    (block / "react.tsx.j2").write_text(BADGE_REACT)
    (block / "html.html.j2").write_text(BADGE_HTML)
    return root


async def test_a_finding_becomes_a_diagnostic_on_the_written_file(
    client: LanguageClient, tmp_path: Path
):
    templates = _templates(tmp_path / "my-templates")
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
