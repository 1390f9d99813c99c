"""The preview's compiler: an asyncio client of the Node sidecar (`sidecar/sidecar.mjs`).

One long-running process answers JSON lines; requests are multiplexed over it by id. When the
process dies its pending requests fail with `CompilerError` and the next request starts a new
one; a request that times out kills the process for the same fresh start.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
from collections import deque
from pathlib import Path
from typing import Any

from openv0_lsp.preview.model import CompileError, CompileResult
from openv0_lsp.preview.toolchain import Toolchain

log = logging.getLogger(__name__)

LINE_LIMIT = 256 * 1024 * 1024  # one answer is one line: a module and its CSS
STOP_GRACE = 5.0  # seconds a closing sidecar gets to exit before it is killed


class CompilerError(RuntimeError):
    """The sidecar did not compile: it died, timed out, or refused the request."""


class Compiler:
    """Compiles components through one sidecar process; use it from one event loop."""

    def __init__(self, toolchain: Toolchain) -> None:
        self._toolchain = toolchain
        self._sidecar: _Sidecar | None = None
        self._spawning = asyncio.Lock()
        self._ids = itertools.count(1)
        self._closed = False

    @classmethod
    async def start(cls, toolchain: Toolchain) -> Compiler:
        compiler = cls(toolchain)
        try:
            await compiler._request({"op": "ping"}, timeout=30)
        except BaseException:
            await compiler.close()
            raise
        return compiler

    async def __aenter__(self) -> Compiler:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def pid(self) -> int | None:
        """The running sidecar's process id, if one is running."""
        sidecar = self._sidecar
        return sidecar.process.pid if sidecar is not None and sidecar.alive else None

    async def compile(
        self,
        source: str,
        *,
        filename: str,
        css_entry: str | None = None,
        css_base: Path | None = None,
        timeout: float = 10,
    ) -> CompileResult:
        """The compiled module (CommonJS) and Tailwind CSS of one component (`.html`: the CSS only).

        A syntax error is a result (`module` None, `errors` set), not an exception.
        """
        answer = await self._request(
            {
                "op": "compile",
                "source": source,
                "filename": filename,
                "css": {"entry": css_entry, "base": str(css_base) if css_base else None},
            },
            timeout=timeout,
        )
        return CompileResult(
            module=answer.get("module"),
            css=answer.get("css") or "",
            errors=tuple(
                CompileError(
                    message=str(error.get("message", "")),
                    line=int(error.get("line") or 0),
                    column=int(error.get("column") or 0),
                )
                for error in answer.get("errors") or ()
            ),
            ms=float(answer.get("ms") or 0.0),
        )

    async def vendor(self, out_dir: Path, *, timeout: float = 120) -> list[str]:
        """Build the React ESM vendor files into `out_dir`; their names relative to it."""
        answer = await self._request({"op": "vendor", "outDir": str(out_dir)}, timeout=timeout)
        return [str(name) for name in answer["files"]]

    async def close(self) -> None:
        self._closed = True
        async with self._spawning:
            sidecar, self._sidecar = self._sidecar, None
        if sidecar is not None:
            await sidecar.stop()

    async def _request(self, payload: dict[str, Any], *, timeout: float) -> dict[str, Any]:
        sidecar, request_id, answer = await self._send(payload)
        try:
            message = await asyncio.wait_for(answer, timeout)
        except TimeoutError:
            log.warning("the compiler sidecar took over %s s; restarting it", timeout)
            await sidecar.kill()
            raise CompilerError(
                f"the compiler did not answer within {timeout} s (it is restarted)"
            ) from None
        finally:
            sidecar.pending.pop(request_id, None)
        if not message.get("ok"):
            raise CompilerError(str(message.get("error") or "the compiler refused the request"))
        return message

    async def _send(
        self, payload: dict[str, Any]
    ) -> tuple[_Sidecar, int, asyncio.Future[dict[str, Any]]]:
        # A request written to a process that has just died never reached it: send it again,
        # once, to a fresh process.
        for attempt in (1, 2):
            sidecar = await self._running()
            request_id = next(self._ids)
            answer = sidecar.expect(request_id)
            try:
                await sidecar.write({"id": request_id, **payload})
            except ConnectionError as error:
                sidecar.pending.pop(request_id, None)
                if answer.done() and not answer.cancelled():
                    answer.exception()  # failed with the process: retrieved, and replaced
                await sidecar.kill()
                if attempt == 2:
                    raise CompilerError(f"could not reach the compiler sidecar: {error}") from None
                continue
            return sidecar, request_id, answer
        raise AssertionError("unreachable")

    async def _running(self) -> _Sidecar:
        async with self._spawning:
            if self._closed:
                raise CompilerError("the compiler is closed")
            if self._sidecar is None or not self._sidecar.alive:
                self._sidecar = await _Sidecar.spawn(self._toolchain)
            return self._sidecar


class _Sidecar:
    """One sidecar process, the requests waiting on it and the tasks reading its pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._stderr_reader = asyncio.create_task(self._drain_stderr())
        self._stdout_reader = asyncio.create_task(self._read_answers())

    @classmethod
    async def spawn(cls, toolchain: Toolchain) -> _Sidecar:
        try:
            process = await asyncio.create_subprocess_exec(
                *toolchain.sidecar_command(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=LINE_LIMIT,
            )
        except OSError as error:
            raise CompilerError(f"could not start the compiler sidecar: {error}") from error
        log.debug("compiler sidecar started, pid %s", process.pid)
        return cls(process)

    @property
    def alive(self) -> bool:
        if self.process.returncode is not None or self._stdout_reader.done():
            return False
        try:  # gone already, its exit not yet reported to this loop: a request would be lost
            os.kill(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def expect(self, request_id: int) -> asyncio.Future[dict[str, Any]]:
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = answer
        return answer

    async def write(self, request: dict[str, Any]) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        if not self.alive or stdin.is_closing():
            raise ConnectionResetError("the sidecar has exited")
        stdin.write(json.dumps(request).encode() + b"\n")
        await stdin.drain()

    async def kill(self) -> None:
        """Kill the process; its pending requests fail once its output ends."""
        with contextlib.suppress(ProcessLookupError):
            if self.process.returncode is None:
                self.process.kill()
        await asyncio.shield(self._stdout_reader)

    async def stop(self) -> None:
        """Let the process finish what it has, then exit; kill it if it lingers."""
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._stdout_reader), STOP_GRACE)
        except TimeoutError:
            await self.kill()
        await self._stderr_reader

    async def _read_answers(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        reason = "exited"
        try:
            while line := await stdout.readline():
                self._dispatch(line)
        except ValueError:  # a line over LINE_LIMIT: the stream cannot be trusted any more
            reason = "sent an answer too large to read"
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        try:
            code = await asyncio.wait_for(self.process.wait(), STOP_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            code = await self.process.wait()
        # let the last stderr lines arrive for the message
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._stderr_reader), 1.0)
        stderr = "\n".join(self._stderr_tail)
        error = CompilerError(
            f"the compiler sidecar {reason} (code {code})" + (f":\n{stderr}" if stderr else "")
        )
        if self.pending or code != 0:
            log.warning("%s", error)
        for answer in self.pending.values():
            if not answer.done():
                answer.set_exception(error)
        self.pending.clear()

    def _dispatch(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            log.warning("compiler sidecar wrote a line that is not JSON: %r", line[:200])
            return
        request_id = message.get("id") if isinstance(message, dict) else None
        answer = self.pending.pop(request_id, None) if isinstance(request_id, int) else None
        if answer is None:
            log.warning("compiler sidecar answered no pending request: %.200s", line)
        elif not answer.done():
            answer.set_result(message)

    async def _drain_stderr(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        while line := await stderr.readline():
            text = line.decode(errors="replace").rstrip()
            self._stderr_tail.append(text)
            log.warning("compiler sidecar: %s", text)
