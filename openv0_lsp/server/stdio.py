"""Serve LSP on stdin/stdout with both pipes driven by the event loop itself.

pygls 2.1's stdio reader reads every header line and every body with its own thread-pool call,
each resumed through the event loop: four loop turns per message. When the loop is busy (many
generations streaming), requests queued on stdin wait behind each other for those turns; a
code action sent behind a hundred `openv0.generate` requests waited seconds. An
`asyncio.StreamReader` on the stdin pipe hands over whatever is already buffered without a
turn per line.

pygls writes to stdout with a blocking write and flush: when the client is slow to read (busy
itself), a full pipe stopped the whole event loop in the middle of a progress report. An asyncio
write transport buffers instead and writes when the pipe has room.

pygls's own reader and writer remain the fallback when stdin or stdout is not a pipe (a file).
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


class _PipeWriter:
    """pygls's writer over an asyncio write transport: never blocks the event loop."""

    def __init__(self, transport: asyncio.WriteTransport):
        self._transport = transport

    def write(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._transport.close()


async def _open_writer(stdout: BinaryIO) -> _PipeWriter | StdoutWriter:
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.connect_write_pipe(asyncio.Protocol, stdout)
    except (ValueError, OSError) as exc:  # a regular file or a terminal, not a pipe
        log.debug("stdout is not a pipe (%s): blocking writes", exc)
        return StdoutWriter(stdout)
    return _PipeWriter(transport)


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

    async def main() -> None:
        server.protocol.set_writer(await _open_writer(sys.stdout.buffer))
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
