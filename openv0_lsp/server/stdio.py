"""Serve LSP on stdin/stdout with stdin read by the event loop itself.

pygls 2.1's stdio reader reads every header line and every body with its own thread-pool call,
each resumed through the event loop: four loop turns per message. When the loop is busy (many
generations streaming), requests queued on stdin wait behind each other for those turns; a
code action sent behind a hundred `openv0.generate` requests waited seconds. An
`asyncio.StreamReader` on the stdin pipe hands over whatever is already buffered without a
turn per line. pygls's own reader remains the fallback when stdin is not a pipe (a file).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.server import JsonRPCServer

log = logging.getLogger(__name__)


class _PipeReader:
    """pygls's `AsyncReader` over a StreamReader: at the end of input both reads answer b""."""

    def __init__(self, reader: asyncio.StreamReader):
        self._reader = reader

    async def readline(self) -> bytes:
        try:
            return await self._reader.readline()
        except ValueError:  # a header line beyond the buffer limit: not LSP
            return b""

    async def readexactly(self, n: int) -> bytes:
        try:
            body = await self._reader.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""
        # One message per loop turn: a burst of queued requests (a hundred generations asked
        # at once) is handled between other work, not in one long stretch that stalls it.
        await asyncio.sleep(0)
        return body


async def _open_reader(stdin: BinaryIO, server: JsonRPCServer) -> _PipeReader | StdinAsyncReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1024 * 1024)
    try:
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
    except (ValueError, OSError) as exc:  # a regular file, not a pipe
        log.debug("stdin is not a pipe (%s): reading it with threads", exc)
        return StdinAsyncReader(stdin, server.thread_pool)
    return _PipeReader(reader)


def serve_stdio(server: JsonRPCServer) -> None:
    """Like pygls's `start_io`, with the event loop reading stdin."""
    stop = threading.Event()
    server._stop_event = stop  # pygls's shutdown() sets it
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))

    async def main() -> None:
        reader = await _open_reader(sys.stdin.buffer, server)
        await run_async(
            stop_event=stop,
            reader=reader,
            protocol=server.protocol,
            logger=log,
            error_handler=server.report_server_error,
        )

    try:
        asyncio.run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
