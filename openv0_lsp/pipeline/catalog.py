"""The block catalog: the designed building blocks a plan composes a component from.

Each block is a folder `templates/blocks/<id>/` holding `block.json` (title, keywords the
offline planner matches, React hooks it needs, default content) and one template per framework
(`react.tsx.j2`, `html.html.j2`). A folder in the user's `templatesPath` overrides or adds blocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from openv0_lsp.pipeline.plan import FRAMEWORKS, Section
from openv0_lsp.templates_dir import template_roots


@dataclass(frozen=True, kw_only=True)
class Block:
    id: str
    title: str
    description: str
    keywords: tuple[str, ...]  # lower-case phrases; longer phrases are stronger evidence
    hooks: tuple[str, ...]  # React hooks the react template uses
    component_name: str  # PascalCase name when the block is the whole component
    defaults: Section


class CatalogError(Exception):
    """A block folder is malformed; names the folder and the problem."""


def _load_block(folder: Path, roots: list[Path]) -> Block:
    try:
        meta = json.loads((folder / "block.json").read_text(encoding="utf-8"))
        defaults = Section.model_validate({"block": folder.name, **meta.get("defaults", {})})
        block = Block(
            id=folder.name,
            title=meta["title"],
            description=meta.get("description", ""),
            keywords=tuple(k.lower() for k in meta["keywords"]),
            hooks=tuple(meta.get("hooks", ())),
            component_name=meta["componentName"],
            defaults=defaults,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise CatalogError(f"block {folder.name!r}: {exc}") from exc
    for framework in FRAMEWORKS:
        if not any(
            (root / "blocks" / folder.name / template_file(framework)).is_file() for root in roots
        ):
            raise CatalogError(f"block {folder.name!r} has no {template_file(framework)}")
    return block


def template_file(framework: str) -> str:
    return {"react": "react.tsx.j2", "html": "html.html.j2"}[framework]


@cache
def load_catalog(override: Path | None = None) -> dict[str, Block]:
    """All blocks by id; blocks in `override` replace shipped ones with the same id."""
    blocks: dict[str, Block] = {}
    roots = template_roots(override)
    for root in reversed(roots):
        blocks_dir = root / "blocks"
        if not blocks_dir.is_dir():
            continue
        for folder in sorted(blocks_dir.iterdir()):
            if (folder / "block.json").is_file():
                blocks[folder.name] = _load_block(folder, roots)
    return blocks
