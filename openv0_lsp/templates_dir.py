"""Where templates live: the user's override folder first, then the ones shipped in the package.

In a wheel the repository's `templates/` is installed as `openv0_lsp/templates/`; in an editable
checkout it is found beside the package.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_templates() -> Path:
    installed = _PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / "templates"


def template_roots(override: Path | None = None) -> list[Path]:
    """Template folders in lookup order: the override (if any) wins over the shipped ones."""
    roots = [shipped_templates()]
    if override is not None:
        roots.insert(0, override)
    return roots


def templates_version(override: Path | None = None) -> str:
    """A hash of every template in use (shipped and override): a cached answer made with other
    templates or prompts is not reused."""
    digest = hashlib.sha256()
    for root in template_roots(override):
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]
