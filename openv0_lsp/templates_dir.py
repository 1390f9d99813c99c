"""Where templates live: the user's override folder first, then the ones shipped in the package.

In a wheel the repository's `templates/` is installed as `openv0_lsp/templates/`; in an editable
checkout it is found beside the package.
"""

from __future__ import annotations

import functools
import hashlib
import os
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
    templates or prompts is not reused. Files are read again only when one was added, removed
    or changed (size or modification time)."""
    files: list[tuple[str, str, int, int]] = []  # plain strings: sorted and hashed fast

    def scan(root: str, folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir():
                    scan(root, entry.path, f"{prefix}{entry.name}/")
                else:
                    stat = entry.stat()
                    files.append((root, prefix + entry.name, stat.st_mtime_ns, stat.st_size))

    for root in template_roots(override):
        if root.is_dir():
            scan(str(root), str(root), "")
    return _hash_files(tuple(sorted(files)))


@functools.lru_cache(maxsize=8)
def _hash_files(files: tuple[tuple[str, str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for root, relative, _, _ in files:
        digest.update(relative.encode() + b"\0")
        digest.update(Path(root, relative).read_bytes() + b"\0")
    return digest.hexdigest()[:16]
