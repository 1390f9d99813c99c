"""Running generations: one asyncio task each, cancellable by id, by request id or all at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any


@dataclass
class Job:
    generation_id: str
    request_id: Any
    task: asyncio.Task[dict[str, Any]]
    finishing: bool = False  # past the write: the outcome stands, cancel no longer applies


class GenerationJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    def start(
        self, generation_id: str, request_id: Any, work: Coroutine[Any, Any, dict[str, Any]]
    ) -> asyncio.Task[dict[str, Any]]:
        task = asyncio.get_running_loop().create_task(work, name=f"generation {generation_id}")
        self._jobs[generation_id] = Job(generation_id, request_id, task)
        task.add_done_callback(lambda _: self._jobs.pop(generation_id, None))
        return task

    def mark_finishing(self, generation_id: str) -> None:
        if job := self._jobs.get(generation_id):
            job.finishing = True

    def cancel(self, generation_id: str) -> bool:
        job = self._jobs.get(generation_id)
        return job.task.cancel() if job and not job.finishing else False

    def cancel_request(self, request_id: Any) -> None:
        for job in list(self._jobs.values()):
            if job.request_id == request_id:
                self.cancel(job.generation_id)

    async def cancel_all(self) -> None:
        tasks = [job.task for job in self._jobs.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
