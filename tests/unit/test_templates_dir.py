"""The templates' version: what the answer cache keys on, so it must follow every change."""

from __future__ import annotations

import os
from pathlib import Path

from openv0_lsp.templates_dir import templates_version


def test_the_version_follows_an_override_added_changed_and_removed(tmp_path: Path):
    shipped = templates_version(None)
    override = tmp_path / "templates"
    assert templates_version(override) == shipped  # a folder that does not exist adds nothing

    prompt = override / "prompts" / "enhance_system.j2"
    prompt.parent.mkdir(parents=True)
    prompt.write_text("Write {{ framework }}.\n")
    added = templates_version(override)
    assert added != shipped
    assert templates_version(override) == added  # nothing changed: the same version

    prompt.write_text("Write {{ framework }} well.\n")
    changed = templates_version(override)
    assert changed not in (shipped, added)

    stat = prompt.stat()
    prompt.write_text("Write {{ framework }} WELL.\n")  # same size, same time: hashed again?
    os.utime(prompt, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert templates_version(override) == changed  # no: size and time are what is compared

    prompt.unlink()
    assert templates_version(override) == shipped
