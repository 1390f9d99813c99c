"""Path safety and atomic writes: inside the workspace only, never over the user's files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openv0_lsp.pipeline.write import Target, WriteError, choose_target, write_atomically


def target(
    root: Path,
    requested: str | None = None,
    *,
    overwrite: bool = False,
    generated: bool = False,
    framework: str = "react",
) -> Target:
    return choose_target(
        workspaces=[root],
        requested=requested,
        output_dir="components",
        file_stem="Card",
        framework=framework,
        overwrite=overwrite,
        is_generated_unchanged=lambda *_: generated,
    )


def test_default_target_is_the_output_dir_and_the_component_name(tmp_path: Path):
    assert target(tmp_path).path == tmp_path.resolve() / "components" / "Card.tsx"
    assert target(tmp_path, framework="html").path.name == "Card.html"


def test_a_requested_file_and_folder(tmp_path: Path):
    assert target(tmp_path, "ui/Thing.tsx").path == tmp_path.resolve() / "ui" / "Thing.tsx"
    assert target(tmp_path, "ui/").path == tmp_path.resolve() / "ui" / "Card.tsx"
    absolute = str(tmp_path / "abs" / "X.tsx")
    assert target(tmp_path, absolute).path == Path(absolute).resolve()


@pytest.mark.parametrize(
    ("requested", "reason"),
    [
        ("../x/Card.tsx", "must not contain '..'"),
        ("ui/../../Card.tsx", "must not contain '..'"),
        ("ui\\..\\Card.tsx", "must not contain '..'"),
        ("/etc/Card.tsx", "outside the workspace folders"),
        ("ui/Card.js", "extension '.js'"),
    ],
)
def test_unsafe_or_wrong_paths_are_refused(tmp_path: Path, requested: str, reason: str):
    with pytest.raises(WriteError, match=reason.replace("(", r"\(")):
        target(tmp_path, requested)


def test_a_symlink_out_of_the_workspace_is_refused(tmp_path: Path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside)
    with pytest.raises(WriteError, match="through a symlink"):
        target(root, "link/Card.tsx")


def test_no_workspace_folder(tmp_path: Path):
    with pytest.raises(WriteError, match="no workspace folder"):
        choose_target(
            workspaces=[],
            requested=None,
            output_dir="c",
            file_stem="Card",
            framework="react",
            overwrite=False,
            is_generated_unchanged=lambda *_: False,
        )


def test_an_existing_file_gets_a_new_name_unless_overwriting_a_generated_one(tmp_path: Path):
    existing = tmp_path / "components" / "Card.tsx"
    existing.parent.mkdir()
    existing.write_text("mine")
    chosen = target(tmp_path)
    assert chosen.path.name == "Card2.tsx" and "already exists" in chosen.note
    assert target(tmp_path, overwrite=True, generated=False).path.name == "Card2.tsx"
    replacing = target(tmp_path, overwrite=True, generated=True)
    assert replacing.path == existing.resolve() and replacing.replaces_generated


def test_write_creates_folders_and_the_whole_file(tmp_path: Path):
    chosen = target(tmp_path, "a/b/c/Card.tsx")
    write_atomically(chosen, "export default 1;\n")
    assert chosen.path.read_text() == "export default 1;\n"
    assert [p.name for p in chosen.path.parent.iterdir()] == ["Card.tsx"]  # no temp file left


def test_a_read_only_folder_is_refused_and_no_folder_is_left_behind(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    chosen = target(tmp_path, "locked/new/Card.tsx")
    os.chmod(locked, 0o555)  # made read-only after the target was chosen
    try:
        with pytest.raises(WriteError, match="read-only"):
            target(tmp_path, "locked/new/Card.tsx")
        with pytest.raises(WriteError, match="read-only"):
            write_atomically(chosen, "x")
        assert list(locked.iterdir()) == []
    finally:
        os.chmod(locked, 0o755)


def test_names_keep_counting_past_many_generations(tmp_path: Path):
    folder = tmp_path / "components"
    folder.mkdir()
    for name in ["Card.tsx", "Card2.tsx", "Card150.tsx", "Cardigan.tsx"]:
        (folder / name).write_text("x")
    assert target(tmp_path).path.name == "Card151.tsx"


def test_a_file_that_appears_meanwhile_is_not_clobbered(tmp_path: Path):
    chosen = target(tmp_path)
    chosen.path.parent.mkdir(parents=True)
    chosen.path.write_text("appeared")
    with pytest.raises(WriteError, match="appeared while writing"):
        write_atomically(chosen, "new")
    assert chosen.path.read_text() == "appeared"
