"""The live preview end to end: the language server runs it, Debian's Chromium shows it.

A generated component renders; edits sent as `didChange` (unsaved text) appear without a page
reload; a compile error shows the overlay and a diagnostic, and fixing it removes both; a
runtime error becomes a diagnostic; the page never asks anything of a host other than
127.0.0.1; a wrong token or a foreign Host is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from aiohttp import web
from lsprotocol import types
from playwright.async_api import Browser, Frame, Page, async_playwright
from pytest_lsp import LanguageClient

from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.conftest import generate, open_session, wait_until

FRAME = re.compile(r"/frame/")

GREETING = """export default function Greeting() {
  return (
    <section className="p-6 bg-rose-500 text-white">
      <h1 className="text-2xl font-bold">%s</h1>
    </section>
  );
}
"""
BROKEN = "export default function Greeting() {\n  return <section><h1>unclosed</section>;\n}\n"
THROWS = """export default function Greeting() {
  throw new Error("boom from the component");
}
"""


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


async def _preview(client: LanguageClient, uri: str | None = None) -> str:
    arguments = [{"uri": uri}] if uri else []
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.preview", arguments=arguments)
    )
    return result["url"]


async def _frame(page: Page) -> Frame:
    return await wait_until(lambda: next((f for f in page.frames if FRAME.search(f.url)), None))


async def _shown_text(frame: Frame) -> str:
    return await frame.evaluate("document.getElementById('root')?.innerText ?? ''")


async def _wait_for_text(frame: Frame, text: str, timeout: float = 15) -> None:
    """Polled from here: the page's CSP forbids the eval that `wait_for_function` needs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while text not in (shown := await _shown_text(frame)):
        if loop.time() > deadline:
            raise AssertionError(f"{text!r} never shown; the frame shows {shown!r}")
        await asyncio.sleep(0.02)


def _change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _open(client: LanguageClient, uri: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="typescriptreact", version=1, text=text
            )
        )
    )


async def _generated_form(client: LanguageClient, tmp_path: Path, profile: str) -> dict:
    """A session with `profile`'s capabilities, and a login form generated in it."""
    await open_session(client, tmp_path, profile)
    return await generate(client, prompt="a login form with email and password")


def _preview_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "openv0-preview"]


async def test_a_generated_component_renders_and_follows_edits_without_a_reload(
    client: LanguageClient, browser: Browser, tmp_path: Path
):
    result = await _generated_form(client, tmp_path, "neovim")
    uri = result["uri"]
    url = await _preview(client, uri)
    assert urlsplit(url).hostname == "127.0.0.1"
    assert any(url in m.message for m in client.messages)  # no showDocument: told by message

    page = await browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    await page.goto(url)
    frame = await _frame(page)
    await _wait_for_text(frame, "Email")
    navigations: list[str] = []
    page.on("framenavigated", lambda f: navigations.append(f.url))

    _open(client, uri, Path(result["files"][0]).read_text())
    _change(client, uri, 2, GREETING % "Hello from an unsaved buffer")
    await _wait_for_text(frame, "Hello from an unsaved buffer")
    colour = await frame.evaluate(
        "getComputedStyle(document.querySelector('section')).backgroundColor"
    )
    assert colour not in ("", "rgba(0, 0, 0, 0)")  # bg-rose-500 came with the CSS

    _change(client, uri, 3, GREETING % "Second edit")
    await _wait_for_text(frame, "Second edit")
    assert navigations == []  # swapped in place: neither the page nor the frame reloaded

    _change(client, uri, 4, BROKEN)
    await frame.wait_for_selector("#openv0-overlay", state="visible", timeout=15_000)
    assert "Second edit" in await _shown_text(frame)  # the last good render stays under it
    diagnostics = await wait_until(lambda: _preview_diagnostics(client, uri))
    assert diagnostics[0].range.start.line == 1  # the line of the unclosed tag (0-based)

    _change(client, uri, 5, GREETING % "Fixed again")
    await _wait_for_text(frame, "Fixed again")
    await frame.wait_for_selector("#openv0-overlay", state="hidden", timeout=15_000)
    await wait_until(lambda: not _preview_diagnostics(client, uri))

    _change(client, uri, 6, THROWS)
    runtime = await wait_until(
        lambda: [d for d in _preview_diagnostics(client, uri) if "boom" in d.message]
    )
    assert runtime and navigations == []

    off_host = [r for r in requests if urlsplit(r).hostname not in ("127.0.0.1", None)]
    assert off_host == [] and requests  # nothing fetched from anywhere else


IMPORTS = """import React, { useState } from "react";
import { createPortal } from "react-dom";

export default function Greeting() {
  const [two] = React.useState(2);
  const [three] = useState(3);
  return (
    <section>
      <h1>{`Sum ${two + three}`}</h1>
      {createPortal(<p id="portal">In a portal</p>, document.body)}
    </section>
  );
}
"""
UNKNOWN_PACKAGE = """import confetti from "canvas-confetti";

export default function Greeting() {
  return <h1>{typeof confetti}</h1>;
}
"""


async def test_a_component_gets_react_and_react_dom_and_is_told_of_a_package_it_cannot_have(
    client: LanguageClient, browser: Browser, tmp_path: Path
):
    result = await _generated_form(client, tmp_path, "bare")
    uri = result["uri"]
    page = await browser.new_page()
    await page.goto(await _preview(client, uri))
    frame = await _frame(page)
    await _wait_for_text(frame, "Email")
    _open(client, uri, Path(result["files"][0]).read_text())

    _change(client, uri, 2, IMPORTS)  # a default and a named import of react, and react-dom
    await _wait_for_text(frame, "Sum 5")
    portal = await frame.evaluate("document.getElementById('portal')?.textContent")
    assert portal == "In a portal"

    _change(client, uri, 3, UNKNOWN_PACKAGE)
    runtime = await wait_until(
        lambda: [d for d in _preview_diagnostics(client, uri) if "canvas-confetti" in d.message]
    )
    assert "the preview has only react" in runtime[0].message
    assert "Sum 5" in await _shown_text(frame)  # the last good render stays


@contextlib.asynccontextmanager
async def _webview_host(preview_url: str) -> AsyncIterator[str]:
    """A page of another origin that frames the preview, the way an editor's webview does."""
    html = (
        "<!doctype html><title>webview</title>"
        f'<iframe id="preview" src="{preview_url}" style="width:100%;height:600px"></iframe>'
    )

    async def host_page(_: web.Request) -> web.Response:
        csp = "default-src 'none'; frame-src http://127.0.0.1:*"
        return web.Response(
            text=html, content_type="text/html", headers={"Content-Security-Policy": csp}
        )

    app = web.Application()
    app.router.add_get("/", host_page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def test_the_preview_works_inside_another_origins_frame_as_in_an_editor_webview(
    client: LanguageClient, browser: Browser, tmp_path: Path
):
    result = await _generated_form(client, tmp_path, "bare")
    uri = result["uri"]
    url = await _preview(client, uri)
    async with _webview_host(url) as host:
        page = await browser.new_page()
        await page.goto(host)
        frame = await _frame(page)  # host page → the preview's page → the component's frame
        assert frame.parent_frame is not None and frame.parent_frame.url == url
        await _wait_for_text(frame, "Email")
        _open(client, uri, GREETING % "Hi")
        await _wait_for_text(frame, "Hi")  # live there too


async def test_the_preview_refuses_a_wrong_token_and_a_foreign_host(
    client: LanguageClient, tmp_path: Path
):
    await open_session(client, tmp_path, "vscode")
    url = await _preview(client)
    assert [d.uri for d in client.shown_documents] == [url]  # opened externally
    parts = urlsplit(url)
    async with httpx.AsyncClient() as http:
        assert (await http.get(url)).status_code == 200
        wrong = url.replace(parts.path.split("/")[2], "not-the-token")
        assert (await http.get(wrong)).status_code == 403
        foreign = await http.get(url, headers={"Host": f"evil.example:{parts.port}"})
        assert foreign.status_code == 403


async def test_preview_without_a_workspace_folder_is_refused(client: LanguageClient):
    await open_session(client, None, "bare")
    with pytest.raises(Exception, match="workspace folder"):
        await _preview(client)
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="openv0.status", arguments=[])
    )
    assert status["previewUrl"] is None


async def test_another_tools_write_and_a_new_generation_reach_the_open_page(
    client: LanguageClient, browser: Browser, tmp_path: Path
):
    await open_session(client, tmp_path, "bare")
    first = await generate(client, prompt="a login form with email and password")
    url = await _preview(client, first["uri"])
    page = await browser.new_page()
    await page.goto(url)
    frame = await _frame(page)
    await _wait_for_text(frame, "Email")

    path = Path(first["files"][0])  # not open in the editor: the folder watcher sees it
    temporary = path.with_suffix(".tmp")
    temporary.write_text(GREETING % "Written by another tool")
    temporary.replace(path)  # an atomic save, as editors and formatters do
    await _wait_for_text(frame, "Written by another tool")

    second = await generate(
        client, prompt="pricing section with three tiers: Starter, Growth, Scale", framework="html"
    )
    assert second["previewUrl"] and second["previewUrl"].startswith(url.split("/c/")[0])
    other = await browser.new_page()
    await other.goto(second["previewUrl"])
    await _wait_for_text(await _frame(other), "Growth")  # markup of the html framework


async def test_the_workspaces_own_tailwind_entry_styles_the_preview(
    client: LanguageClient, browser: Browser, tmp_path: Path
):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "globals.css").write_text(
        '@import "tailwindcss";\n@theme {\n  --color-brand: #123456;\n}\n'
    )
    component = tmp_path / "components" / "Brand.tsx"
    component.parent.mkdir()
    component.write_text(
        'export default function Brand() {\n  return <p className="bg-brand p-4">brand</p>;\n}\n'
    )
    await open_session(client, tmp_path, "bare")
    uri = component.as_uri()
    _open(client, uri, component.read_text())
    page = await browser.new_page()
    await page.goto(await _preview(client, uri))
    frame = await _frame(page)
    await _wait_for_text(frame, "brand")
    colour = await frame.evaluate("getComputedStyle(document.querySelector('p')).backgroundColor")
    assert colour == "rgb(18, 52, 86)"  # the app's own --color-brand
