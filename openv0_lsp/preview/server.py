"""The preview's web server: pages, compiled modules and a websocket that pushes each new build.

Bound to 127.0.0.1 and started on the caller's event loop; every URL but `/healthz` carries a
per-session token, and a request naming another host is refused (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2
from aiohttp import WSMsgType, web

from openv0_lsp.preview.model import VENDOR_MODULES, Build

log = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent / "page"

SEND_TIMEOUT = 5.0  # seconds one message may take to leave; a client slower than that is dropped
QUEUE_LIMIT = 64  # messages waiting for one client; a client further behind is dropped
MESSAGE_LIMIT = 256 * 1024  # bytes in one message from a page (runtime errors with stacks)
REPORTED_LIMIT = 4000  # characters of a runtime error handed to the callback

_VENDOR_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".json": "application/json",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(eq=False)
class _Client:
    """One websocket: what it watches and the messages waiting to be sent to it."""

    ws: web.WebSocketResponse
    request: web.Request
    components: frozenset[str] | None  # None: every component (the gallery)
    queue: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    sender: asyncio.Task[None] | None = None

    def watches(self, component: str) -> bool:
        return self.components is None or component in self.components


class PreviewServer:
    def __init__(
        self,
        vendor_dir: Path | None,
        title: str = "openv0 preview",
        *,
        on_runtime_error: Callable[[str, str], None] | None = None,
    ) -> None:
        self.vendor_dir = vendor_dir
        self.title = title
        self.on_runtime_error = on_runtime_error
        self.token = secrets.token_urlsafe(24)
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._latest: dict[str, Build] = {}
        self._messages: dict[str, bytes] = {}  # the latest build's websocket message, encoded once
        self._watchers: dict[str, set[_Client]] = {}
        self._everything: set[_Client] = set()  # clients that watch every component
        self._templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(PAGE_DIR),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, *, port: int = 0) -> None:
        """Listen on 127.0.0.1 (a free port unless `port` is given) on the running loop."""
        if self._runner is not None:
            raise RuntimeError("the preview server is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        runner = web.AppRunner(
            self._make_app(), handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        self._runner = runner
        log.info("preview server on http://127.0.0.1:%d/", self._port)

    async def close(self) -> None:
        """Say goodbye to every page and stop listening."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        clients = {*self._everything, *(c for cs in self._watchers.values() for c in cs)}
        for client in clients:
            self._drop(client, abort=False)
        if clients:
            closing = [c.ws.close(code=1001, message=b"preview closed") for c in clients]
            done = asyncio.gather(*closing, return_exceptions=True)
            try:
                async with asyncio.timeout(1.0):
                    await done
            except TimeoutError:
                for client in clients:
                    if client.request.transport is not None:
                        client.request.transport.abort()
        await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None or self._runner is None:
            raise RuntimeError("the preview server is not running")
        return self._port

    @property
    def url(self) -> str:
        """The gallery: every component with a build."""
        return f"http://127.0.0.1:{self.port}{self._base}"

    def component_url(self, component_id: str) -> str:
        return f"{self.url}c/{quote(component_id, safe='')}"

    @property
    def components(self) -> list[str]:
        """Components with a build, in the order they were first published."""
        return list(self._latest)

    def latest(self, component_id: str) -> Build | None:
        return self._latest.get(component_id)

    @property
    def clients(self) -> int:
        """Pages connected over the websocket."""
        watching = {c for cs in self._watchers.values() for c in cs}
        return len(watching | self._everything)

    # -- builds ------------------------------------------------------------------------------

    async def publish(self, build: Build) -> None:
        """Make `build` the component's latest and push it to every page watching it.

        Never waits for a page: the message is queued for each client and sent by the client's
        own task, so one slow page cannot hold up the others (it is dropped instead)."""
        current = self._latest.get(build.component)
        if current is not None and build.version < current.version:
            log.debug("stale build %s v%d ignored", build.component, build.version)
            return
        self._latest[build.component] = build
        message = json.dumps(self._build_message(build), separators=(",", ":")).encode()
        self._messages[build.component] = message
        for client in [*self._watchers.get(build.component, ()), *self._everything]:
            if client.queue.qsize() >= QUEUE_LIMIT:
                log.info("preview client %s too far behind: dropped", client.request.remote)
                self._drop(client)
            else:
                client.queue.put_nowait(message)

    def _build_message(self, build: Build) -> dict[str, object]:
        return {
            "type": "build",
            "component": build.component,
            "version": build.version,
            "kind": build.kind,
            "css": build.css,
            "errors": [
                {
                    "file": build.component,
                    "line": error.line,
                    "column": error.column,
                    "message": error.message,
                }
                for error in build.errors
            ],
            "html": build.html,
            # The compiled module itself (null when there is none to run): the page runs it
            # from the message, without a request per change.
            "module": build.module,
        }

    # -- the application ---------------------------------------------------------------------

    @property
    def _base(self) -> str:
        return f"/t/{self.token}/"

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=MESSAGE_LIMIT)
        app.on_response_prepare.append(self._secure_headers)
        base = self._base
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get(base, self._gallery)
        app.router.add_get(base + "c/{id:.+}", self._component_page)
        app.router.add_get(base + "frame/{id:.+}", self._frame)
        app.router.add_get(base + "vendor/{file}", self._vendor)
        app.router.add_get(base + "runtime.js", self._runtime)
        app.router.add_get(base + "ws", self._websocket)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        host = request.headers.get("Host", "").lower()
        if host not in (f"127.0.0.1:{self._port}", f"localhost:{self._port}"):
            return self._refused()
        parts = request.rel_url.raw_path.split("/")
        if len(parts) >= 2 and parts[1] == "t":
            token = parts[2] if len(parts) > 2 else ""
            if not secrets.compare_digest(token.encode(), self.token.encode()):
                return self._refused()
            if len(parts) == 3:  # /t/TOKEN without the slash
                raise web.HTTPFound(self._base)
        return await handler(request)

    def _refused(self) -> web.Response:
        return web.Response(status=403, text="403: forbidden\n")

    async def _secure_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if response.content_type == "text/html" and "Content-Security-Policy" not in (
            response.headers
        ):
            response.headers["Content-Security-Policy"] = self._csp(None)

    def _csp(self, nonce: str | None) -> str:
        # No external origin at all: the page works offline and a component cannot load or send
        # anything elsewhere. No frame-ancestors: an editor's webview embeds the pages.
        port = self._port
        scripts = "'self'" if nonce is None else f"'self' 'nonce-{nonce}'"
        return "; ".join(
            [
                "default-src 'none'",
                f"script-src {scripts}",
                "style-src 'self' 'unsafe-inline'",  # the component's CSS arrives over the socket
                "img-src 'self' data:",
                "font-src 'self' data:",
                f"connect-src 'self' ws://127.0.0.1:{port} ws://localhost:{port}",
                "frame-src 'self'",
                "base-uri 'none'",
                "form-action 'none'",
            ]
        )

    def _page(self, template: str, *, status: int = 200, **values: object) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        text = self._templates.get_template(template).render(
            title=self.title, base=self._base, nonce=nonce, **values
        )
        response = web.Response(text=text, status=status, content_type="text/html")
        response.headers["Content-Security-Policy"] = self._csp(nonce)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _not_found(self, component: str) -> web.Response:
        return self._page("not_found.html", status=404, component=component)

    def _card(self, component: str) -> dict[str, str]:
        return {"id": component, "quoted": quote(component, safe="")}

    # -- routes ------------------------------------------------------------------------------

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "components": len(self._latest)})

    async def _gallery(self, request: web.Request) -> web.Response:
        return self._page("gallery.html", cards=[self._card(c) for c in self._latest])

    async def _component_page(self, request: web.Request) -> web.Response:
        ids = [request.match_info["id"], *request.query.getall("with", [])]
        ids = list(dict.fromkeys(ids))  # the same variant twice is shown once
        for component in ids:
            if component not in self._latest:
                return self._not_found(component)
        return self._page("component.html", cards=[self._card(c) for c in ids])

    async def _frame(self, request: web.Request) -> web.Response:
        component = request.match_info["id"]
        if component not in self._latest:
            return self._not_found(component)
        imports = {name: f"{self._base}vendor/{file}" for name, file in VENDOR_MODULES.items()}
        return self._page("frame.html", component=component, import_map={"imports": imports})

    async def _vendor(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["file"]
        # One plain file name, directly in the vendor folder: no separators, no dot files.
        if self.vendor_dir is None or not _VENDOR_NAME.fullmatch(name):
            raise web.HTTPNotFound()
        path = self.vendor_dir / name
        if not path.is_file():
            raise web.HTTPNotFound()
        content_type = _CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        # no-cache, not no-store: the browser revalidates (304) instead of fetching React again.
        return web.FileResponse(
            path, headers={"Content-Type": content_type, "Cache-Control": "no-cache"}
        )

    async def _runtime(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(
            PAGE_DIR / "runtime.js",
            headers={"Content-Type": "text/javascript", "Cache-Control": "no-cache"},
        )

    # -- the websocket -----------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        """`ws?component=ID` (repeatable) watches those components; without one, every one.

        On connect the latest build of each watched component is sent at once."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in (
            f"http://127.0.0.1:{self._port}",
            f"http://localhost:{self._port}",
        ):
            return self._refused()
        ws = web.WebSocketResponse(
            compress=False,  # loopback: deflating the same build once per client costs more
            heartbeat=30.0,
            max_msg_size=MESSAGE_LIMIT,
        )
        await ws.prepare(request)
        watched = request.query.getall("component", [])
        client = _Client(ws, request, frozenset(watched) if watched else None)
        self._attach(client)
        client.sender = asyncio.create_task(self._send_loop(client))
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    self._receive(client, message.data)
        finally:
            self._drop(client, abort=False)
        return ws

    def _attach(self, client: _Client) -> None:
        # Queue the latest builds and register in one step (no await between): a build published
        # meanwhile can neither be missed nor arrive before the older one.
        wanted = self._latest if client.components is None else client.components
        for component in wanted:
            message = self._messages.get(component)
            if message is not None:
                client.queue.put_nowait(message)
        if client.components is None:
            self._everything.add(client)
        else:
            for component in client.components:
                self._watchers.setdefault(component, set()).add(client)

    def _drop(self, client: _Client, *, abort: bool = True) -> None:
        self._everything.discard(client)
        for component in client.components or ():
            watchers = self._watchers.get(component)
            if watchers is not None:
                watchers.discard(client)
                if not watchers:
                    del self._watchers[component]
        if client.sender is not None and client.sender is not asyncio.current_task():
            client.sender.cancel()
        if abort and client.request.transport is not None:
            # Closing politely would wait on the very buffer that is full.
            client.request.transport.abort()

    async def _send_loop(self, client: _Client) -> None:
        while True:
            message = await client.queue.get()
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await client.ws.send_frame(message, WSMsgType.TEXT)
            except (TimeoutError, ConnectionError, RuntimeError):
                self._drop(client)
                return

    def _receive(self, client: _Client, text: str) -> None:
        """A runtime error from a page goes to the callback; anything else is ignored."""
        try:
            data = json.loads(text)
        except ValueError:
            return
        if not isinstance(data, dict) or data.get("type") != "runtime-error":
            return
        component, message, version = (
            data.get("component"),
            data.get("message"),
            data.get("version"),
        )
        if not isinstance(component, str) or not isinstance(message, str):
            return
        if not isinstance(version, int) or isinstance(version, bool):
            return
        latest = self._latest.get(component)
        # An error from a version that is no longer the latest says nothing about the code now.
        if latest is None or latest.version != version or not client.watches(component):
            return
        if self.on_runtime_error is None:
            return
        try:
            self.on_runtime_error(component, message[:REPORTED_LIMIT])
        except Exception:
            log.exception("runtime error callback failed")
