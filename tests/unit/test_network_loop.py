"""The network loop: work runs in its thread, results and items come back in order, and a
cancel or an early close stops the work over there before it returns."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncGenerator

import pytest

from openv0_lsp.providers.network_loop import NetworkLoop


@pytest.fixture
def network() -> NetworkLoop:
    return NetworkLoop(name="test-network")


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


async def test_run_computes_on_the_network_thread(network: NetworkLoop):
    assert await network.run(_thread_name()) == "test-network"
    assert threading.current_thread().name != "test-network"


async def test_run_raises_the_error_raised_over_there(network: NetworkLoop):
    async def fail() -> None:
        await asyncio.sleep(0)
        raise ValueError("over there")

    with pytest.raises(ValueError, match="over there"):
        await network.run(fail())


async def test_run_on_the_network_loop_itself_runs_in_place(network: NetworkLoop):
    async def nested() -> str:
        return await network.run(_thread_name())  # would deadlock if it hopped again

    assert await asyncio.wait_for(network.run(nested()), 5) == "test-network"


async def test_cancelling_the_caller_stops_the_work_before_the_cancel_returns(
    network: NetworkLoop,
):
    started = threading.Event()
    seen: list[str] = []

    async def long_work() -> None:
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            seen.append("cancelled over there")
            raise
        finally:
            await asyncio.sleep(0.05)  # closing takes a moment, as closing a stream does
            seen.append("cleaned up")

    task = asyncio.ensure_future(network.run(long_work()))
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert seen == ["cancelled over there", "cleaned up"]


async def _numbers(count: int, where: list[str], fail_after: int | None = None):
    try:
        for i in range(count):
            if i % 50 == 0:
                await asyncio.sleep(0.001)  # items come in bursts, as network chunks do
            if i == fail_after:
                raise RuntimeError(f"failed after {i}")
            where.append(threading.current_thread().name)
            yield i
    finally:
        where.append("closed")


async def _collect(stream: AsyncGenerator[int, None]) -> list[int]:
    async with contextlib.aclosing(stream):
        return [item async for item in stream]


async def test_stream_gives_every_item_in_order_produced_over_there(network: NetworkLoop):
    where: list[str] = []
    assert await _collect(network.stream(_numbers(1000, where))) == list(range(1000))
    assert set(where[:-1]) == {"test-network"} and where[-1] == "closed"


async def test_stream_gives_the_items_before_the_error(network: NetworkLoop):
    got: list[int] = []
    with pytest.raises(RuntimeError, match="failed after 120"):
        async with contextlib.aclosing(network.stream(_numbers(1000, [], 120))) as stream:
            async for item in stream:
                got.append(item)
    assert got == list(range(120))


async def test_leaving_a_stream_early_closes_the_source_before_returning(network: NetworkLoop):
    where: list[str] = []
    async with contextlib.aclosing(network.stream(_numbers(100_000, where))) as stream:
        async for item in stream:
            if item == 10:
                break
    assert where[-1] == "closed"
    assert len(where) < 100_000  # it stopped instead of producing everything


async def test_cancelling_a_stream_consumer_closes_the_source(network: NetworkLoop):
    where: list[str] = []
    first = asyncio.Event()

    async def consume() -> None:
        async def slow() -> AsyncGenerator[int, None]:
            try:
                for i in range(1000):
                    await asyncio.sleep(0.01)
                    yield i
            finally:
                where.append("closed")

        async with contextlib.aclosing(network.stream(slow())) as stream:
            async for _ in stream:
                first.set()

    task = asyncio.ensure_future(consume())
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert where == ["closed"]
