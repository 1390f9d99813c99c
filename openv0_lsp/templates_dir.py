"""Where templates live: the user's override folder first, then the ones shipped in the package.

In a wheel the repository's `templates/` is installed as `openv0_lsp/templates/`; in an editable
checkout it is found beside the package.
"""

from __future__ import annotations

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
