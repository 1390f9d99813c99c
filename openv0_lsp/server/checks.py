"""The key check and the model check the server keeps, one of each per provider choice.

A check runs when the settings choose another provider, model or key, and is reused while they
stay. A check whose answer may change by itself is run again when next asked: the server could
not be reached (the model server was not started yet), the key could not be checked, the model
was not listed (it is being pulled or loaded); at most once every `again_after` seconds, so an
editor that polls the status does not fetch OpenRouter's model list over and over.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the providers load after `initialize` is answered
    from openv0_lsp.providers.select import ProviderChoice

Report = dict[str, Any]  # a check as `openv0.status` shows it: `state`, `message`, …
ASK_AGAIN = frozenset({"unchecked", "unreachable", "not listed"})


class CheckCache:
    def __init__(
        self,
        run: Callable[[ProviderChoice], Coroutine[Any, Any, Report]],
        *,
        again_after: float = 10.0,
    ):
        self._run = run
        self._again_after = again_after
        self._held: tuple[ProviderChoice, asyncio.Task[Report]] | None = None
        self._ended_at = 0.0  # loop time when the held check ended

    def get(self, choice: ProviderChoice) -> asyncio.Task[Report]:
        """The check for `choice`: the one running or kept, or a new one."""
        loop = asyncio.get_running_loop()
        if self._held is not None:
            held_choice, task = self._held
            if held_choice == choice and not self._worth_asking_again(task, loop.time()):
                return task
        task = loop.create_task(self._run(choice))
        task.add_done_callback(self._ended)
        self._held = (choice, task)
        return task

    def _ended(self, task: asyncio.Task[Report]) -> None:
        if self._held is not None and self._held[1] is task:
            self._ended_at = asyncio.get_running_loop().time()

    def _worth_asking_again(self, task: asyncio.Task[Report], now: float) -> bool:
        if not task.done() or now - self._ended_at < self._again_after:
            return False
        if task.cancelled() or task.exception() is not None:
            return True
        return task.result().get("state") in ASK_AGAIN
