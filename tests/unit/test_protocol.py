"""The protocol hooks pygls lacks: what follows a response, and no request kept once answered."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from openv0_lsp.server.app import OpenV0Server


class Pipe:
    """Where the server writes: the messages, decoded, in order."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.messages.append(json.loads(data.split(b"\r\n\r\n", 1)[1]))

    def close(self) -> None:
        pass


def serve() -> tuple[OpenV0Server, Pipe, asyncio.Event]:
    """A server with one command, `test.wait`, that answers once the event is set."""
    ls = OpenV0Server()
    release = asyncio.Event()

    @ls.command("test.wait")
    async def wait(_ls: OpenV0Server, *args: Any) -> dict[str, bool]:
        await release.wait()
        return {"ok": True}

    pipe = Pipe()
    ls.protocol.set_writer(pipe)
    return ls, pipe, release


def ask(ls: OpenV0Server, msg_id: int) -> None:
    message = {
        "jsonrpc": "2.0",
        "id": msg_id,
        "method": "workspace/executeCommand",
        "params": {"command": "test.wait", "arguments": []},
    }
    ls.protocol.handle_message(
        json.loads(json.dumps(message), object_hook=ls.protocol.structure_message)
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_callback_runs_right_after_the_response_and_at_once_once_it_is_sent():
    ls, pipe, release = serve()
    ask(ls, 1)
    await settle()
    seen: list[list[Any]] = []
    ls.openv0_protocol.after_response(1, lambda: seen.append([m.get("id") for m in pipe.messages]))
    assert seen == []  # still pending
    release.set()
    await settle()
    assert seen == [[1]]  # called with the response just written, before anything else
    ls.openv0_protocol.after_response(1, lambda: seen.append(["late"]))
    assert seen == [[1], ["late"]]


async def test_answered_commands_leave_no_request_behind():
    ls, pipe, release = serve()
    release.set()
    for msg_id in range(30):
        ask(ls, msg_id)
    await settle()
    assert [m["id"] for m in pipe.messages] == list(range(30))
    assert all(m["result"] == {"ok": True} for m in pipe.messages)
    assert ls.protocol._request_futures == {}  # pygls alone keeps one per command
