"""A Neovim user generates a component: real Neovim, headless, driving openv0-lsp over stdio.

Offline first, then with a model: the key and the base URL sit in the client's `settings`, where
a user's config keeps them, and reach the server in workspace/didChangeConfiguration; the fake
OpenRouter plays the model.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import SERVER_ENV
from tests.fake_openrouter import FREE_MODEL, GOOD_KEY, FakeOpenRouter
from tests.scripted_model import BROKEN, MARKER, ScriptedModel

SCRIPT = Path(__file__).with_name("neovim_generate.lua")


async def run_neovim(tmp_path: Path, prompt: str, settings: dict[str, Any] | None = None) -> dict:
    """Neovim's report of one openv0.generate in the workspace `tmp_path / "app"`."""
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is required: scripts/test.sh installs it (apt-get install neovim)"
    workspace = tmp_path / "app"
    workspace.mkdir()
    out = tmp_path / "report.json"
    env = {
        **SERVER_ENV,
        # -vv: every message in the server's stderr, which Neovim keeps in its lsp.log
        "OPENV0_NVIM_SERVER": json.dumps([sys.executable, "-m", "openv0_lsp", "-vv"]),
        "OPENV0_NVIM_WORKSPACE": str(workspace),
        "OPENV0_NVIM_PROMPT": prompt,
        "OPENV0_NVIM_OUT": str(out),
        "HOME": str(tmp_path),  # no user config, no shada in the real home; lsp.log lands here
    }
    if settings is not None:
        env["OPENV0_NVIM_SETTINGS"] = json.dumps(settings)
    nvim_process = await asyncio.create_subprocess_exec(
        *[nvim, "--headless", "-u", "NONE", "-i", "NONE", "-c", f"luafile {SCRIPT}"],
        env=env,
        cwd=workspace,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(nvim_process.communicate(), 90)
    finally:
        if nvim_process.returncode is None:
            nvim_process.kill()
            await nvim_process.wait()
    assert nvim_process.returncode == 0, stderr.decode(errors="replace")
    report = json.loads(out.read_text())
    assert report.get("error") is None, report
    assert report.get("err") is None, report["err"]  # Lua drops nil fields
    return report


def steps(report: dict) -> list[str]:
    """The steps the progress reports named, in order (a step's running reports count once)."""
    named = [v["message"].split(":")[0] for v in report["progress"] if v["kind"] == "report"]
    return [step for i, step in enumerate(named) if i == 0 or named[i - 1] != step]


async def test_neovim_generates_a_component_with_progress(tmp_path: Path):
    report = await run_neovim(
        tmp_path, "a login form with email, password and a remember-me checkbox"
    )

    result = report["result"]
    assert result["status"] == "written"
    assert result["provider"] == "offline"
    written = tmp_path / "app" / "components" / "LoginForm.tsx"
    assert result["files"] == [str(written)]
    code = written.read_text()
    for label in ("Email", "Password", "Remember me"):
        assert label in code

    kinds = [value["kind"] for value in report["progress"]]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    assert steps(report) == ["plan", "scaffold", "enhance", "validate", "write"]
    assert "LoginForm.tsx" in report["progress"][-1]["message"]


async def test_neovim_with_a_key_in_its_settings_generates_through_the_model(tmp_path: Path):
    async with FakeOpenRouter() as fake:
        model = ScriptedModel()
        model.enhance = BROKEN  # so validation sends it back and the model repairs it
        fake.responder = model
        settings = {"openv0": {"apiKey": GOOD_KEY, "baseUrl": fake.base_url}}
        report = await run_neovim(
            tmp_path, "pricing section with three tiers and a monthly/yearly toggle", settings
        )

    result = report["result"]
    assert result["status"] == "written", result
    assert result["provider"] == "openrouter" and result["model"] == FREE_MODEL
    written = tmp_path / "app" / "components" / "PricingSection.tsx"
    assert result["files"] == [str(written)]
    assert MARKER in written.read_text(encoding="utf-8")
    assert result["diagnostics"] == []
    assert model.calls == {"plan": 1, "enhance": 1, "repair": 1}
    assert all(r.headers["Authorization"] == f"Bearer {GOOD_KEY}" for r in fake.chats)
    # the repair's own code is validated within its step
    assert steps(report) == ["plan", "scaffold", "enhance", "validate", "repair", "write"]
    assert FREE_MODEL in report["progress"][-1]["message"]
    # The key went only into the Authorization header: not into what Neovim was shown or
    # logged (its lsp.log, with the server's stderr, is under HOME), nor any file written.
    assert GOOD_KEY not in json.dumps(report)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    [log] = [p for p in files if p.name == "lsp.log"]
    assert "workspace/didChangeConfiguration" in log.read_text()  # -vv logs every message
    assert not [p for p in files if GOOD_KEY.encode() in p.read_bytes()]
