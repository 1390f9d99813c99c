"""The block catalog: the designed building blocks a plan composes a component from.

Each block is a folder `templates/blocks/<id>/` holding `block.json` (title, keywords the
offline planner matches, React hooks it needs, default content) and one template per framework
(`react.tsx.j2`, `html.html.j2`). A folder in the user's `templatesPath` overrides or adds blocks;
the user's blocks are read again when one of them is added, removed or changed, so an edit counts
from the next generation on, as it does for the templates themselves (jinja2 reloads those).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
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


class TemplatesError(Exception):
    """A block or template a generation needs is broken; the message names its file."""


class CatalogError(TemplatesError):
    """A block folder is malformed; names the file or folder and the problem."""


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
    except KeyError as exc:
        raise CatalogError(f"{folder / 'block.json'}: {exc} is missing") from exc
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{folder / 'block.json'}: {exc}") from exc
    for framework in FRAMEWORKS:
        if not any(
            (root / "blocks" / folder.name / template_file(framework)).is_file() for root in roots
        ):
            raise CatalogError(f"{folder}: the block has no {template_file(framework)}")
    return block


def template_file(framework: str) -> str:
    return {"react": "react.tsx.j2", "html": "html.html.j2"}[framework]


def load_catalog(override: Path | None = None) -> dict[str, Block]:
    """All blocks by id; blocks in `override` replace shipped ones with the same id.
    CatalogError names a malformed block's file."""
    return _load_catalog(override, _blocks_state(override))


def _blocks_state(override: Path | None) -> tuple[tuple[str, int, int], ...]:
    """Every file of the override's blocks with its modification time and size: what
    changes when the user adds, removes or edits a block (a few dozen stats)."""
    if override is None:
        return ()
    state = []
    try:
        with os.scandir(override / "blocks") as folders:
            for folder in folders:
                if folder.is_dir():
                    with os.scandir(folder.path) as files:
                        for file in files:
                            stat = file.stat()
                            state.append((file.path, stat.st_mtime_ns, stat.st_size))
    except OSError:  # no blocks folder (or it went away): nothing of the user's to read
        pass
    return tuple(sorted(state))


@functools.lru_cache(maxsize=8)
def _load_catalog(override: Path | None, state: tuple[object, ...]) -> dict[str, Block]:
    """The catalog as it is in `state` (the key only: a changed state reads the files again)."""
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
