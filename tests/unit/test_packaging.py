"""A plain `pip install` works: the wheel carries the templates and generates from them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_ships_the_templates_and_generates_without_the_checkout(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("openv0_lsp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "openv0_lsp/templates/component/react.tsx.j2" in names
    assert "openv0_lsp/templates/blocks/pricing/block.json" in names
    assert sum(name.endswith("/block.json") for name in names) >= 20
    for preview_file in (  # the preview's page and its Node side
        "page/runtime.js",
        "page/frame.html",
        "sidecar/sidecar.mjs",
        "sidecar/package.json",
        "sidecar/package-lock.json",
    ):
        assert f"openv0_lsp/preview/{preview_file}" in names

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    workspace = tmp_path / "app"
    workspace.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}  # the installed copy shadows the checkout
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openv0_lsp.cli",
            "generate",
            "a contact form",
            "--json",
            "--workspace",
            str(workspace),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["files"][0]).read_text().startswith("// ContactForm")
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import openv0_lsp.templates_dir as t; print(t.shipped_templates())",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == str(site / "openv0_lsp" / "templates")
