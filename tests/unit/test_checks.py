"""The server's key and model checks: kept per provider choice, asked again when their answer
may have changed by itself."""

from __future__ import annotations

import asyncio
from typing import Any

from openv0_lsp.providers.select import ProviderChoice
from openv0_lsp.server.checks import CheckCache

LOCAL = ProviderChoice(name="openai", model="llama3", base_url="http://127.0.0.1:11434/v1")


class Answers:
    """A check that answers the given states in turn, counting its runs."""

    def __init__(self, *states: str):
        self.states = list(states)
        self.runs: list[ProviderChoice] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, choice: ProviderChoice) -> dict[str, Any]:
        self.runs.append(choice)
        await self.gate.wait()
        return {"state": self.states.pop(0), "message": ""}


async def test_a_settled_answer_is_kept_while_the_choice_stays():
    answers = Answers("listed")
    checks = CheckCache(answers, again_after=0)
    first = await checks.get(LOCAL)
    assert await checks.get(LOCAL) is first and answers.runs == [LOCAL]


async def test_an_unreachable_server_is_asked_again_next_time():
    answers = Answers("unreachable", "not listed", "listed", "valid")
    checks = CheckCache(answers, again_after=0)
    assert (await checks.get(LOCAL))["state"] == "unreachable"  # not started yet
    assert (await checks.get(LOCAL))["state"] == "not listed"  # started, still pulling
    assert (await checks.get(LOCAL))["state"] == "listed"
    assert (await checks.get(LOCAL))["state"] == "listed"  # kept
    assert len(answers.runs) == 3


async def test_asked_again_at_most_once_every_few_seconds():
    answers = Answers("not listed", "listed")
    checks = CheckCache(answers, again_after=0.2)
    first = await checks.get(LOCAL)
    assert await checks.get(LOCAL) is first  # too soon
    await asyncio.sleep(0.25)
    assert (await checks.get(LOCAL))["state"] == "listed" and len(answers.runs) == 2


async def test_another_choice_is_checked_anew():
    answers = Answers("valid", "valid")
    checks = CheckCache(answers, again_after=0)
    await checks.get(LOCAL)
    other = ProviderChoice(name="openai", model="qwen2.5-coder:7b", base_url=LOCAL.base_url)
    await checks.get(other)
    assert answers.runs == [LOCAL, other]


async def test_askers_share_the_check_that_runs():
    answers = Answers("unchecked")
    answers.gate.clear()
    checks = CheckCache(answers, again_after=0)
    running = checks.get(LOCAL)
    assert checks.get(LOCAL) is running  # even one whose answer will be asked again
    answers.gate.set()
    assert (await running)["state"] == "unchecked" and len(answers.runs) == 1


async def test_a_check_that_failed_is_run_again():
    calls = []

    async def broken(choice: ProviderChoice) -> dict[str, Any]:
        calls.append(choice)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return {"state": "valid"}

    checks = CheckCache(broken, again_after=0)
    first = checks.get(LOCAL)
    await asyncio.gather(first, return_exceptions=True)
    assert (await checks.get(LOCAL))["state"] == "valid"
