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

pygls's own reader remains the fallback when stdin is not a pipe (a file), and a blocking
writer when stdout is not one.

The loop is uvloop's where it is installed (everywhere but Windows): with a hundred model streams
going, the server spends less CPU on the loop itself, and the loop answers sooner.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading
from collections.abc import Coroutine
from typing import Any, BinaryIO

from pygls.io_ import StdinAsyncReader, run_async
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


def _is_pipe(stream: BinaryIO) -> bool:
    """A pipe or a socket, which the loop can watch. Not a regular file (asyncio refuses it,
    uvloop aborts the process) nor a device such as /dev/null (asyncio accepts it, then fails to
    watch it in a callback, and the server waited for input forever)."""
    mode = os.fstat(stream.fileno()).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _FileWriter:
    """A blocking writer for a stdout that is a file or a terminal. Like the pipe writer, it
    drops what is written once it is closed: pygls's own raised, and the error it then tried to
    report was written too, raising again (a storm of tracebacks at exit)."""

    def __init__(self, stdout: BinaryIO):
        self._stdout = stdout

    def write(self, data: bytes) -> None:
        if not self._stdout.closed:
            self._stdout.write(data)
            self._stdout.flush()

    def close(self) -> None:
        self._stdout.close()


async def _open_writer(stdout: BinaryIO) -> _PipeWriter | _FileWriter:
    if _is_pipe(stdout):
        try:
            transport, _ = await asyncio.get_running_loop().connect_write_pipe(
                asyncio.Protocol, stdout
            )
            return _PipeWriter(transport)
        except OSError as exc:
            log.debug("stdout cannot be watched (%s): blocking writes", exc)
    return _FileWriter(stdout)


async def _open_reader(stdin: BinaryIO, server: JsonRPCServer) -> _PipeReader | StdinAsyncReader:
    if _is_pipe(stdin):
        reader = asyncio.StreamReader(limit=1024 * 1024)
        try:
            await asyncio.get_running_loop().connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), stdin
            )
            return _PipeReader(reader)
        except OSError as exc:
            log.debug("stdin cannot be watched (%s): reading it with threads", exc)
    return StdinAsyncReader(stdin, server.thread_pool)


def _run(main: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:  # Windows: no uvloop
        asyncio.run(main)
    else:
        uvloop.run(main)


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
        _run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
