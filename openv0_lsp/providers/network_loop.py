"""The model streams' own event loop, in a thread of its own.

A hundred answers streaming at once cost a Python process most of a core: reading sockets,
decoding events, parsing JSON. On the language server's event loop that work made every request,
cancel and progress report wait its turn, and the loop lagged 50-100 ms. Here the streams run on
a second event loop in a daemon thread; the server's loop receives their events in batches and
stays free to answer. Both threads share the GIL, so the server's loop waits at most about one
switch interval (5 ms) for it when the streams keep the other thread busy.

`run(coro)` runs a coroutine on the network loop; `stream(source)` iterates an async generator
there and yields its items here. Cancelling the caller, or closing the stream early, cancels the
work over there and waits until it has stopped, so an HTTP stream is closed by the time the
cancel returns. Called on the network loop itself, both run in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class NetworkLoop:
    """An event loop in a daemon thread, started on first use."""

    def __init__(self, name: str = "openv0-network"):
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name=self._name, daemon=True).start()
                self._loop = loop
            return self._loop

    def is_current(self) -> bool:
        """True when called on the network loop itself."""
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """`coro`'s result (or exception), computed on the network loop."""
        if self.is_current():
            return await coro
        here = asyncio.get_running_loop()
        there = self._started()
        outcome: asyncio.Future[T] = here.create_future()
        tasks: list[asyncio.Task[T]] = []

        def start() -> None:
            task = there.create_task(coro)
            tasks.append(task)
            task.add_done_callback(lambda done: here.call_soon_threadsafe(_settle, done, outcome))

        there.call_soon_threadsafe(start)
        try:
            return await asyncio.shield(outcome)
        except asyncio.CancelledError:
            # `start` ran before this callback: the network loop runs them in order.
            there.call_soon_threadsafe(lambda: tasks[0].cancel())
            await asyncio.wait([outcome])  # until the work over there has really stopped
            if not outcome.cancelled():
                outcome.exception()  # retrieved: nobody else will ask for it
            raise

    async def stream(self, source: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
        """`source`'s items, produced on the network loop, in order."""
        if self.is_current():
            async with contextlib.aclosing(source):
                async for item in source:
                    yield item
            return
        channel: _Channel[T] = _Channel(asyncio.get_running_loop())

        async def pump() -> None:
            try:
                async with contextlib.aclosing(source):
                    async for item in source:
                        channel.put(item)
            except Exception as exc:
                channel.close(exc)
            else:
                channel.close(None)

        pumping = asyncio.ensure_future(self.run(pump()))
        try:
            while batch := await channel.take():
                for item in batch:
                    yield item
        finally:
            if not pumping.done():
                pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping


def _settle(task: asyncio.Task[T], outcome: asyncio.Future[T]) -> None:
    if outcome.done():
        return
    if task.cancelled():
        outcome.cancel()
    elif (error := task.exception()) is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(task.result())


class _Channel(Generic[T]):
    """Items put from any thread, taken in batches on the consumer's loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._lock = threading.Lock()
        self._items: list[T] = []
        self._closed = False
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None

    def put(self, item: T) -> None:
        with self._lock:
            self._items.append(item)
            self._wake()

    def close(self, error: BaseException | None) -> None:
        with self._lock:
            self._closed, self._error = True, error
            self._wake()

    def _wake(self) -> None:  # under the lock; one wake-up per batch, not per item
        if self._waiter is not None:
            waiter, self._waiter = self._waiter, None
            self._loop.call_soon_threadsafe(_resolve, waiter)

    async def take(self) -> list[T]:
        """The items put since the last take; [] once closed; raises the error it closed with."""
        while True:
            with self._lock:
                if self._items:
                    items, self._items = self._items, []
                    return items
                if self._closed:
                    if self._error is not None:
                        raise self._error
                    return []
                waiter = self._waiter = self._loop.create_future()
            await waiter


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


NETWORK = NetworkLoop()  # every provider's network traffic runs here
