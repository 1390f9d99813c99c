"""How fast openv0-lsp answers over real stdio LSP sessions, beside a bare pygls server.

Every figure is measured in the same run as its baseline (`benchmarks/bare_server.py`), taking
turns between the two where that makes sense, because absolute timings on a small shared
machine are noise; the ratios are what to read.

a. `openv0.generate` (offline, fixed prompt, a new file each run): request → response, by which
   time the file is on disk; beside the bare server's no-op command and its fixed-file write.
   The first generation of a fresh process (lazy caches) is reported on its own.
b. `textDocument/codeAction` while 5 generations are in flight all the time (`stepDelayMs` 20
   keeps each one alive across several event-loop turns), beside the bare server's code
   action with no load. The two take turns in blocks; the generations drain before each bare
   block so the baseline really has no load.
c. Process spawn → `initialize` result, openv0 and bare taking turns. Both run with a warm
   bytecode cache in the temp dir (as an installed package would have), even where the
   environment sets PYTHONDONTWRITEBYTECODE. If openv0 misses its goal, the import profile of
   both servers is compared and the packages openv0 adds are listed.
d. RSS of the openv0 process right after `initialize` and after 100 generations, beside the
   bare server's after as many fixed-file writes.

    python benchmarks/lsp_benchmark.py [--runs N] [--quick] [--json]

Timings are never asserted anywhere; the goal table at the end is for people to read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import default_converter
from pygls.uris import from_fs_path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OPENV0 = "openv0"
BARE = "bare"
COMMANDS = {
    OPENV0: [sys.executable, "-m", "openv0_lsp"],
    BARE: [sys.executable, str(HERE / "bare_server.py")],
}
IMPORTS = {OPENV0: "import openv0_lsp.server.app", BARE: "import bare_server"}
PROMPT = "pricing section with three tiers"
CONCURRENT_GENERATIONS = 5
STEP_DELAY_MS = 20
FILES_PER_FOLDER = 40  # openv0 numbers same-named files only up to Name99 in one folder
DOCUMENT = "export function App() {\n  // a login form with email and password\n  return null;\n}\n"
SELECTION = types.Range(
    start=types.Position(line=1, character=2), end=types.Position(line=1, character=41)
)
STOP_TIMEOUT = 10.0
IMPORT_PROFILE_RUNS = 3
SERVER_NOTIFICATIONS = (
    types.WINDOW_LOG_MESSAGE,
    types.WINDOW_SHOW_MESSAGE,
    types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
    "openv0/generationFinished",
)

# How many runs of each figure: the default, --quick (a smoke run) and the floor for --runs N,
# which scales the defaults by N / 60.
DEFAULT_RUNS = {"generate": 60, "code_action": 240, "startup": 12, "rss_generations": 100}
QUICK_RUNS = {"generate": 10, "code_action": 40, "startup": 3, "rss_generations": 20}
MINIMUM_RUNS = {"generate": 5, "code_action": 20, "startup": 2, "rss_generations": 100}


# -- statistics -------------------------------------------------------------------------------
def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile: always a value that was actually measured."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: list[float], *percentiles: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"runs": len(samples)}
    for p in percentiles:
        figures[f"p{p}_ms"] = round(percentile(samples, p), 3)
    return figures


def ratio(subject: float, baseline: float) -> float:
    return round(subject / baseline, 2) if baseline > 0 else math.inf


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return (time.perf_counter() - started) * 1000, result


# -- one LSP session over stdio ---------------------------------------------------------------
def client_converter() -> Any:
    """pygls's converter, reading a code action that carries a command as a `CodeAction`.

    lsprotocol's own hook takes any object with a "command" key for a `Command`, which garbles
    a `CodeAction` whose `command` is a `Command`.
    """
    converter = default_converter()

    def command_or_code_action(value: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(
        Union[types.Command, types.CodeAction],  # noqa: UP007 - the exact key cattrs looks up
        command_or_code_action,
    )
    return converter


async def _read_stderr(stream: asyncio.StreamReader | None, tail: bytearray) -> None:
    # pygls's client pipes the server's stderr: read it so a chatty server never blocks on it,
    # and keep its end to explain a server that dies.
    if stream is None:
        return
    while chunk := await stream.read(65536):
        tail.extend(chunk)
        del tail[:-4000]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy (not idle, not waiting on I/O)."""
    fields = _cpu_fields()
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def machine_stolen_seconds() -> float:
    """CPU seconds the machine's host gave to others while this machine wanted to run (a virtual
    machine's steal time): time no program here could use, whatever it was doing."""
    return _cpu_fields()[7] / os.sysconf("SC_CLK_TCK")


def _cpu_fields() -> list[int]:
    return [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


@dataclass
class Session:
    """A server process and the pygls client talking to it."""

    client: LanguageClient
    server: asyncio.subprocess.Process
    initialize_ms: float  # spawn → initialize result
    stderr_reader: asyncio.Task[None]

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.server.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        if not match:
            raise RuntimeError(f"no VmRSS for process {self.server.pid}")
        return int(match.group(1))

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        return process_cpu_seconds(self.server.pid)

    async def command(self, name: str, *arguments: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        )

    def open_document(self, path: Path) -> str:
        uri = from_fs_path(str(path))
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="typescriptreact", version=1, text=DOCUMENT
                )
            )
        )
        return uri

    async def code_action(self, uri: str) -> Any:
        return await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=SELECTION,
                context=types.CodeActionContext(diagnostics=[]),
            )
        )

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), STOP_TIMEOUT)
            self.client.exit(None)
            await asyncio.wait_for(self.server.wait(), STOP_TIMEOUT)
        except Exception:
            with contextlib.suppress(ProcessLookupError):
                self.server.kill()
            await self.server.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.stop(), STOP_TIMEOUT)
        self.stderr_reader.cancel()
        with contextlib.suppress(BaseException):
            await self.stderr_reader


@dataclass
class Bench:
    """Where the servers run: a temp dir for workspaces and their shared bytecode cache."""

    root: Path

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENV0_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(self.root / "pycache")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        return env

    def workspace(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir()
        return folder

    @contextlib.asynccontextmanager
    async def session(
        self, server: str, workspace: Path, options: dict[str, Any] | None = None
    ) -> AsyncIterator[Session]:
        opened = await self._open(server, workspace, options)
        try:
            yield opened
        finally:
            await opened.close()

    async def _open(self, server: str, workspace: Path, options: dict[str, Any] | None) -> Session:
        client = LanguageClient("openv0-benchmark", "1.0", converter_factory=client_converter)
        for method in SERVER_NOTIFICATIONS:  # answered, so pygls does not warn about each
            client.feature(method)(lambda ls, params: None)
        started = time.perf_counter()
        await client.start_io(*COMMANDS[server], cwd=str(workspace), env=self.environment())
        process = client._server
        assert process is not None
        stderr_tail = bytearray()
        reader = asyncio.create_task(_read_stderr(process.stderr, stderr_tail))
        folder = types.WorkspaceFolder(uri=from_fs_path(str(workspace)), name=workspace.name)
        try:
            await asyncio.wait_for(
                client.initialize_async(
                    types.InitializeParams(
                        process_id=os.getpid(),
                        capabilities=types.ClientCapabilities(),
                        root_uri=folder.uri,
                        workspace_folders=[folder],
                        initialization_options={"openv0": options} if options else None,
                    )
                ),
                30,
            )
        except BaseException as exc:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(reader, 5)
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(client.stop(), STOP_TIMEOUT)
            if not isinstance(exc, Exception):  # cancelled (SIGTERM) or interrupted
                raise
            detail = stderr_tail.decode(errors="replace").strip()
            raise RuntimeError(f"the {server} server did not initialize: {exc}\n{detail}") from exc
        initialize_ms = (time.perf_counter() - started) * 1000
        client.initialized(types.InitializedParams())
        return Session(client, process, initialize_ms, reader)


class Generations:
    """`openv0.generate` with the fixed prompt; each run writes a new file (PricingSection<N>)."""

    def __init__(self, openv0: Session, tag: str):
        self.openv0 = openv0
        self.tag = tag
        self.count = 0
        self.server_ms: list[float] = []
        self.step_ms: dict[str, list[float]] = defaultdict(list)

    async def run(self) -> tuple[float, dict[str, Any]]:
        folder = f"bench/{self.tag}{self.count // FILES_PER_FOLDER}/"
        self.count += 1
        ms, result = await timed(
            lambda: self.openv0.command("openv0.generate", {"prompt": PROMPT, "path": folder})
        )
        if not isinstance(result, dict) or result.get("status") != "written":
            raise RuntimeError(f"openv0.generate did not write a file: {result!r}")
        if not all(Path(f).is_file() for f in result["files"]):
            raise RuntimeError(f"openv0.generate answered before the file was on disk: {result}")
        self.server_ms.append(float(result["ms"]))
        for step, step_ms in (result.get("stepMs") or {}).items():
            self.step_ms[step].append(float(step_ms))
        return ms, result


# -- the measurements -------------------------------------------------------------------------
async def measure_generate_and_rss(bench: Bench, runs: int, rss_generations: int) -> dict:
    """(a) generate vs bare no-op and write, taking turns; (d) RSS before and after."""
    workspace = bench.workspace("a-openv0")
    async with (
        bench.session(OPENV0, workspace) as openv0,
        bench.session(BARE, bench.workspace("a-bare")) as bare,
    ):
        rss_openv0_initialized = openv0.rss_kib()
        rss_bare_initialized = bare.rss_kib()
        generations = Generations(openv0, "a")
        first_ms, _ = await generations.run()  # pays for lazy caches: reported on its own
        await bare.command("bare.noop")
        await bare.command("bare.write")
        bare_writes = 1
        generations.server_ms.clear()
        generations.step_ms.clear()
        generate_ms: list[float] = []
        noop_ms: list[float] = []
        write_ms: list[float] = []
        for _ in range(runs):
            generate_ms.append((await generations.run())[0])
            noop_ms.append((await timed(lambda: bare.command("bare.noop")))[0])
            write_ms.append((await timed(lambda: bare.command("bare.write")))[0])
            bare_writes += 1
        while generations.count < rss_generations:
            await generations.run()
        while bare_writes < rss_generations:
            await bare.command("bare.write")
            bare_writes += 1
        rss_after = openv0.rss_kib()
        rss_bare_after = bare.rss_kib()
        written = len(list((workspace / "bench").rglob("*.tsx")))
        if written != generations.count:
            raise RuntimeError(f"{generations.count} generations but {written} files on disk")
        server_p50 = percentile(generations.server_ms[:runs], 50)
        return {
            "generate": summary(generate_ms, 50, 90)
            | {
                "first_ms": round(first_ms, 3),
                "server_pipeline_p50_ms": round(server_p50, 3),
                "server_step_p50_ms": {
                    step: round(percentile(samples[:runs], 50), 3)
                    for step, samples in generations.step_ms.items()
                },
            },
            "bare_noop": summary(noop_ms, 50, 90),
            "bare_write": summary(write_ms, 50, 90),
            "rss": {
                "openv0_after_initialize_kib": rss_openv0_initialized,
                "openv0_after_generations_kib": rss_after,
                "generations": generations.count,
                "bare_after_initialize_kib": rss_bare_initialized,
                "bare_after_writes_kib": rss_bare_after,
            },
        }


async def measure_code_action(bench: Bench, runs: int) -> dict[str, Any]:
    """(b) codeAction with 5 generations in flight vs bare codeAction with no load, in turns.

    openv0's code action with no load is measured too (in the same turns), to tell a slow
    handler from an event loop that the generations keep busy.
    """
    openv0_folder = bench.workspace("b-openv0")
    bare_folder = bench.workspace("b-bare")
    async with (
        bench.session(OPENV0, openv0_folder, {"stepDelayMs": STEP_DELAY_MS}) as openv0,
        bench.session(BARE, bare_folder) as bare,
    ):
        openv0_uri = openv0.open_document(openv0_folder / "App.tsx")
        bare_uri = bare.open_document(bare_folder / "App.tsx")
        for subject, uri in ((openv0, openv0_uri), (bare, bare_uri)):
            actions = await subject.code_action(uri)
            if len(actions) != 1 or not isinstance(actions[0], types.CodeAction):
                raise RuntimeError(f"a code action request did not return one action: {actions}")
        await Generations(openv0, "warm").run()  # the first generation fills lazy caches

        load = asyncio.Event()
        in_flight = 0
        completed = 0
        in_flight_seen: list[int] = []

        async def keep_generating(worker: int) -> None:
            nonlocal in_flight, completed
            generations = Generations(openv0, f"w{worker}-")
            while True:
                await load.wait()  # returns at once while set: no gap between generations
                in_flight += 1
                try:
                    await generations.run()
                finally:
                    in_flight -= 1
                completed += 1

        async def until(condition: Callable[[], bool]) -> None:
            async with asyncio.timeout(30):
                while not condition():
                    await asyncio.sleep(0.001)

        workers = [asyncio.create_task(keep_generating(n)) for n in range(CONCURRENT_GENERATIONS)]
        openv0_ms: list[float] = []
        openv0_idle_ms: list[float] = []
        bare_ms: list[float] = []
        block = max(10, runs // 8)
        loaded_seconds = loaded_cpu_seconds = 0.0
        try:
            while len(openv0_ms) < runs:
                load.set()
                await until(lambda: in_flight == CONCURRENT_GENERATIONS)
                started, cpu_started = time.perf_counter(), openv0.cpu_seconds()
                for _ in range(min(block, runs - len(openv0_ms))):
                    in_flight_seen.append(in_flight)
                    openv0_ms.append((await timed(lambda: openv0.code_action(openv0_uri)))[0])
                loaded_seconds += time.perf_counter() - started
                loaded_cpu_seconds += openv0.cpu_seconds() - cpu_started
                load.clear()
                await until(lambda: in_flight == 0)
                for _ in range(block):
                    bare_ms.append((await timed(lambda: bare.code_action(bare_uri)))[0])
                    openv0_idle_ms.append((await timed(lambda: openv0.code_action(openv0_uri)))[0])
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return {
            "code_action_under_load": summary(openv0_ms, 50, 99)
            | {
                "concurrent_generations": CONCURRENT_GENERATIONS,
                "step_delay_ms": STEP_DELAY_MS,
                "min_in_flight": min(in_flight_seen),
                "generations_completed": completed,
                # how busy the server process was while the code actions were measured
                "server_cpu_percent": round(100 * loaded_cpu_seconds / loaded_seconds, 1),
            },
            "code_action_idle": summary(openv0_idle_ms, 50, 99),
            "bare_code_action": summary(bare_ms, 50, 99),
        }


async def measure_startup(bench: Bench, runs: int) -> dict[str, Any]:
    """(c) spawn → initialize result, openv0 and bare taking turns (first starts not counted)."""
    samples: dict[str, list[float]] = {OPENV0: [], BARE: []}
    for n in range(-1, runs):  # run -1 fills the bytecode cache
        order = (OPENV0, BARE) if n % 2 == 0 else (BARE, OPENV0)
        for server in order:
            async with bench.session(server, bench.workspace(f"c-{server}-{n + 1}")) as started:
                if n >= 0:
                    samples[server].append(started.initialize_ms)
    return {
        "startup_openv0": summary(samples[OPENV0], 50, 90),
        "startup_bare": summary(samples[BARE], 50, 90),
    }


def import_self_ms(bench: Bench, server: str) -> dict[str, float]:
    """Self import time in ms of every module the server imports before it can start."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", IMPORTS[server]],
        capture_output=True,
        text=True,
        cwd=HERE,
        env=bench.environment(),
        timeout=60,
        check=True,
    )
    modules = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if match:
            modules[match.group(2)] = int(match.group(1)) / 1000
    return modules


def import_profile(bench: Bench) -> dict[str, Any]:
    """What openv0 imports beyond the bare server, by top-level package, and its own modules.

    Each module's time is the least of three runs per server (taking turns), to damp noise.
    """
    runs: dict[str, list[dict[str, float]]] = {OPENV0: [], BARE: []}
    for _ in range(IMPORT_PROFILE_RUNS):
        for server in (OPENV0, BARE):
            runs[server].append(import_self_ms(bench, server))
    openv0, bare = (
        {module: min(r[module] for r in runs[server] if module in r) for module in runs[server][0]}
        for server in (OPENV0, BARE)
    )

    def by_package(modules: dict[str, float]) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for module, ms in modules.items():
            totals[module.split(".")[0]] += ms
        return totals

    openv0_packages, bare_packages = by_package(openv0), by_package(bare)
    extra = {
        package: round(ms - bare_packages.get(package, 0.0), 1)
        for package, ms in openv0_packages.items()
    }
    own = {m: round(ms, 1) for m, ms in openv0.items() if m.startswith("openv0_lsp")}
    return {
        "openv0_total_ms": round(sum(openv0.values()), 1),
        "bare_total_ms": round(sum(bare.values()), 1),
        "extra_by_package_ms": dict(sorted(extra.items(), key=lambda kv: -kv[1])[:10]),
        "openv0_modules_self_ms": dict(sorted(own.items(), key=lambda kv: -kv[1])[:8]),
    }


# -- report -----------------------------------------------------------------------------------
def goals(figures: dict[str, Any]) -> list[dict[str, Any]]:
    generate_p50 = figures["generate"]["p50_ms"]
    action_ratio = ratio(
        figures["code_action_under_load"]["p99_ms"], figures["bare_code_action"]["p99_ms"]
    )
    startup_ratio = ratio(figures["startup_openv0"]["p50_ms"], figures["startup_bare"]["p50_ms"])
    return [
        {"figure": "generate p50 (ms)", "goal": "< 30", "actual": generate_p50},
        {
            "figure": "codeAction p99 under load / bare p99",
            "goal": "<= 3.0",
            "actual": action_ratio,
        },
        {"figure": "start→initialize p50 / bare p50", "goal": "<= 1.3", "actual": startup_ratio},
    ]


def judge(goal: dict[str, Any]) -> bool:
    operator, _, limit = goal["goal"].partition(" ")
    return goal["actual"] < float(limit) if operator == "<" else goal["actual"] <= float(limit)


def print_table(figures: dict[str, Any]) -> None:
    def row(label: str, subject: str, baseline: str, note: str = "") -> None:
        print(f"{label:<40} {subject:>17} {baseline:>17}  {note}".rstrip())

    def pair(f: dict[str, Any], a: str, b: str) -> str:
        return f"{f[a]:.2f} / {f[b]:.2f}"

    g, noop, write = figures["generate"], figures["bare_noop"], figures["bare_write"]
    ca, bca = figures["code_action_under_load"], figures["bare_code_action"]
    so, sb = figures["startup_openv0"], figures["startup_bare"]
    rss = figures["rss"]
    mib = 1024
    print(f"openv0-lsp benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cpus)\n")
    row("figure", "openv0", "bare pygls", "notes")
    print("-" * 110)
    row(
        f"a. executeCommand→file p50/p90 ms ({g['runs']})",
        pair(g, "p50_ms", "p90_ms"),
        pair(noop, "p50_ms", "p90_ms"),
        f"bare = no-op command; p50 {ratio(g['p50_ms'], noop['p50_ms'])}x",
    )
    row(
        "   bare fixed-file write p50/p90 ms",
        "",
        pair(write, "p50_ms", "p90_ms"),
        f"p50 {ratio(g['p50_ms'], write['p50_ms'])}x",
    )
    steps = ", ".join(f"{k} {v:.1f}" for k, v in g["server_step_p50_ms"].items())
    row("   openv0 pipeline p50 ms (server's own)", f"{g['server_pipeline_p50_ms']:.2f}", "", steps)
    row("   first generation of a process ms", f"{g['first_ms']:.2f}", "", "lazy caches filled")
    row(
        f"b. codeAction p50/p99 ms ({ca['runs']}/{bca['runs']})",
        pair(ca, "p50_ms", "p99_ms"),
        pair(bca, "p50_ms", "p99_ms"),
        f"openv0 with {ca['concurrent_generations']} generations in flight (stepDelayMs "
        f"{ca['step_delay_ms']}, {ca['generations_completed']} done, server CPU "
        f"{ca['server_cpu_percent']:.0f}%), bare idle;"
        f" p99 {ratio(ca['p99_ms'], bca['p99_ms'])}x",
    )
    idle = figures["code_action_idle"]
    row(
        f"   codeAction p50/p99 ms, both idle ({idle['runs']})",
        pair(idle, "p50_ms", "p99_ms"),
        pair(bca, "p50_ms", "p99_ms"),
        f"p99 {ratio(idle['p99_ms'], bca['p99_ms'])}x",
    )
    row(
        f"c. spawn→initialize p50/p90 ms ({so['runs']})",
        pair(so, "p50_ms", "p90_ms"),
        pair(sb, "p50_ms", "p90_ms"),
        f"p50 {ratio(so['p50_ms'], sb['p50_ms'])}x",
    )
    row(
        "d. RSS MiB after initialize",
        f"{rss['openv0_after_initialize_kib'] / mib:.1f}",
        f"{rss['bare_after_initialize_kib'] / mib:.1f}",
    )
    row(
        f"   RSS MiB after {rss['generations']} generations",
        f"{rss['openv0_after_generations_kib'] / mib:.1f}",
        f"{rss['bare_after_writes_kib'] / mib:.1f}",
        f"bare after as many fixed-file writes; openv0 grew "
        f"{(rss['openv0_after_generations_kib'] - rss['openv0_after_initialize_kib']) / mib:.1f}",
    )
    print(f"\n{'goal':<40} {'target':>8} {'actual':>9}  ok")
    print("-" * 64)
    for goal in figures["goals"]:
        ok = "yes" if goal["ok"] else "NO"
        print(f"{goal['figure']:<40} {goal['goal']:>8} {goal['actual']:>9}  {ok}")
    profile = figures.get("import_profile")
    if profile:
        print(
            f"\nstart-up goal missed: imports take {profile['openv0_total_ms']} ms in openv0,"
            f" {profile['bare_total_ms']} ms in bare (python -X importtime, self times)"
        )
        print("  extra by top-level package (ms):")
        for package, ms in profile["extra_by_package_ms"].items():
            print(f"    {package:<28} {ms:>8.1f}")
        print("  openv0's own modules (ms):")
        for module, ms in profile["openv0_modules_self_ms"].items():
            print(f"    {module:<40} {ms:>8.1f}")


async def run(runs: dict[str, int]) -> dict[str, Any]:
    # On SIGTERM, unwind like on Ctrl-C: servers shut down, the temp dir is removed.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    with tempfile.TemporaryDirectory(prefix="openv0-bench-") as temp:
        bench = Bench(Path(temp).resolve())
        figures: dict[str, Any] = {}
        figures |= await measure_startup(bench, runs["startup"])
        figures |= await measure_generate_and_rss(
            bench, runs["generate"], max(runs["rss_generations"], runs["generate"] + 1)
        )
        figures |= await measure_code_action(bench, runs["code_action"])
        figures["goals"] = [goal | {"ok": judge(goal)} for goal in goals(figures)]
        if not figures["goals"][2]["ok"]:
            figures["import_profile"] = import_profile(bench)
    return figures


def run_counts(args: argparse.Namespace) -> dict[str, int]:
    if args.runs:
        scale = args.runs / DEFAULT_RUNS["generate"]
        return {
            name: max(MINIMUM_RUNS[name], round(DEFAULT_RUNS[name] * scale))
            for name in DEFAULT_RUNS
        }
    return dict(QUICK_RUNS if args.quick else DEFAULT_RUNS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--runs",
        type=int,
        metavar="N",
        help=f"generate runs (default {DEFAULT_RUNS['generate']}); the other counts scale",
    )
    parser.add_argument("--quick", action="store_true", help="a few runs of each: a smoke run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        figures = asyncio.run(run(run_counts(args)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted: servers stopped, temp dir removed")
    if args.json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        print_table(figures)


if __name__ == "__main__":
    main()
