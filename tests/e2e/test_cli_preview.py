"""`openv0 preview` and `openv0 setup` as a user runs them from a shell."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import SERVER_ENV as ENV
from tests.e2e.test_cli import OPENV0, run


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
async def test_preview_serves_the_generated_components_until_stopped(
    tmp_path: Path, stop_signal: signal.Signals
):
    generated = run("generate", "a login form with email", "--workspace", str(tmp_path))
    assert generated.returncode == 0, generated.stderr
    process = await asyncio.create_subprocess_exec(
        *OPENV0, "preview", "--workspace", str(tmp_path), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=ENV,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 120)).decode()
        assert line.startswith("preview: http://127.0.0.1:"), line
        url = line.split(" ", 1)[1].strip()
        async with httpx.AsyncClient() as http:
            health = (await http.get(url.split("/t/")[0] + "/healthz")).json()
            assert health["ok"] and health["components"] == 1  # the generated LoginForm
            gallery = await http.get(url)
            assert gallery.status_code == 200 and "LoginForm" in gallery.text
    finally:
        process.send_signal(stop_signal)
        code = await asyncio.wait_for(process.wait(), 20)
    assert code == 0  # a clean stop: the sidecar and the server closed


def test_preview_of_a_missing_folder_is_a_usage_error(tmp_path: Path):
    result = run("preview", "--workspace", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "is not a folder" in result.stderr


def test_setup_installs_once_and_says_where(tmp_path: Path):
    result = subprocess.run(
        [*OPENV0, "setup"], capture_output=True, text=True, env=ENV, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "preview toolchain ready" in result.stdout
