"""How much time openv0-lsp adds to a model's own streaming, and how it holds up under load.

The model is the fake OpenRouter (`tests/fake_openrouter.py`) answering as a scripted model:
the plan request gets the plan as JSON (110 pieces of 4 characters, about a token each), the
enhance request a component of exactly `--tokens` pieces, both streamed at `--rate` tokens a
second.
The fake runs in a child process of its own on 127.0.0.1, so its sending never delays the
benchmark's own reading of the server's answers; it reports when it sent each chat answer.
The server is `python -m openv0_lsp` over stdio with the provider `openai` (an OpenAI-compatible
server, no key, model `bench/model`: no `:free` model, so no client-side rate limit) and
`OPENV0_LOOP_LAG_PROBE=1`.

a. Overhead per generation, `--runs` generations one after the other (one warm-up run first,
   and the server's own background warm-up ended), all written into one folder the warm-up
   created, like a user's components folder:
   executeCommand sent → its response received (by which time the file is on disk: checked),
   minus the fake's own stream time for that generation = the sum, over the generation's chat
   requests, of (last byte sent - headers sent) as the fake measured it.
b. `--concurrent` generations sent at once through the same server: each must write its own
   file holding exactly the component its own stream carried (each stream has its own marker),
   with no repair request. The event-loop lag probe is read right before and after the load.
c. `textDocument/codeAction` ("Generate component from selection") back to back on the idle
   server right before (b), the baseline, and all through (b), starting once every
   `openv0.generate` request of (b) has been sent: the user asks while they run.

    python benchmarks/model_benchmark.py [--quick] [--runs N] [--concurrent N] [--tokens N]
                                         [--rate TOKENS_PER_S] [--concurrent-rate TOKENS_PER_S]
                                         [--json]

The default rate of (a), 4000 tokens/s, is 20-50 times a real model's: 2000 tokens stream in
0.5 s, so the 30 runs take about 20 s and the per-token cost of the server weighs as much as it
ever can against the stream time (a slower model only makes the overhead a smaller share of it).
The concurrent streams of (b) run at `--concurrent-rate`, 100 tokens/s each by default: faster
than OpenRouter's free models (20-60 tokens/s) and about a fast paid one, so 100 of them ask
the server for 10,000 tokens a second. At 4000 tokens/s each they would ask for 400,000, which
no one model account delivers and one Python process cannot parse: that load measures nothing
a user meets.
Timings are never asserted anywhere; the verdicts at the end are for people to read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]  # lsp_benchmark's session code, tests' fake

from lsp_benchmark import (  # noqa: E402
    OPENV0,
    Bench,
    Session,
    machine_busy_seconds,
    machine_stolen_seconds,
    percentile,
    process_cpu_seconds,
    ratio,
    summary,
    timed,
)

from openv0_lsp.server.loop_lag import ENV_SWITCH  # noqa: E402
from tests.fake_openrouter import FakeOpenRouter, Received, Reply, Tick  # noqa: E402
from tests.scripted_model import PLAN, ScriptedModel  # noqa: E402

MODEL = "bench/model"
PROMPT = "pricing section with three tiers"
CHUNK_CHARS = 4  # characters in one streamed piece: about a token
TAG_SLOT = "@@@@"  # where each request's own tag goes in the streamed component
TAG = re.compile(r"\[([wrg]\d{3})\]")  # in the prompt: warm-up, run or concurrent generation
MARKER = "Made by the bench model, answer "
FAKE_START_TIMEOUT = 30.0
WARM_UP_TIMEOUT = 60.0
CHATS_TIMEOUT = 5.0
LOAD_TIMEOUT = 600.0  # the longest a generation, or the whole concurrent load, may take
# Where (a) writes: one folder, as a user's generations land in their components folder
# (PricingSection.tsx, PricingSection2.tsx, ...); the warm-up creates it.
OVERHEAD_FOLDER = "overhead/"

# The goals of the issue.
OVERHEAD_GOAL_MS = 20.0
OVERHEAD_GOAL_SHARE = 0.03  # of the stream time
LAG_GOAL_MS = 50.0


@dataclass(frozen=True)
class Load:
    """What one benchmark run asks of the server."""

    runs: int = 30  # generations one at a time, for the overhead
    concurrent: int = 100  # generations at once
    tokens: int = 2000  # of each component
    rate: float = 4000.0  # tokens a second, every stream of (a)
    concurrent_rate: float = 100.0  # tokens a second, every stream of (b)
    code_actions: int = 200  # on the idle server, the baseline


QUICK = Load(runs=5, concurrent=10, tokens=400, concurrent_rate=400.0, code_actions=40)


# -- the model the fake plays -----------------------------------------------------------------
ITEM = '  {{ id: {n}, title: "Feature {n}", detail: "Included in every plan, from Hobby up" }},\n'
COMPONENT = """import {{ useState }} from "react";

type Item = {{ id: number; title: string; detail: string }};

const ITEMS: Item[] = [
{items}];

export default function PricingSection() {{
  const [open, setOpen] = useState<number | null>(null);
  return (
    <section className="bg-white py-16 dark:bg-gray-950">
      <h2 className="text-3xl font-bold text-gray-900 dark:text-white">Plans for every team</h2>
      <p className="text-gray-600 dark:text-gray-300">{marker}{slot}</p>
      <ul className="mt-8 grid gap-4 sm:grid-cols-2">
        {{ITEMS.map((item) => (
          <li key={{item.id}} className="rounded-lg border border-gray-200 p-4">
            <button type="button" onClick={{() => setOpen(open === item.id ? null : item.id)}}>
              {{item.title}}
            </button>
            {{open === item.id && <p className="text-sm text-gray-500">{{item.detail}}</p>}}
          </li>
        ))}}
      </ul>
    </section>
  );
}}
"""
INTRO = "Here is the component:"
FENCE = "\n\n```tsx\n"
OUTRO = "```\n\nIt lists the features of every plan."


@dataclass(frozen=True)
class Answer:
    """The enhance answer: `text` streams in exactly `tokens` pieces; `TAG_SLOT` in it (one
    whole piece) takes the request's tag; `component` is the code the file must hold."""

    text: str
    component: str
    tokens: int

    @classmethod
    def of_tokens(cls, tokens: int) -> Answer:
        size = tokens * CHUNK_CHARS

        def text_with(count: int) -> tuple[str, str]:
            items = "".join(ITEM.format(n=n) for n in range(1, count + 1))
            component = COMPONENT.format(items=items, marker=MARKER, slot=TAG_SLOT)
            return component, INTRO + FENCE + component + OUTRO

        count = 0
        while len(text_with(count + 1)[1]) + CHUNK_CHARS - 1 <= size:
            count += 1
        component, text = text_with(count)
        if len(text) + CHUNK_CHARS - 1 > size:
            shortest = -(-(len(text) + CHUNK_CHARS - 1) // CHUNK_CHARS)
            raise ValueError(f"the component needs at least {shortest} tokens")
        # Spaces after the intro put the slot at the start of a piece; spaces after the outro
        # make the length exact. Both are prose, outside the code.
        offset = len(INTRO + FENCE) + component.index(TAG_SLOT)
        align = -offset % CHUNK_CHARS
        text = INTRO + " " * align + FENCE + component + OUTRO
        return cls(text + " " * (size - len(text)), component, tokens)

    def reply(self, rate: float) -> Reply:
        return Reply.code_stream(
            self.text, chunk_chars=CHUNK_CHARS, tokens_per_second=rate, model=MODEL
        )

    def expected_file(self, tag: str) -> str:
        return self.component.replace(TAG_SLOT, tag)


class BenchModel(ScriptedModel):
    """The scripted model: the plan and, for each request's tag, its own component, both
    paced at `rate`, or at `concurrent_rate` for the concurrent generations (tags `g…`).

    The replies are built once, the model's id already in every chunk: answering one costs the
    fake a copy of the list of steps, not thousands of JSON encodings or placeholder
    replacements, which would fall into the server's share of the time."""

    def __init__(self, answer: Answer, rate: float, concurrent_rate: float):
        enhances = {"one": answer.reply(rate), "g": answer.reply(concurrent_rate)}
        plans = {"one": plan_reply(rate), "g": plan_reply(concurrent_rate)}
        slot = json.dumps(TAG_SLOT).encode()
        steps_of = enhances["one"].steps
        index = next(i for i, s in enumerate(steps_of) if isinstance(s, bytes) and slot in s)

        def pace(request: Received) -> str:
            return "g" if tag_of(request).startswith("g") else "one"

        def plan_for(request: Received) -> Reply:
            return plans[pace(request)]

        def enhance_for(request: Received) -> Reply:
            enhance = enhances[pace(request)]
            steps = list(enhance.steps)
            step = steps[index]
            assert isinstance(step, bytes)
            steps[index] = step.replace(slot, json.dumps(tag_of(request)).encode())
            return dataclasses.replace(enhance, steps=steps)

        super().__init__(plan=plan_for, enhance=enhance_for)


def plan_reply(rate: float) -> Reply:
    """The plan as JSON in a fence, streamed at the same rate as the component."""
    text = f"Here is the plan:\n```json\n{json.dumps(PLAN)}\n```"
    return Reply.code_stream(text, chunk_chars=CHUNK_CHARS, tokens_per_second=rate, model=MODEL)


def plan_tokens() -> int:
    return sum(1 for step in plan_reply(1.0).steps if isinstance(step, Tick))


def tag_of(request: Received) -> str:
    messages = (request.json or {}).get("messages") or []
    match = TAG.search("\n".join(str(m.get("content", "")) for m in messages))
    return match.group(1) if match else "????"


async def serve_fake(tokens: int, rate: float, concurrent_rate: float) -> None:
    """The child process: the fake with the bench model. It prints its base URL, then for each
    line on stdin one line of the chat answers it finished since, until stdin closes."""
    model = BenchModel(Answer.of_tokens(tokens), rate, concurrent_rate)
    loop = asyncio.get_running_loop()
    async with FakeOpenRouter(check_keys=False) as fake:
        fake.responder = model
        fake.models = [{"id": MODEL}]  # `openv0.status` finds the model offered
        print(json.dumps({"baseUrl": fake.base_url}), flush=True)
        reported: set[int] = set()
        while await loop.run_in_executor(None, sys.stdin.readline):
            finished = [c for c in fake.chats if c.finished_at and id(c) not in reported]
            reported.update(id(c) for c in finished)
            records = [
                {
                    "kind": ScriptedModel.kind(c),
                    "tag": tag_of(c),
                    "seconds": c.stream_seconds,
                    "completed": c.completed,
                }
                for c in finished
            ]
            print(json.dumps(records), flush=True)


# -- the fake, seen from the benchmark --------------------------------------------------------
@dataclass(frozen=True)
class Chat:
    """One chat answer the fake sent: which request kind, for which tag, and how long the fake
    itself took to send it (headers → last byte)."""

    kind: str
    tag: str
    seconds: float
    completed: bool


class FakeModel:
    """The child process running the fake; `by_tag` holds the answers it has finished, by the
    tag of the generation that asked."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str):
        self.process = process
        self.base_url = base_url
        self.by_tag: dict[str, list[Chat]] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, load: Load) -> AsyncIterator[FakeModel]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--serve-fake",
            f"--tokens={load.tokens}",
            f"--rate={load.rate}",
            f"--concurrent-rate={load.concurrent_rate}",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        try:
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), FAKE_START_TIMEOUT)
            if not line:
                raise RuntimeError("the fake model server did not start (see its stderr)")
            yield cls(process, json.loads(line)["baseUrl"])
        finally:
            if process.stdin is not None:
                process.stdin.close()  # the child's cue to stop
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()

    async def collect(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(b"chats\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), CHATS_TIMEOUT)
        for record in json.loads(line):
            chat = Chat(**record)
            self.by_tag.setdefault(chat.tag, []).append(chat)

    async def chats_of(self, tag: str) -> list[Chat]:
        """The plan and enhance answers of one generation (waiting briefly for the fake to
        note the end of a stream the server has already read to the end)."""
        deadline = time.monotonic() + CHATS_TIMEOUT
        while True:
            await self.collect()
            chats = self.by_tag.get(tag, [])
            if {"plan", "enhance"} <= {c.kind for c in chats} or time.monotonic() > deadline:
                return chats
            await asyncio.sleep(0.01)


# -- one generation ---------------------------------------------------------------------------
@dataclass
class Generation:
    tag: str
    ms: float  # executeCommand sent → response received
    result: Any

    def problem(self, answer: Answer, chats: list[Chat]) -> str | None:
        """What is wrong with this generation, or None if it wrote the right file."""
        result = self.result
        if not isinstance(result, dict) or result.get("status") != "written":
            return f"{self.tag}: not written: {str(result)[:300]}"
        if len(result["files"]) != 1:
            return f"{self.tag}: {len(result['files'])} files"
        path = Path(result["files"][0])
        if not path.is_file():
            return f"{self.tag}: answered before {path} was on disk"
        if path.read_text(encoding="utf-8") != answer.expected_file(self.tag):
            return f"{self.tag}: {path} does not hold the component its own stream carried"
        kinds = sorted(c.kind for c in chats)
        if kinds != ["enhance", "plan"]:
            return f"{self.tag}: model requests {kinds}, not one plan and one enhance"
        if not all(c.completed for c in chats):
            return f"{self.tag}: a stream was not sent to the end"
        return None


def send_generate(openv0: Session, tag: str, folder: str) -> asyncio.Future[Any]:
    """Send `openv0.generate` now (the message is written before this returns); its answer."""
    arguments = {"prompt": f"{PROMPT} [{tag}]", "path": folder, "force": True}
    params = types.ExecuteCommandParams(command="openv0.generate", arguments=[arguments])
    return asyncio.wrap_future(openv0.client.workspace_execute_command(params))


async def generate(openv0: Session, tag: str, folder: str) -> Generation:
    started = time.perf_counter()
    result = await asyncio.wait_for(send_generate(openv0, tag, folder), LOAD_TIMEOUT)
    return Generation(tag, (time.perf_counter() - started) * 1000, result)


async def warmed_up(openv0: Session) -> None:
    """Wait for the server's background warm-up (templates, parsers) to end: the runs measure
    the server as it runs from then on, not its start-up competing with them."""
    deadline = time.monotonic() + WARM_UP_TIMEOUT
    while not (await openv0.command("openv0.status")).get("warmedUp"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not warm up within {WARM_UP_TIMEOUT:g} s")
        await asyncio.sleep(0.05)


async def loop_lag(openv0: Session) -> dict[str, Any]:
    """The server's event-loop lag since the previous call (the probe resets on each)."""
    status = await openv0.command("openv0.status")
    report = status.get("eventLoop") if isinstance(status, dict) else None
    if not report:
        raise RuntimeError(f"openv0.status has no eventLoop report ({ENV_SWITCH}=1?): {status}")
    return report


# -- the measurements -------------------------------------------------------------------------
async def measure_overhead(openv0: Session, fake: FakeModel, answer: Answer, runs: int) -> dict:
    """(a) executeCommand → response, minus the fake's stream time, one generation at a time."""
    warm = await generate(openv0, "w000", OVERHEAD_FOLDER)  # lazy imports, first connection
    if problem := warm.problem(answer, await fake.chats_of("w000")):
        raise RuntimeError(problem)
    await warmed_up(openv0)
    round_trip: list[float] = []
    streamed: list[float] = []
    overhead: list[float] = []
    server_ms: list[float] = []
    step_ms: dict[str, list[float]] = {}
    for n in range(1, runs + 1):
        tag = f"r{n:03d}"
        done = await generate(openv0, tag, OVERHEAD_FOLDER)
        chats = await fake.chats_of(tag)
        if problem := done.problem(answer, chats):
            raise RuntimeError(problem)
        stream_ms = sum(c.seconds for c in chats) * 1000
        round_trip.append(done.ms)
        streamed.append(stream_ms)
        overhead.append(done.ms - stream_ms)
        server_ms.append(float(done.result["ms"]))
        for step, ms in (done.result.get("stepMs") or {}).items():
            step_ms.setdefault(step, []).append(float(ms))
    shares = [o / s * 100 for o, s in zip(overhead, streamed, strict=True)]
    return summary(overhead, 50, 90) | {
        "percent_of_stream_p50": round(percentile(shares, 50), 2),
        "percent_of_stream_p90": round(percentile(shares, 90), 2),
        "stream_p50_ms": round(percentile(streamed, 50), 3),
        "round_trip_p50_ms": round(percentile(round_trip, 50), 3),
        "first_round_trip_ms": round(warm.ms, 3),
        "server_pipeline_p50_ms": round(percentile(server_ms, 50), 3),
        "server_step_p50_ms": {s: round(percentile(v, 50), 3) for s, v in step_ms.items()},
    }


async def measure_code_action_idle(openv0: Session, uri: str, runs: int) -> dict[str, Any]:
    """(c) the baseline: code actions back to back with nothing else running, and the
    event-loop lag meanwhile (the probe is reset first, and read and reset again after)."""
    await loop_lag(openv0)
    samples = [(await timed(lambda: openv0.code_action(uri)))[0] for _ in range(runs)]
    return summary(samples, 50, 99) | {"max_loop_lag_ms": (await loop_lag(openv0))["maxLagMs"]}


async def measure_concurrent(
    openv0: Session, fake: FakeModel, answer: Answer, count: int, uri: str
) -> dict[str, Any]:
    """(b) `count` generations at once, with (c) code actions back to back all through; the
    lag probe was reset by the idle code actions right before."""
    tags = [f"g{n:03d}" for n in range(1, count + 1)]
    answered_ms: dict[str, float] = {}
    code_action_ms: list[float] = []
    cpu_started = openv0.cpu_seconds()
    fake_cpu_started = process_cpu_seconds(fake.process.pid)
    own_cpu_started = time.process_time()
    machine_started = machine_busy_seconds()
    stolen_started = machine_stolen_seconds()
    started = time.perf_counter()
    # Every request is on its way before the first code action: the editor's user asks for a
    # code action while the generations are running.
    pending = {tag: send_generate(openv0, tag, f"concurrent/{tag}/") for tag in tags}

    def note_answer(tag: str, _: object) -> None:
        answered_ms[tag] = (time.perf_counter() - started) * 1000

    for tag, future in pending.items():
        future.add_done_callback(functools.partial(note_answer, tag))
    try:
        async with asyncio.timeout(LOAD_TIMEOUT):
            while len(answered_ms) < count:
                code_action_ms.append((await timed(lambda: openv0.code_action(uri)))[0])
            outcomes = await asyncio.gather(*pending.values(), return_exceptions=True)
    finally:
        for future in pending.values():
            future.cancel()
    wall_seconds = time.perf_counter() - started
    cpu_seconds = openv0.cpu_seconds() - cpu_started
    fake_cpu_seconds = process_cpu_seconds(fake.process.pid) - fake_cpu_started
    own_cpu_seconds = time.process_time() - own_cpu_started
    machine_seconds = machine_busy_seconds() - machine_started
    stolen_seconds = machine_stolen_seconds() - stolen_started
    lag = await loop_lag(openv0)
    generations = [
        Generation(tag, answered_ms[tag], outcome)
        for tag, outcome in zip(tags, outcomes, strict=True)
    ]

    problems = []
    stream_ms = []
    for done in generations:
        chats = await fake.chats_of(done.tag)
        stream_ms += [c.seconds * 1000 for c in chats if c.kind == "enhance"]
        if problem := done.problem(answer, chats):
            problems.append(problem)
    paths = {
        str(done.result["files"][0])
        for done in generations
        if isinstance(done.result, dict) and done.result.get("files")
    }
    kinds = [c.kind for chats in fake.by_tag.values() for c in chats]
    return {
        "code_action_under_load": summary(code_action_ms, 50, 99),
        "concurrent": {
            "generations": count,
            "correct": count - len(problems),
            "unique_paths": len(paths),
            "repair_requests": kinds.count("repair"),
            "problems": problems[:5],
            "wall_ms": round(wall_seconds * 1000, 1),
            "first_answer_ms": round(min(answered_ms.values()), 1),
            "answer_p50_ms": round(percentile(list(answered_ms.values()), 50), 1),
            "tokens_per_s": round(count * (plan_tokens() + answer.tokens) / wall_seconds),
            "enhance_stream_p50_ms": round(percentile(stream_ms, 50), 1),
            "enhance_stream_max_ms": round(max(stream_ms), 1),
            "server_cpu_percent": round(100 * cpu_seconds / wall_seconds, 1),
            "fake_cpu_percent": round(100 * fake_cpu_seconds / wall_seconds, 1),
            "benchmark_cpu_percent": round(100 * own_cpu_seconds / wall_seconds, 1),
            "machine_cpu_percent": round(100 * machine_seconds / wall_seconds, 1),
            "stolen_cpu_percent": round(100 * stolen_seconds / wall_seconds, 1),
            "cores": os.cpu_count(),
            "max_loop_lag_ms": lag["maxLagMs"],
            "max_loop_lag_at_ms": round(lag.get("maxLagAtS", 0) * 1000, 1),
            "max_loop_lag_cpu_ms": lag.get("maxLagCpuMs"),
            "max_loop_busy_ms": lag.get("maxBusyMs"),
            "max_gc_pause_ms": lag.get("maxGcPauseMs"),
            "max_gc_generation": lag.get("maxGcGeneration"),
            "loop_lag_samples": lag["samples"],
        },
    }


# -- report -----------------------------------------------------------------------------------
def goals(figures: dict[str, Any]) -> list[dict[str, Any]]:
    overhead, concurrent = figures["overhead"], figures["concurrent"]
    allowed = round(OVERHEAD_GOAL_MS + OVERHEAD_GOAL_SHARE * overhead["stream_p50_ms"], 1)
    rows = [
        ("overhead p50 (ms)", overhead["p50_ms"], allowed),
        ("overhead p90 (ms)", overhead["p90_ms"], allowed),
        ("max event-loop lag under load (ms)", concurrent["max_loop_lag_ms"], LAG_GOAL_MS),
    ]
    table = [
        {"figure": figure, "goal": f"< {limit}", "actual": actual, "ok": actual < limit}
        for figure, actual, limit in rows
    ]
    table.insert(
        2,
        {
            "figure": "concurrent generations correct",
            "goal": f"= {concurrent['generations']}",
            "actual": concurrent["correct"],
            "ok": concurrent["correct"] == concurrent["unique_paths"] == concurrent["generations"],
        },
    )
    return table


def print_report(figures: dict[str, Any]) -> None:
    def line(label: str, value: str, note: str = "") -> None:
        print(f"   {label:<40} {value:>17}  {note}".rstrip())

    def pair(f: dict[str, Any], a: str, b: str) -> str:
        return f"{f[a]:.2f} / {f[b]:.2f}"

    s, o, c = figures["settings"], figures["overhead"], figures["concurrent"]
    idle, load = figures["code_action_idle"], figures["code_action_under_load"]
    print(
        f"openv0-lsp model benchmark (python {sys.version.split()[0]}, {s['event_loop']} loop,"
        f" {os.cpu_count()} cpus):"
        f" the fake streams a plan of {s['plan_tokens']} tokens and a component of"
        f" {s['tokens']} tokens at {s['rate']:g} tokens/s one at a time (a), at"
        f" {s['concurrent_rate']:g} tokens/s each when concurrent (b); provider {s['provider']},"
        f" model {s['model']}\n"
    )
    print(f"a. overhead per generation, {o['runs']} runs one at a time")
    print("   overhead = (executeCommand sent -> response received, the file on disk by then)")
    print("              - the fake's own stream time = the sum over the generation's chat")
    print("                requests of (last byte sent - headers sent), as the fake measured it")
    line("overhead p50 / p90 ms", pair(o, "p50_ms", "p90_ms"))
    line(
        "as % of the stream time p50 / p90",
        pair(o, "percent_of_stream_p50", "percent_of_stream_p90"),
    )
    line("fake's stream time p50 ms", f"{o['stream_p50_ms']:.2f}")
    line("round trip p50 ms", f"{o['round_trip_p50_ms']:.2f}")
    steps = ", ".join(f"{k} {v:.1f}" for k, v in o["server_step_p50_ms"].items())
    line("server's own pipeline p50 ms", f"{o['server_pipeline_p50_ms']:.2f}", steps)
    line(
        "first generation (warm-up) ms",
        f"{o['first_round_trip_ms']:.2f}",
        "not counted: lazy imports, bytecode compiled into an empty cache",
    )

    print(f"\nb. {c['generations']} concurrent generations through one server, all sent at once")
    line(
        "correct",
        f"{c['correct']} of {c['generations']}",
        f"{c['unique_paths']} unique paths, {c['repair_requests']} repair requests",
    )
    for problem in c["problems"]:
        print(f"     {problem}")
    line(
        "wall time ms",
        f"{c['wall_ms']:.1f}",
        f"{c['tokens_per_s']} tokens/s overall, {c['generations'] * s['concurrent_rate']:g}"
        " asked for;"
        f" server CPU {c['server_cpu_percent']:.0f}%",
    )
    line(
        "machine CPU % (of 100 per core)",
        f"{c['machine_cpu_percent']:.0f} of {100 * (c['cores'] or 1)}",
        f"server {c['server_cpu_percent']:.0f}, fake {c['fake_cpu_percent']:.0f},"
        f" this benchmark {c['benchmark_cpu_percent']:.0f},"
        f" taken by the host (steal) {c['stolen_cpu_percent']:.0f}",
    )
    line(
        "longest garbage-collector pause ms",
        f"{c['max_gc_pause_ms']:.2f}",
        f"generation {c['max_gc_generation']}",
    )
    line("answers ms: first / p50", f"{c['first_answer_ms']:.1f} / {c['answer_p50_ms']:.1f}")
    line(
        "fake's enhance stream ms: p50 / max",
        f"{c['enhance_stream_p50_ms']:.1f} / {c['enhance_stream_max_ms']:.1f}",
        f"{s['tokens'] / s['concurrent_rate'] * 1000:.0f} at the rate",
    )
    line(
        "max event-loop lag ms",
        f"{c['max_loop_lag_ms']:.2f}",
        f"at {c['max_loop_lag_at_ms']:.0f} ms of the load; {c['loop_lag_samples']} samples;"
        f" idle, right before: {idle['max_loop_lag_ms']:.2f}",
    )
    line(
        "  of which the loop's thread ran ms",
        f"{c['max_loop_lag_cpu_ms']:.2f}",
        "the rest it waited for a CPU or the GIL",
    )
    line(
        "most CPU the loop's thread used in one late wake-up ms",
        f"{c['max_loop_busy_ms']:.2f}",
        "the longest our own work held the loop",
    )

    print("\nc. codeAction")
    line(f"p50 / p99 ms, idle right before ({idle['runs']})", pair(idle, "p50_ms", "p99_ms"))
    line(f"p50 / p99 ms, during the load ({load['runs']})", pair(load, "p50_ms", "p99_ms"))
    line("p99 during the load / idle", f"{figures['code_action_p99_ratio']:.2f}x")

    print(f"\n{'goal':<40} {'target':>8} {'actual':>9}  verdict")
    print("-" * 72)
    for goal in figures["goals"]:
        verdict = "goal met" if goal["ok"] else "goal NOT met"
        print(f"{goal['figure']:<40} {goal['goal']:>8} {goal['actual']:>9}  {verdict}")
    print(
        f"(overhead goal: {OVERHEAD_GOAL_MS:g} ms + {OVERHEAD_GOAL_SHARE:.0%} of the fake's"
        " stream time p50)"
    )


async def run(load: Load) -> dict[str, Any]:
    # On SIGTERM, unwind like on Ctrl-C: the server and the fake stop, the temp dir is removed.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    answer = Answer.of_tokens(load.tokens)
    with tempfile.TemporaryDirectory(prefix="openv0-model-bench-") as temp:
        bench = ModelBench(Path(temp).resolve())
        workspace = bench.workspace("workspace")
        async with FakeModel.start(load) as fake:
            options = {"provider": "openai", "baseUrl": fake.base_url, "model": MODEL}
            async with bench.session(OPENV0, workspace, options) as openv0:
                uri = openv0.open_document(workspace / "App.tsx")
                figures: dict[str, Any] = {
                    "settings": dataclasses.asdict(load)
                    | {"plan_tokens": plan_tokens(), "provider": "openai", "model": MODEL}
                    | {"event_loop": (await loop_lag(openv0))["loop"]},
                    "overhead": await measure_overhead(openv0, fake, answer, load.runs),
                }
                actions = await openv0.code_action(uri)
                if len(actions) != 1:
                    raise RuntimeError(f"a code action request did not return one: {actions}")
                idle = await measure_code_action_idle(openv0, uri, load.code_actions)
                figures["code_action_idle"] = idle
                figures |= await measure_concurrent(openv0, fake, answer, load.concurrent, uri)
    figures["code_action_p99_ratio"] = ratio(
        figures["code_action_under_load"]["p99_ms"], figures["code_action_idle"]["p99_ms"]
    )
    figures["goals"] = goals(figures)
    return figures


class ModelBench(Bench):
    """lsp_benchmark's sessions, with the lag probe on and no API key of this machine."""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        for name in ("OPENROUTER_API_KEY", "OPENAI_API_KEY"):
            env.pop(name, None)
        env[ENV_SWITCH] = "1"
        return env


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK.runs} runs, {QUICK.concurrent} at once, {QUICK.tokens} tokens",
    )
    default = Load()
    parser.add_argument(
        "--runs", type=int, metavar="N", help=f"overhead runs (default {default.runs})"
    )
    parser.add_argument(
        "--concurrent",
        type=int,
        metavar="N",
        help=f"generations at once (default {default.concurrent})",
    )
    parser.add_argument(
        "--tokens", type=int, metavar="N", help=f"tokens of a component (default {default.tokens})"
    )
    parser.add_argument(
        "--rate",
        type=float,
        metavar="TOKENS_PER_S",
        help=f"every stream's rate (default {default.rate:g})",
    )
    parser.add_argument(
        "--concurrent-rate",
        type=float,
        metavar="TOKENS_PER_S",
        help=f"every concurrent stream's rate (default {default.concurrent_rate:g})",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve-fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = ("runs", "concurrent", "tokens", "rate", "concurrent_rate")
    chosen = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    load = dataclasses.replace(QUICK if args.quick else default, **chosen)
    if args.serve_fake:
        asyncio.run(serve_fake(load.tokens, load.rate, load.concurrent_rate))
        return
    if not (1 <= load.runs <= 999 and 1 <= load.concurrent <= 999):
        parser.error("--runs and --concurrent take 1 to 999")
    if load.rate <= 0 or load.concurrent_rate <= 0:
        parser.error("--rate and --concurrent-rate must be positive")
    try:
        Answer.of_tokens(load.tokens)
    except ValueError as exc:
        parser.error(f"--tokens: {exc}")
    try:
        figures = asyncio.run(run(load))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted: the server and the fake stopped, temp dir removed")
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print_report(figures)


if __name__ == "__main__":
    main()
