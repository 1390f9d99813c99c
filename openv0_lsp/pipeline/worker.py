"""The one worker thread for the pipeline's CPU-bound and disk work.

Parsing, rendering, validating and writing (with its fsync and SQLite commit) run here, off the
event loop, so the server keeps answering while generations run. One thread for every
generation: concurrent generations queue their work instead of several threads fighting the
event loop's thread for the GIL, and two writes never race for the same file name.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from openv0_lsp.loop_share import share_loop

T = TypeVar("T")

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openv0-pipeline")


async def in_worker(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    call = functools.partial(function, *args, **kwargs)
    result = await asyncio.get_running_loop().run_in_executor(_WORKER, call)
    # The worker finishes jobs while the loop is busy; a hundred generations woken in one turn
    # would each run on to their next wait in that turn. They take turns instead.
    await share_loop()
    return result


async def in_worker_to_the_end(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`in_worker` for work that must not stop halfway, such as writing a file and recording it.

    A cancel while the work still waits for the worker cancels it: nothing ran. A cancel once it
    runs comes too late: the work finishes, its result is returned and the cancel is dropped, so
    the caller reports what really happened.
    """
    job = _WORKER.submit(functools.partial(function, *args, **kwargs))
    result = asyncio.wrap_future(job)
    while True:
        try:
            return await asyncio.shield(result)
        except asyncio.CancelledError:
            if job.cancel():  # it had not begun
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
