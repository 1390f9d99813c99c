"""The preview server on 127.0.0.1: token and Host guards, the pages' headers, vendor files,
and builds pushed over the websocket to one page, many pages, and past a page that never reads."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from openv0_lsp.preview import server as server_module
from openv0_lsp.preview.model import Build, CompileError
from openv0_lsp.preview.server import PreviewServer

pytestmark = pytest.mark.timeout(60)

MODULE_V1 = "module.exports = { default: function Card() { return null; } };\n"


def react_build(version: int = 1, component: str = "components/Card.tsx", **changes) -> Build:
    values: dict = {"module": MODULE_V1, "css": ".p-4{padding:1rem}"}
    values.update(changes)
    return Build(component=component, version=version, kind="react", **values)


@dataclass
class Preview:
    server: PreviewServer
    session: aiohttp.ClientSession
    runtime_errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def root(self) -> str:
        return self.server.url

    async def get(self, path: str, **kwargs) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
        async with self.session.get(URL(self.root + path, encoded=True), **kwargs) as response:
            return response.status, await response.text(), response.headers

    async def ws(self, query: str = "", **kwargs) -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(self.root + "ws" + query, **kwargs)


@pytest.fixture
async def preview(tmp_path: Path) -> AsyncIterator[Preview]:
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / "react.js").write_text("export default {};\n")
    (tmp_path / "secret.txt").write_text("TOP SECRET\n")
    errors: list[tuple[str, str]] = []
    server = PreviewServer(vendor, on_runtime_error=lambda c, m: errors.append((c, m)))
    await server.start()
    connector = aiohttp.TCPConnector(limit=0)  # the fan-out test holds hundreds of sockets
    async with aiohttp.ClientSession(connector=connector) as session:
        yield Preview(server, session, errors)
    await server.close()


async def next_build(ws: aiohttp.ClientWebSocketResponse, timeout: float = 5.0) -> dict:
    message = await ws.receive(timeout=timeout)
    assert message.type is aiohttp.WSMsgType.TEXT, message
    data = json.loads(message.data)
    assert data["type"] == "build"
    return data


async def eventually(check, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


# -- guards --------------------------------------------------------------------------------------


async def test_a_wrong_token_is_refused_on_every_kind_of_route(preview: Preview):
    await preview.server.publish(react_build())
    port = preview.server.port
    paths = ["", "c/Card.tsx", "frame/Card.tsx", "vendor/react.js"]
    paths += ["runtime.js", "ws", "no-such-route"]
    for token in ["wrong", preview.server.token[:-1], preview.server.token + "x", ""]:
        for path in paths:
            url = f"http://127.0.0.1:{port}/t/{token}/{path}"
            async with preview.session.get(url) as response:
                assert response.status == 403, (token, path)
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await preview.session.ws_connect(f"http://127.0.0.1:{port}/t/wrong/ws")
    assert refused.value.status == 403


async def test_a_foreign_host_header_is_refused_even_with_the_token(preview: Preview):
    await preview.server.publish(react_build())
    port = preview.server.port
    for host in [f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", ""]:
        for path in ["", "c/components%2FCard.tsx", "runtime.js", "vendor/react.js"]:
            status, _, _ = await preview.get(path, headers={"Host": host})
            assert status == 403, (host, path)
        async with preview.session.get(
            f"http://127.0.0.1:{port}/healthz", headers={"Host": host}
        ) as response:
            assert response.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await preview.ws(headers={"Host": host})
        assert refused.value.status == 403
    status, _, _ = await preview.get("", headers={"Host": f"localhost:{port}"})
    assert status == 200


async def test_a_websocket_from_another_origin_is_refused(preview: Preview):
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await preview.ws(origin="http://evil.example")
    assert refused.value.status == 403
    ws = await preview.ws(origin=f"http://localhost:{preview.server.port}")
    await ws.close()


async def test_healthz_counts_the_components(preview: Preview):
    url = f"http://127.0.0.1:{preview.server.port}/healthz"
    async with preview.session.get(url) as response:
        assert response.status == 200
        assert await response.json() == {"ok": True, "components": 0}
    await preview.server.publish(react_build())
    await preview.server.publish(react_build(component="components/Other.tsx"))
    async with preview.session.get(url) as response:
        assert await response.json() == {"ok": True, "components": 2}


# -- pages and files -----------------------------------------------------------------------------


async def test_every_page_has_a_strict_csp_with_no_outside_origin(preview: Preview):
    await preview.server.publish(react_build())
    port = preview.server.port
    pages = ["", "c/components%2FCard.tsx", "frame/components%2FCard.tsx", "c/Missing.tsx"]
    for path in pages:
        _, _, headers = await preview.get(path)
        assert headers["Content-Type"].startswith("text/html")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        csp = headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["default-src"] == "'none'"
        assert directives["frame-src"] == "'self'"
        assert directives["style-src"] == "'self' 'unsafe-inline'"
        assert directives["script-src"].startswith("'self'")
        assert "unsafe-inline" not in directives["script-src"]
        for origin in re.findall(r"[a-z][a-z0-9+.-]*://[^\s;]+", csp):
            assert URL(origin).host in ("127.0.0.1", "localhost"), origin
            assert URL(origin).port == port
        assert "*" not in csp and "https:" not in csp and "http:" not in csp


async def test_the_frame_has_an_import_map_allowed_by_its_nonce(preview: Preview):
    await preview.server.publish(react_build())
    status, text, headers = await preview.get("frame/components%2FCard.tsx")
    assert status == 200
    nonce = re.search(r"'nonce-([^']+)'", headers["Content-Security-Policy"])
    assert nonce is not None
    found = re.search(r'<script type="importmap" nonce="([^"]+)">(.*?)</script>', text, re.S)
    assert found is not None and found.group(1) == nonce.group(1)
    imports = json.loads(found.group(2))["imports"]
    assert imports["react"] == f"/t/{preview.server.token}/vendor/react.js"
    assert set(imports) == {"react", "react/jsx-runtime", "react-dom", "react-dom/client"}
    # Scripts: this page's own files and the nonce (the component runs in a nonce's <script>).
    csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert csp["script-src"] == f"'self' 'nonce-{nonce.group(1)}'"
    assert 'id="root"' in text and 'id="openv0-overlay"' in text
    assert '<style id="openv0-css">' in text
    assert f'src="/t/{preview.server.token}/runtime.js"' in text
    # A second response gets a nonce of its own.
    _, _, again = await preview.get("frame/components%2FCard.tsx")
    assert again["Content-Security-Policy"] != headers["Content-Security-Policy"]


async def test_the_component_page_shows_variants_side_by_side_in_sandboxed_frames(
    preview: Preview,
):
    for name in ["Card", "Card2", "Card3"]:
        await preview.server.publish(react_build(component=f"components/{name}.tsx"))
    url = preview.server.component_url("components/Card.tsx")
    assert url == preview.root + "c/components%2FCard.tsx"
    query = "?with=components%2FCard2.tsx&with=components/Card3.tsx"
    status, text, _ = await preview.get("c/components%2FCard.tsx" + query)
    assert status == 200
    frames = re.findall(r'<iframe sandbox="allow-scripts allow-same-origin" src="([^"]+)"', text)
    base = f"/t/{preview.server.token}/frame/components%2F"
    assert frames == [base + "Card.tsx", base + "Card2.tsx", base + "Card3.tsx"]
    status, _, _ = await preview.get("c/components%2FCard.tsx?with=components%2FNope.tsx")
    assert status == 404


async def test_the_gallery_lists_every_component_and_escapes_their_names(preview: Preview):
    await preview.server.publish(react_build(component="components/Card.tsx"))
    await preview.server.publish(react_build(component='x/"><script>alert(1)</script>.tsx'))
    status, text, _ = await preview.get("")
    assert status == 200
    assert text.count("<iframe ") == 2
    assert 'href="/t/' in text and "c/components%2FCard.tsx" in text
    assert "<script>alert(1)</script>" not in text
    bare = preview.root.rstrip("/")  # the gallery without its trailing slash
    async with preview.session.get(bare, allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == f"/t/{preview.server.token}/"


async def test_an_unknown_component_is_a_404_page(preview: Preview):
    for path in ["c/Nope.tsx", "frame/Nope.tsx"]:
        status, text, _ = await preview.get(path)
        assert status == 404, path
    status, text, headers = await preview.get("c/Nope.tsx")
    assert "Nope.tsx" in text and headers["Content-Type"].startswith("text/html")


async def test_modules_are_not_served_over_http(preview: Preview):
    """A module travels only in its build's message; no route keeps old versions around."""
    await preview.server.publish(react_build(version=1))
    for path in ["m/components%2FCard.tsx.js?v=1", "m/components%2FCard.tsx.js"]:
        status, _, _ = await preview.get(path)
        assert status == 404, path


async def test_vendor_files_are_served_and_path_traversal_is_refused(preview: Preview):
    status, text, headers = await preview.get("vendor/react.js")
    assert (status, text) == (200, "export default {};\n")
    assert headers["Content-Type"].startswith("text/javascript")
    for path in [
        "vendor/..%2Fsecret.txt",
        "vendor/%2E%2E%2Fsecret.txt",
        "vendor/..%5Csecret.txt",
        "vendor/%2E%2E",
        "vendor/..",
        "vendor/.hidden",
        "vendor/missing.js",
    ]:
        status, text, _ = await preview.get(path)
        assert status in (403, 404), path
        assert "TOP SECRET" not in text
    # A raw request, not normalised by any client.
    reader, writer = await asyncio.open_connection("127.0.0.1", preview.server.port)
    path = f"/t/{preview.server.token}/vendor/../../secret.txt"
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{preview.server.port}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    answer = await reader.read()
    writer.close()
    assert b"TOP SECRET" not in answer
    assert answer.split(b" ", 2)[1] in (b"403", b"404")


async def test_without_a_vendor_folder_vendor_files_are_404(tmp_path: Path):
    server = PreviewServer(None)
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(server.url + "vendor/react.js") as response,
        ):
            assert response.status == 404
    finally:
        await server.close()


async def test_the_runtime_is_served_as_a_module(preview: Preview):
    status, text, headers = await preview.get("runtime.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "window.__openv0" in text


# -- builds over the websocket -------------------------------------------------------------------


async def test_a_published_build_reaches_a_connected_page_and_a_later_page_gets_it_at_once(
    preview: Preview,
):
    first = await preview.ws("?component=components%2FCard.tsx")
    gallery = await preview.ws()
    await preview.server.publish(
        react_build(version=1, errors=(CompileError("Unexpected token", 3, 7),))
    )
    data = await next_build(first)
    assert data == {
        "type": "build",
        "component": "components/Card.tsx",
        "version": 1,
        "kind": "react",
        "css": ".p-4{padding:1rem}",
        "errors": [
            {"file": "components/Card.tsx", "line": 3, "column": 7, "message": "Unexpected token"}
        ],
        "html": None,
        "module": MODULE_V1,  # the page runs it from the message: no request per change
    }
    assert (await next_build(gallery))["version"] == 1

    later = await preview.ws("?component=components%2FCard.tsx")
    assert (await next_build(later))["version"] == 1
    await preview.server.publish(react_build(version=2))
    for ws in (first, gallery, later):
        data = await next_build(ws)
        assert (data["version"], data["errors"]) == (2, [])
    assert preview.server.latest("components/Card.tsx") == react_build(version=2)
    assert preview.server.components == ["components/Card.tsx"]


async def test_a_page_only_hears_about_the_components_it_watches(preview: Preview):
    card = await preview.ws("?component=components%2FCard.tsx")
    await preview.server.publish(react_build(component="components/Other.tsx"))
    await preview.server.publish(react_build(component="components/Card.tsx"))
    assert (await next_build(card))["component"] == "components/Card.tsx"


async def test_html_builds_carry_their_markup(preview: Preview):
    ws = await preview.ws("?component=pages%2Findex.html")
    await preview.server.publish(
        Build(component="pages/index.html", version=1, kind="html", html="<h1>Hi</h1>")
    )
    data = await next_build(ws)
    assert (data["kind"], data["html"], data["module"]) == ("html", "<h1>Hi</h1>", None)


async def test_an_older_build_arriving_late_is_ignored(preview: Preview):
    await preview.server.publish(react_build(version=5))
    await preview.server.publish(react_build(version=4, css="old"))
    latest = preview.server.latest("components/Card.tsx")
    assert latest is not None and latest.version == 5


async def test_runtime_errors_reach_the_callback_and_malformed_messages_are_ignored(
    preview: Preview,
):
    await preview.server.publish(react_build(version=1))
    await preview.server.publish(react_build(version=2))
    ws = await preview.ws("?component=components%2FCard.tsx")
    await next_build(ws)
    error = {"type": "runtime-error", "component": "components/Card.tsx", "version": 2}
    for junk in [
        "not json",
        "[1, 2]",
        json.dumps({"type": "something-else"}),
        json.dumps({**error, "message": 42}),
        json.dumps({**error, "component": None, "message": "x"}),
        json.dumps({**error, "version": "2", "message": "x"}),
        json.dumps({**error, "version": 1, "message": "from an older version"}),
        json.dumps({**error, "component": "components/Other.tsx", "message": "not watched"}),
    ]:
        await ws.send_str(junk)
    await ws.send_bytes(b"\x00binary")
    await ws.send_str(json.dumps({**error, "message": "boom is not defined", "stack": "at Card"}))
    await eventually(lambda: preview.runtime_errors)
    assert preview.runtime_errors == [("components/Card.tsx", "boom is not defined")]
    # The socket is still open and still delivering.
    await preview.server.publish(react_build(version=3))
    assert (await next_build(ws))["version"] == 3


async def test_one_publish_reaches_two_hundred_pages(preview: Preview):
    await preview.server.publish(react_build(version=1))
    pages = await asyncio.gather(
        *[preview.ws("?component=components%2FCard.tsx") for _ in range(200)]
    )
    await asyncio.gather(*[next_build(ws) for ws in pages])
    assert preview.server.clients == 200
    await preview.server.publish(react_build(version=2))
    received = await asyncio.gather(*[next_build(ws, timeout=10) for ws in pages])
    assert {data["version"] for data in received} == {2}


async def test_a_page_that_never_reads_does_not_hold_up_the_others(
    preview: Preview, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(server_module, "SEND_TIMEOUT", 0.5)
    port = preview.server.port
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sleeper.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sleeper, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sleeper)
    writer.write(
        f"GET /t/{preview.server.token}/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    assert (await reader.readline()).startswith(b"HTTP/1.1 101")
    # From here on the sleeper reads nothing.
    awake = await preview.ws("?component=components%2FCard.tsx")
    await eventually(lambda: preview.server.clients == 2)

    big = "x" * 1_000_000
    async with asyncio.timeout(10):
        for version in range(1, 11):
            await preview.server.publish(react_build(version=version, css=big))
            data = await next_build(awake)
            assert data["version"] == version
    await eventually(lambda: preview.server.clients == 1)  # the sleeper was dropped
    writer.close()


async def test_close_stops_the_server_and_its_sockets(preview: Preview):
    port = preview.server.port
    ws = await preview.ws()
    await preview.server.close()
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    with pytest.raises(RuntimeError):
        _ = preview.server.url
    await preview.server.close()  # twice is fine


async def test_start_on_a_given_port(tmp_path: Path):
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    server = PreviewServer(None)
    await server.start(port=port)
    try:
        assert server.url.startswith(f"http://127.0.0.1:{port}/t/")
    finally:
        await server.close()
