"""Share the event loop fairly among many streams, whatever each one has to do.

asyncio runs every callback that is ready at the start of a loop turn before it looks at
anything else. When a hundred generations become ready at once (their requests start together,
their answers end together, a backlog arrives), one turn can run for hundreds of milliseconds:
a code action, a cancel or a progress report waits all that time.

`share_loop()` is a checkpoint placed before each piece of streaming work. Once `BUDGET` of
work has run in the current turn, every checkpoint reached yields until a later turn has room;
a fresh budget starts with each turn. A turn therefore runs about `BUDGET` of checkpointed work
plus a short step per waiting task, and the rest goes on, in order, in the turns after.
"""

from __future__ import annotations

import asyncio
import time

BUDGET = 0.001  # seconds of checkpointed work per event-loop turn

_budget_started = 0.0  # perf_counter when the current turn's budget began
_fresh_turn = True  # no checkpoint has started a budget in the current turn yet
_marked_in: asyncio.AbstractEventLoop | None = None  # where a `_new_turn` call is queued


def _new_turn() -> None:
    global _fresh_turn, _marked_in
    _fresh_turn, _marked_in = True, None


def _mark_next_turn(loop: asyncio.AbstractEventLoop) -> None:
    global _marked_in
    if _marked_in is not loop:  # none queued, or queued in a loop that has since stopped
        _marked_in = loop
        loop.call_soon(_new_turn)


async def share_loop() -> None:
    """Return once this turn's budget has room: at once if it has, else in a later turn.

    The first checkpoint of a turn starts its budget and marks the next turn's start with a
    callback queued now, ahead of every task that will yield in this turn. A lone stream on an
    idle loop therefore never yields: it only queues that callback."""
    global _budget_started, _fresh_turn
    loop = asyncio.get_running_loop()
    while True:
        now = time.perf_counter()
        if _fresh_turn:
            _fresh_turn = False
            _budget_started = now
            _mark_next_turn(loop)
            return
        if now - _budget_started < BUDGET:
            return
        _mark_next_turn(loop)
        await asyncio.sleep(0)
