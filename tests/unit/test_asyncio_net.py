"""The asyncio network backend under httpx: keep-alive reuse, a server that closed an idle
connection, errors mapped to httpx's own, and a stream cut on close."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiohttp import web

from openv0_lsp.providers.asyncio_net import AsyncioTransport


@pytest.fixture
async def server():
    connections: list[int] = []

    async def hello(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        connections.append(peer[1] if peer else 0)
        return web.Response(text="hello")

    async def close(request: web.Request) -> web.Response:
        return web.Response(text="bye", headers={"Connection": "close"})

    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/close", close)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", connections
    await runner.cleanup()


async def test_requests_reuse_one_connection_and_survive_a_server_close(server):
    base, connections = server
    async with httpx.AsyncClient(transport=AsyncioTransport()) as client:
        for _ in range(3):
            assert (await client.get(f"{base}/hello")).text == "hello"
        assert len(set(connections)) == 1  # keep-alive
        assert (await client.get(f"{base}/close")).text == "bye"
        await asyncio.sleep(0.05)
        assert (await client.get(f"{base}/hello")).text == "hello"  # a new connection
        assert len(set(connections)) == 2


async def test_connection_errors_are_httpx_errors():
    async with httpx.AsyncClient(transport=AsyncioTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://127.0.0.1:9/")  # the discard port: nothing listens
