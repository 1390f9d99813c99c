"""A Neovim user generates a component: real Neovim, headless, driving openv0-lsp over stdio."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("neovim_generate.lua")


def test_neovim_generates_a_component_with_progress(tmp_path: Path):
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is required: scripts/test.sh installs it (apt-get install neovim)"
    workspace = tmp_path / "app"
    workspace.mkdir()
    out = tmp_path / "report.json"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPENV0_")},
        "OPENV0_NVIM_SERVER": json.dumps([sys.executable, "-m", "openv0_lsp"]),
        "OPENV0_NVIM_WORKSPACE": str(workspace),
        "OPENV0_NVIM_PROMPT": "a login form with email, password and a remember-me checkbox",
        "OPENV0_NVIM_OUT": str(out),
        "HOME": str(tmp_path),  # no user config, no shada in the real home
    }
    subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-c", f"luafile {SCRIPT}"],
        env=env,
        cwd=workspace,
        timeout=90,
        check=True,
        capture_output=True,
    )
    report = json.loads(out.read_text())

    assert report.get("error") is None, report
    assert report.get("err") is None, report["err"]  # Lua drops nil fields
    result = report["result"]
    assert result["status"] == "written"
    written = workspace / "components" / "LoginForm.tsx"
    assert result["files"] == [str(written)]
    code = written.read_text()
    for label in ("Email", "Password", "Remember me"):
        assert label in code

    kinds = [value["kind"] for value in report["progress"]]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    steps = [v["message"].split(":")[0] for v in report["progress"] if v["kind"] == "report"]
    assert steps == ["plan", "scaffold", "enhance", "validate", "write"]
    assert "LoginForm.tsx" in report["progress"][-1]["message"]
