"""The user's templatesPath, worked on while the server runs: blocks added or edited count from
the next generation; a broken template fails the generation with its file and line, writes
nothing, and the next generation works once it is fixed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    avatar_badge_templates,
    generate,
    open_session,
    snapshot,
    wait_until,
)
from tests.fake_openrouter import GOOD_KEY, FakeOpenRouter
from tests.scripted_model import ScriptedModel

BADGE = "an avatar badge"


async def test_blocks_added_and_edited_count_from_the_next_generation(
    client: LanguageClient, tmp_path: Path
):
    templates = tmp_path / "my-templates"
    templates.mkdir()
    workspace = tmp_path / "app"
    workspace.mkdir()
    await open_session(client, workspace, options={"templatesPath": str(templates)})
    before = await generate(client, prompt=BADGE)
    assert before["status"] == "written" and before["component"] != "AvatarBadge"

    avatar_badge_templates(templates)
    added = await generate(client, prompt=BADGE)
    assert added["component"] == "AvatarBadge"
    assert "Ada Lovelace" in Path(added["files"][0]).read_text(encoding="utf-8")

    avatar_badge_templates(templates, heading="Grace Hopper")
    edited = await generate(client, prompt=BADGE, name="EditedBadge")
    code = Path(edited["files"][0]).read_text(encoding="utf-8")
    assert "Grace Hopper" in code and "Ada Lovelace" not in code


def _bad_json(block: Path) -> tuple[Path, str]:
    (block / "block.json").write_text('{"title": "Avatar badge", ', encoding="utf-8")
    return block / "block.json", "Expecting property name"


def _no_component_name(block: Path) -> tuple[Path, str]:
    (block / "block.json").write_text('{"title": "Avatar", "keywords": []}', encoding="utf-8")
    return block / "block.json", "'componentName' is missing"


def _template_syntax(block: Path) -> tuple[Path, str]:
    (block / "react.tsx.j2").write_text("<span>\n{{ section.heading }</span>\n", encoding="utf-8")
    return block / "react.tsx.j2", "line 2: unexpected '}'"


def _template_render(block: Path) -> tuple[Path, str]:
    (block / "react.tsx.j2").write_text("<span>{{ section.heading.nope }}</span>\n")
    return block / "react.tsx.j2", "line 1: 'str object' has no attribute 'nope'"


BREAKAGES: dict[str, Callable[[Path], tuple[Path, str]]] = {
    "block.json not JSON": _bad_json,
    "block.json without componentName": _no_component_name,
    "template syntax": _template_syntax,
    "template render": _template_render,
}


@pytest.mark.parametrize("breakage", BREAKAGES)
async def test_a_broken_block_fails_with_its_file_writes_nothing_and_works_once_fixed(
    client: LanguageClient, tmp_path: Path, breakage: str
):
    templates = avatar_badge_templates(tmp_path / "my-templates")
    workspace = tmp_path / "app"
    workspace.mkdir()
    await open_session(client, workspace, options={"templatesPath": str(templates)})
    assert (await generate(client, prompt=BADGE))["status"] == "written"  # the catalog is read
    broken_file, problem = BREAKAGES[breakage](templates / "blocks" / "avatarbadge")
    before = snapshot(workspace)

    result = await generate(client, prompt=BADGE)

    assert result["status"] == "failed", result
    assert "a template is broken" in result["message"]
    assert f"{broken_file}" in result["message"] and problem in result["message"]
    assert "templatesPath" in result["message"]  # where to fix it
    assert snapshot(workspace) == before
    await wait_until(
        lambda: any(
            m.type == types.MessageType.Error and str(broken_file) in m.message
            for m in client.messages
        )
    )

    avatar_badge_templates(templates)  # fixed
    again = await generate(client, prompt=BADGE)
    assert again["status"] == "written" and again["component"] == "AvatarBadge"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenRouter]:
    async with FakeOpenRouter() as server:
        server.responder = ScriptedModel()
        yield server


async def test_a_broken_prompt_fails_with_its_file_before_the_model_is_asked_to_write(
    client: LanguageClient, tmp_path: Path, fake: FakeOpenRouter
):
    templates = tmp_path / "my-templates"
    (templates / "prompts").mkdir(parents=True)
    prompt = templates / "prompts" / "enhance_user.j2"
    prompt.write_text("Write it.\n{% if plan %}\n", encoding="utf-8")
    workspace = tmp_path / "app"
    workspace.mkdir()
    options = {"apiKey": GOOD_KEY, "baseUrl": fake.base_url, "templatesPath": str(templates)}
    await open_session(client, workspace, options=options)

    result = await generate(client, prompt="pricing section with three tiers")

    assert result["status"] == "failed", result
    assert f"{prompt}, line 2" in result["message"]
    assert snapshot(workspace) == {}
    assert len(fake.chats) == 1  # the plan; the enhance request was never sent
