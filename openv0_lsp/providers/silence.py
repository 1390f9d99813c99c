"""A first-byte / idle timeout for a stream, without a timer per chunk.

`asyncio.timeout_at` around every read costs a timer handle per chunk, a large share of the
per-token cost when a model streams thousands of one-token chunks. `SilenceWatch` keeps one timer
armed and re-arms it only when it fires early: a chunk just records the time. The timer expires
the surrounding `asyncio.timeout` (so the read is cancelled and `TimeoutError` raised in the
reading frame) only while the reader is actually waiting for bytes: time the caller spends with a
chunk in hand never counts as the server's silence.

    async with asyncio.timeout(None) as timeout:
        watch = SilenceWatch(timeout, first_byte_by=..., idle=30.0)
        while True:
            watch.waiting = True
            chunk = await anext(chunks)
            watch.arrived()
            ...
    # TimeoutError: watch.phase says "first_byte" or "idle"
"""

from __future__ import annotations

import asyncio
from typing import Literal


class SilenceWatch:
    def __init__(self, timeout: asyncio.Timeout, *, first_byte_by: float, idle: float):
        self._timeout = timeout
        self._loop = asyncio.get_running_loop()
        self._idle = idle
        self._deadline = first_byte_by  # loop time by which the next byte must arrive
        self.waiting = False  # True only while a read is pending: silence counts only then
        self.phase: Literal["first_byte", "idle"] = "first_byte"
        self._handle: asyncio.TimerHandle | None = self._loop.call_at(first_byte_by, self._check)

    def arrived(self) -> None:
        """A read returned: the server is alive; silence counts again from now."""
        self.waiting = False
        self._deadline = self._loop.time() + self._idle
        self.phase = "idle"

    def _check(self) -> None:
        now = self._loop.time()
        if self.waiting and now >= self._deadline:
            self._handle = None
            self._timeout.reschedule(now)  # expires at once: the read is cancelled
            return
        self._handle = self._loop.call_at(max(self._deadline, now + 0.001), self._check)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
