"""The one worker thread for the pipeline's CPU-bound work.

Parsing, rendering and validating run here, off the event loop, so the server keeps answering
while generations run. One thread for every generation: concurrent generations queue their
work instead of several threads fighting the event loop's thread for the GIL.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openv0-pipeline")


async def in_worker(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    call = functools.partial(function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKER, call)
