"""`openv0 generate` runs the same pipeline from a shell and reports what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import SERVER_ENV as ENV
from tests.e2e.conftest import avatar_badge_templates

OPENV0 = [sys.executable, "-m", "openv0_lsp.cli"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*OPENV0, *args], capture_output=True, text=True, timeout=60, env=env or ENV
    )


def test_generate_json_reports_files_component_model_and_time(tmp_path: Path):
    done = run(
        "generate",
        "a signup form with name, email and password",
        "--workspace",
        str(tmp_path),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "written"
    assert result["component"] == "SignupForm"
    assert result["model"] == "offline"
    assert result["ms"] > 0
    [written] = result["files"]
    assert Path(written) == tmp_path / "components" / "SignupForm.tsx"
    assert "export default SignupForm;" in Path(written).read_text()


def test_generate_prints_progress_to_stderr_and_the_file_to_stdout(tmp_path: Path):
    done = run("generate", "a faq section", "--workspace", str(tmp_path), "--framework", "html")
    assert done.returncode == 0, done.stderr
    assert "FaqSection.html" in done.stdout
    for step in ("plan", "scaffold", "enhance", "validate", "write"):
        assert f"] {step}:" in done.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["", "--json"], "'prompt'"),
        (["a hero", "--name", "bad name", "--json"], "is not a component name"),
        (["a hero", "--path", "../x.tsx", "--json"], "must not contain '..'"),
    ],
)
def test_bad_input_exits_non_zero_with_the_reason_and_writes_nothing(
    tmp_path: Path, args: list[str], expected: str
):
    done = run("generate", *args[:1], "--workspace", str(tmp_path), *args[1:])
    assert done.returncode in (1, 2)
    assert expected in json.loads(done.stdout)["message"]
    assert list(tmp_path.iterdir()) == []


def test_a_new_workspace_folder_is_made_and_a_file_is_not_a_workspace(tmp_path: Path):
    done = run("generate", "a navbar", "--workspace", str(tmp_path / "new-app"), "--json")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "new-app" / "components" / "Navbar.tsx").is_file()

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    refused = run("generate", "a navbar", "--workspace", str(a_file), "--json")
    assert refused.returncode == 2
    assert "is not a folder" in json.loads(refused.stdout)["message"]


def test_a_broken_template_is_named_without_a_traceback_and_nothing_is_made(tmp_path: Path):
    templates = avatar_badge_templates(tmp_path / "my-templates")
    block_json = templates / "blocks" / "avatarbadge" / "block.json"
    block_json.write_text('{"title": ', encoding="utf-8")
    workspace = tmp_path / "new-app"
    env = {**ENV, "OPENV0_TEMPLATES_PATH": str(templates)}

    done = run("generate", "an avatar badge", "--workspace", str(workspace), env=env)

    assert done.returncode == 1
    assert f"error: a template is broken: {block_json}: Expecting value" in done.stderr
    assert "Traceback" not in done.stderr
    assert not workspace.exists()


def test_status_shows_the_settings_in_force(tmp_path: Path):
    done = run("status", "--json", env={**ENV, "OPENV0_FRAMEWORK": "html"})
    assert done.returncode == 0
    status = json.loads(done.stdout)
    assert status["provider"] == "offline"
    assert status["settings"]["framework"] == "html"
