"""How fast openv0's live preview shows an edit, beside Vite's HMR measured in the same run.

The same ~150-line TSX component (a grid of plan cards with a heading, a coloured swatch and
some `useState`) is previewed by both tools, set up in a temp dir that is removed at the end
(also on Ctrl-C or SIGTERM):

- Vite 8 + React (`@vitejs/plugin-react`) + Tailwind 4 (`@tailwindcss/vite`): `index.html`,
  `src/main.tsx` rendering `src/Component.tsx`, `src/index.css` with `@import "tailwindcss";`,
  served by `vite` (one Node process) on 127.0.0.1. Its `node_modules` are installed once into
  `~/.cache/openv0/bench-vite-<hash>` and hard-linked (else copied) into the temp dir, so a
  second run needs no network.
- openv0: `python -m openv0_lsp.cli preview --workspace DIR --port 0` (the standalone CLI: one
  Python process and its Node compiler sidecar), serving `components/Bench.tsx`; its component
  page shows the component in an iframe (`/frame/`).

Both follow file writes through their folder watchers, so that is what is measured: the new
text is written the way an editor saves (a temp file renamed over the component).

a. write → new heading text in Chromium's DOM, and write → new background colour applied
   (`bg-rose-500` ↔ `bg-sky-500`, a class whose CSS neither tool has before the edit), p50 and
   p90 each. One Chromium, two pages; each repetition changes the text, then the colour, in both
   tools, taking turns on which goes first, with a pause after each change for the tool to go
   quiet. The time starts with `time.time()` right before the write and ends with the wall
   clock an in-page `MutationObserver` (and a `requestAnimationFrame` check while armed) reads
   when the text is there or `getComputedStyle` gives the new colour: both are epoch ms on this
   machine; the page's clock offset is measured (fastest of 15 round trips) and subtracted.
   Two warm-up rounds are not counted. Full reloads (`framenavigated` on Vite's page and on
   openv0's page and frame) are counted from the end of the warm-up. A websocket client of
   openv0's notes when each build message arrives, which splits openv0's time into
   write → build message (watcher, compile, send) and the page's share (import, render).
b. RSS of the whole preview: the sum of VmRSS over the process tree (from /proc) of openv0's
   preview (Python + Node sidecar) and of Vite (Node), once both pages show the component and
   again after (a). Chromium is not counted.
c. One update delivered to `--clients` websocket clients of openv0 (aiohttp, one process,
   connected in batches to `/t/TOKEN/ws?component=components/Bench.tsx`): the time from the
   write to each client receiving the new build's message; the build itself is in it. The
   clients' own reading in this one Python process is in it too.

    python benchmarks/preview_latency.py [--reps N] [--quick] [--clients N] [--json]

Timings are never asserted anywhere; the verdicts at the end are for people to read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from playwright.async_api import Browser, Frame, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]  # lsp_benchmark's statistics, the tests' Chromium

from lsp_benchmark import percentile, ratio  # noqa: E402

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OPENV0 = "openv0"
VITE = "vite"
COMPONENT_ID = "components/Bench.tsx"  # in openv0's workspace
VITE_COMPONENT = "src/Component.tsx"  # in the Vite project
HEADING = "[data-bench=heading]"
SWATCH = "[data-bench=swatch]"
COLOURS = ("bg-rose-500", "bg-sky-500")
WARM_UP_ROUNDS = 2
SETTLE = 0.3  # seconds of quiet after each change, before the next tool's turn
CHANGE_TIMEOUT = 10.0  # seconds a change may take to show before it counts as missed
START_TIMEOUT = 120.0  # a server answering, a first build, a page showing the component
INSTALL_TIMEOUT = 900.0  # npm install, or openv0's first-use toolchain install
BROADCAST_TIMEOUT = 30.0
CONNECT_BATCH = 100
STOP_TIMEOUT = 10.0

# The goals of the issue.
LATENCY_RATIO_GOAL = 0.5  # openv0 p50 / Vite p50
BROADCAST_P99_GOAL_MS = 250.0

# What the Vite project asks npm for; if vite@8 is not on the registry, the fallback.
VITE_PACKAGES = {
    "vite": "^8.0.0",
    "@vitejs/plugin-react": "^6.0.0",
    "react": "^19.0.0",
    "react-dom": "^19.0.0",
    "tailwindcss": "^4.0.0",
    "@tailwindcss/vite": "^4.0.0",
}
VITE_PACKAGES_FALLBACK = VITE_PACKAGES | {"vite": "latest", "@vitejs/plugin-react": "latest"}


# -- the component ----------------------------------------------------------------------------
COMPONENT = """import { useState } from "react";

type Plan = {
  id: number;
  name: string;
  price: number;
  blurb: string;
  features: string[];
  popular?: boolean;
};

const PLANS: Plan[] = [
  {
    id: 1,
    name: "Hobby",
    price: 0,
    blurb: "For side projects and trying things out.",
    features: ["1 project", "Community support", "Basic analytics"],
  },
  {
    id: 2,
    name: "Starter",
    price: 12,
    blurb: "For a first product with real users.",
    features: ["5 projects", "Email support", "Custom domain"],
  },
  {
    id: 3,
    name: "Team",
    price: 29,
    blurb: "For small teams shipping every week.",
    features: ["Unlimited projects", "Shared workspaces", "Audit log"],
    popular: true,
  },
  {
    id: 4,
    name: "Business",
    price: 79,
    blurb: "For companies with many teams.",
    features: ["SAML single sign-on", "Priority support", "Usage reports"],
  },
  {
    id: 5,
    name: "Scale",
    price: 199,
    blurb: "For products with heavy traffic.",
    features: ["Dedicated build machines", "99.99% uptime", "Staging regions"],
  },
  {
    id: 6,
    name: "Enterprise",
    price: 499,
    blurb: "For organisations with their own rules.",
    features: ["Contract billing", "On-call engineer", "Data residency"],
  },
];

function Feature({ text }: { text: string }) {
  return (
    <li className="flex items-center gap-2 text-sm text-gray-600">
      <span className="inline-block h-1.5 w-1.5 rounded-full bg-gray-400" />
      {text}
    </li>
  );
}

type CardProps = {
  plan: Plan;
  yearly: boolean;
  selected: boolean;
  onSelect: (id: number) => void;
};

function PlanCard({ plan, yearly, selected, onSelect }: CardProps) {
  const price = yearly ? plan.price * 10 : plan.price;
  const border = selected ? "border-gray-900 ring-2 ring-gray-900" : "border-gray-200";
  return (
    <article className={`flex flex-col rounded-2xl border bg-white p-6 shadow-sm ${border}`}>
      <div className="flex items-center justify-between">
        <h2 className="text-lg font-semibold text-gray-900">{plan.name}</h2>
        {plan.popular && (
          <span className="rounded-full bg-gray-900 px-2 py-0.5 text-xs text-white">
            Popular
          </span>
        )}
      </div>
      <p className="mt-2 text-sm text-gray-500">{plan.blurb}</p>
      <p className="mt-4">
        <span className="text-4xl font-bold text-gray-900">${price}</span>
        <span className="text-sm text-gray-500">{yearly ? " / year" : " / month"}</span>
      </p>
      <ul className="mt-6 space-y-2">
        {plan.features.map((feature) => (
          <Feature key={feature} text={feature} />
        ))}
      </ul>
      <button
        type="button"
        onClick={() => onSelect(plan.id)}
        className="mt-auto rounded-lg bg-gray-900 px-4 py-2 text-sm font-medium text-white"
      >
        {selected ? "Selected" : `Choose ${plan.name}`}
      </button>
    </article>
  );
}

export default function Bench() {
  const [yearly, setYearly] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const [query, setQuery] = useState("");
  const visible = PLANS.filter((plan) =>
    plan.name.toLowerCase().includes(query.trim().toLowerCase()),
  );
  return (
    <section className="mx-auto max-w-6xl px-6 py-12">
      <header className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 data-bench="heading" className="text-3xl font-bold tracking-tight text-gray-900">
            @@HEADING@@
          </h1>
          <p className="mt-1 text-gray-500">Pick the plan that fits your team today.</p>
        </div>
        <div data-bench="swatch" className="h-12 w-12 rounded-xl shadow-md @@COLOUR@@" />
      </header>
      <div className="mt-8 flex flex-wrap items-center gap-4">
        <input
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder="Filter plans"
          className="w-64 rounded-lg border border-gray-300 px-3 py-2 text-sm"
        />
        <label className="flex items-center gap-2 text-sm text-gray-700">
          <input type="checkbox" checked={yearly} onChange={() => setYearly(!yearly)} />
          Pay yearly (two months free)
        </label>
      </div>
      <div className="mt-8 grid gap-6 sm:grid-cols-2 lg:grid-cols-3">
        {visible.map((plan) => (
          <PlanCard
            key={plan.id}
            plan={plan}
            yearly={yearly}
            selected={selected === plan.id}
            onSelect={setSelected}
          />
        ))}
      </div>
      {visible.length === 0 && (
        <p className="mt-8 text-center text-sm text-gray-500">No plan matches "{query}".</p>
      )}
    </section>
  );
}
"""


def component_text(heading: str, colour: str) -> str:
    return COMPONENT.replace("@@HEADING@@", heading).replace("@@COLOUR@@", colour)


def write_atomically(path: Path, text: str) -> None:
    """As an editor saves: a temp file beside it (a name no watcher builds), renamed over it."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def now_ms() -> float:
    return time.time() * 1000


# -- processes --------------------------------------------------------------------------------
def tree_rss_kib(pid: int) -> dict[str, int]:
    """VmRSS in KiB of `pid` and all its descendants, summed by command name (from /proc)."""
    totals: dict[str, int] = {}
    stack = [pid]
    while stack:
        current = stack.pop()
        proc = Path(f"/proc/{current}")
        try:
            status = (proc / "status").read_text()
            for task in (proc / "task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except OSError:
            continue
        name = re.search(r"^Name:\s+(\S+)", status, re.MULTILINE)
        rss = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        if name and rss:
            totals[name.group(1)] = totals.get(name.group(1), 0) + int(rss.group(1))
    return totals


@dataclass
class Child:
    """A server the benchmark started, in a process group of its own; its log in a file."""

    name: str
    process: asyncio.subprocess.Process
    log: Path

    @classmethod
    async def start(
        cls, name: str, command: list[str], cwd: Path, log: Path, env: dict[str, str]
    ) -> Child:
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=out,
                start_new_session=True,
            )
        return cls(name, process, log)

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def failed(self, what: str) -> RuntimeError:
        return RuntimeError(f"{self.name}: {what}\n{self.tail()}")

    async def stop(self, polite: signal.Signals) -> None:
        """`polite` to the server, then SIGKILL to its whole group (its children too): after
        `STOP_TIMEOUT`, or at once if the wait is cut short (the run cancelled once more)."""
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(polite)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.process.wait()), STOP_TIMEOUT)
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)


@contextlib.asynccontextmanager
async def running(child: Child, polite: signal.Signals) -> AsyncIterator[Child]:
    try:
        yield child
    finally:
        await child.stop(polite)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- the Vite project -------------------------------------------------------------------------
def cache_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "openv0"


def vite_package_json(packages: dict[str, str]) -> str:
    manifest = {"name": "openv0-bench-vite", "private": True, "type": "module"}
    return json.dumps(manifest | {"dependencies": packages}, indent=2) + "\n"


async def run_npm(arguments: list[str], cwd: Path, timeout: float) -> tuple[int, str]:
    env = os.environ | {"npm_config_update_notifier": "false"}
    process = await asyncio.create_subprocess_exec(
        "npm",
        *arguments,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        raise
    return process.returncode or 0, output.decode(errors="replace")


async def vite_packages(notes: list[str]) -> Path:
    """The folder holding the Vite project's node_modules: cached, else installed now."""
    for packages in (VITE_PACKAGES, VITE_PACKAGES_FALLBACK):
        digest = hashlib.sha256(vite_package_json(packages).encode()).hexdigest()[:16]
        root = cache_dir() / f"bench-vite-{digest}"
        if (root / "node_modules" / "vite" / "package.json").is_file():
            return root
    for packages in (VITE_PACKAGES, VITE_PACKAGES_FALLBACK):
        digest = hashlib.sha256(vite_package_json(packages).encode()).hexdigest()[:16]
        root = cache_dir() / f"bench-vite-{digest}"
        if packages is VITE_PACKAGES:
            status, output = await run_npm(["view", "vite@8", "version"], Path.cwd(), 60)
            if status != 0 or not output.strip():
                notes.append("`npm view vite@8 version` failed: falling back to vite@latest")
                continue
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
        try:
            (staging / "package.json").write_text(vite_package_json(packages))
            progress(f"installing the Vite project's packages into {root} (once)")
            status, output = await run_npm(
                ["install", "--no-audit", "--no-fund"], staging, INSTALL_TIMEOUT
            )
            if status != 0:
                tail = "\n".join(output.strip().splitlines()[-10:])
                notes.append(f"npm install of {packages['vite']!r} vite failed: {tail}")
                continue
            with contextlib.suppress(OSError):  # another run got there first: use theirs
                staging.rename(root)
            if packages is not VITE_PACKAGES:
                notes.append("vite@8 did not install: measured the newest vite that did")
            return root
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    raise RuntimeError("could not install the Vite project's packages:\n" + "\n".join(notes))


VITE_CONFIG = """import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  clearScreen: false,
  server: { host: "127.0.0.1", port: @@PORT@@, strictPort: true },
});
"""
VITE_INDEX = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>bench</title>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
"""
VITE_MAIN = """import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import Component from "./Component";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Component />
  </StrictMode>,
);
"""


def make_vite_project(folder: Path, packages: Path, port: int, component: str) -> None:
    (folder / "src").mkdir(parents=True)
    shutil.copyfile(packages / "package.json", folder / "package.json")
    if (packages / "package-lock.json").is_file():
        shutil.copyfile(packages / "package-lock.json", folder / "package-lock.json")
    try:  # hard links: instant, and Vite sees a real node_modules inside its root
        shutil.copytree(
            packages / "node_modules", folder / "node_modules", symlinks=True, copy_function=os.link
        )
    except (OSError, shutil.Error):
        shutil.rmtree(folder / "node_modules", ignore_errors=True)
        shutil.copytree(packages / "node_modules", folder / "node_modules", symlinks=True)
    (folder / "vite.config.ts").write_text(VITE_CONFIG.replace("@@PORT@@", str(port)))
    (folder / "index.html").write_text(VITE_INDEX)
    (folder / "src" / "main.tsx").write_text(VITE_MAIN)
    (folder / "src" / "index.css").write_text('@import "tailwindcss";\n')
    (folder / VITE_COMPONENT).write_text(component)


def package_version(folder: Path, package: str) -> str:
    manifest = folder / "node_modules" / package / "package.json"
    return json.loads(manifest.read_text())["version"]


async def wait_until_serving(child: Child, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if child.process.returncode is not None:
                raise child.failed(f"exited with status {child.process.returncode}")
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
    raise child.failed(f"did not serve {url} within {START_TIMEOUT:.0f} s")


# -- openv0's preview -------------------------------------------------------------------------
@dataclass
class Preview:
    child: Child
    url: str  # the gallery, http://127.0.0.1:PORT/t/TOKEN/

    def component_url(self, component: str) -> str:
        return f"{self.url}c/{quote(component, safe='')}"

    def ws_url(self, component: str) -> str:
        return f"ws{self.url.removeprefix('http')}ws?component={quote(component, safe='')}"


async def start_preview(workspace: Path, log: Path) -> Child:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    command = [
        *(sys.executable, "-m", "openv0_lsp.cli", "preview"),
        *("--workspace", str(workspace), "--port", "0"),
    ]
    return await Child.start("openv0 preview", command, REPO, log, env)


async def preview_url(child: Child) -> str:
    """The URL the CLI prints once it serves (the first run may install its toolchain)."""
    assert child.process.stdout is not None
    while True:
        line = await asyncio.wait_for(child.process.stdout.readline(), INSTALL_TIMEOUT)
        if not line:
            raise child.failed(f"exited ({child.process.returncode}) before printing its URL")
        text = line.decode(errors="replace").strip()
        if text.startswith("preview: "):
            return text.removeprefix("preview: ")


async def first_build(preview: Preview, path: Path, text: str) -> None:
    """Until the watcher has seen the component (it is not one openv0 generated, so the preview
    builds it on its first change), write it again every 2 s; then its first build is there."""
    deadline = time.monotonic() + START_TIMEOUT
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(preview.ws_url(COMPONENT_ID), heartbeat=None, max_msg_size=0) as ws,
    ):
        while time.monotonic() < deadline:
            write_atomically(path, text)
            with contextlib.suppress(TimeoutError):
                message = await ws.receive(timeout=2.0)
                if message.type is aiohttp.WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if data.get("errors"):
                        raise RuntimeError(f"openv0 did not compile the component: {data}")
                    return
            if preview.child.process.returncode is not None:
                raise preview.child.failed("exited")
    raise preview.child.failed(f"no build of {COMPONENT_ID} within {START_TIMEOUT:.0f} s")


# -- the pages --------------------------------------------------------------------------------
# Installed once per document: `__bench.arm(kind, want)` before a write, then
# `__bench.wait(ms)` resolves with the wall-clock ms at which the change was first seen.
INSTRUMENT = """() => {
  if (window.__bench) return;
  const now = () => performance.timeOrigin + performance.now();
  const clear = /^(transparent|rgba\\(0, 0, 0, 0\\))$/;
  const bench = { watch: null };
  const check = () => {
    const w = bench.watch;
    if (!w || w.at !== null) return;
    const element = document.querySelector(w.selector);
    if (!element) return;
    if (w.kind === "text") {
      if (element.textContent.trim() !== w.want) return;
    } else {
      const colour = getComputedStyle(element).backgroundColor;
      if (colour === w.before || clear.test(colour)) return;
      w.colour = colour;
    }
    w.at = now();
    w.resolve();
  };
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true, attributes: true,
  });
  bench.arm = (kind, selector, want) => {
    const element = document.querySelector(selector);
    const before = element ? getComputedStyle(element).backgroundColor : null;
    const w = { kind, selector, want, before, at: null, colour: null };
    w.done = new Promise((resolve) => { w.resolve = resolve; });
    bench.watch = w;
    // A frame-by-frame check too, only while armed (an idle page draws nothing).
    const tick = () => {
      check();
      if (bench.watch === w && w.at === null) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return before;
  };
  bench.wait = (ms) => {
    const w = bench.watch;
    const timeout = new Promise((resolve) => setTimeout(resolve, ms));
    return Promise.race([w.done, timeout]).then(() => ({ at: w.at, colour: w.colour }));
  };
  window.__bench = bench;
}"""
SHOWS = """([kind, selector, want, before]) => {
  const element = document.querySelector(selector);
  if (!element) return false;
  if (kind === "text") return element.textContent.trim() === want;
  const colour = getComputedStyle(element).backgroundColor;
  return colour !== before && !/^(transparent|rgba\\(0, 0, 0, 0\\))$/.test(colour);
}"""


class BuildListener:
    """A websocket client of openv0's preview during (a), noting when each build message
    arrives: openv0's time splits into write → build message (watcher, compile, send) and the
    page's share (module import, render)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws
        self.arrivals: asyncio.Queue[float] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, preview: Preview) -> AsyncIterator[BuildListener]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                preview.ws_url(COMPONENT_ID), heartbeat=None, max_msg_size=0, compress=0
            ) as ws,
        ):
            listener = cls(ws)
            try:
                yield listener
            finally:
                listener.reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener.reader

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                self.arrivals.put_nowait(now_ms())

    def clear(self) -> None:
        while not self.arrivals.empty():
            self.arrivals.get_nowait()

    async def next(self, timeout: float = 1.0) -> float:
        try:
            return await asyncio.wait_for(self.arrivals.get(), timeout)
        except TimeoutError:
            return math.inf


@dataclass
class Subject:
    """One tool under test: the file it watches, the page showing it and what was measured."""

    name: str
    path: Path
    page: Page
    find_target: Callable[[], Frame | None]  # the frame the component renders in
    heading: str = "rev-0"
    colour: str = COLOURS[0]
    offset_ms: float = 0.0  # the page's wall clock minus ours
    reloads: int = 0
    samples: dict[str, list[float]] = field(default_factory=lambda: {"text": [], "colour": []})
    colour_seen: dict[str, str] = field(default_factory=dict)
    builds: BuildListener | None = None  # openv0's build messages, seen from outside the page
    build_samples: dict[str, list[float]] = field(
        default_factory=lambda: {"text": [], "colour": []}
    )
    # openv0's page: write -> each stage of its runtime (received, loaded, committed), in ms
    stage_samples: dict[str, dict[str, list[float]]] = field(default_factory=lambda: no_stages())

    @property
    def target(self) -> Frame:
        frame = self.find_target()
        if frame is None:
            raise RuntimeError(f"{self.name}: the component's frame is gone")
        return frame

    async def instrument(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                target = self.target
                await target.wait_for_selector(HEADING, timeout=START_TIMEOUT * 1000)
                await target.evaluate(INSTRUMENT)
                break
            except (PlaywrightError, RuntimeError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)  # the page is (re)loading
        self.offset_ms = await clock_offset(target)

    async def change(self, kind: str, rep: int) -> float:
        """Write one change; ms from the write to the page showing it (inf if it never did)."""
        if kind == "text":
            self.heading = want = f"rev-{rep}"
        else:
            self.colour = want = COLOURS[1 - COLOURS.index(self.colour)]
        text = component_text(self.heading, self.colour)
        target = self.target
        before = await target.evaluate(
            "([k, s, w]) => __bench.arm(k, s, w)", [kind, selector_of(kind), want]
        )
        if self.builds is not None:
            self.builds.clear()
        started = now_ms()
        write_atomically(self.path, text)
        try:
            seen = await asyncio.wait_for(
                target.evaluate("(ms) => __bench.wait(ms)", CHANGE_TIMEOUT * 1000),
                CHANGE_TIMEOUT + 5,
            )
        except (PlaywrightError, TimeoutError):
            return await self._after_reload(kind, want, before, started)
        if self.builds is not None:
            self.build_samples[kind].append(await self.builds.next() - started)
            timing = await target.evaluate("() => window.__openv0.timing")
            for stage in STAGES:
                at = timing.get(stage) or math.nan
                self.stage_samples[kind][stage].append(at - self.offset_ms - started)
        if seen["at"] is None:
            return math.inf
        if seen["colour"]:
            self.colour_seen[self.colour] = seen["colour"]
        return seen["at"] - self.offset_ms - started

    async def _after_reload(
        self, kind: str, want: str, before: str | None, started: float
    ) -> float:
        """The document was replaced (a full reload): wait for the change in the new one, timed
        on our side, and instrument it again."""
        remaining = CHANGE_TIMEOUT * 1000 - (now_ms() - started)
        arguments = [kind, selector_of(kind), want, before]
        while remaining > 0:
            try:
                await self.target.wait_for_function(
                    SHOWS, arg=arguments, polling="raf", timeout=remaining
                )
                break
            except (PlaywrightError, RuntimeError):
                await asyncio.sleep(0.01)
                remaining = CHANGE_TIMEOUT * 1000 - (now_ms() - started)
        seen_ms = now_ms() - started
        await self.instrument()
        return seen_ms if remaining > 0 else math.inf


STAGES = ("received", "loaded", "committed")


def no_stages() -> dict[str, dict[str, list[float]]]:
    return {kind: {stage: [] for stage in STAGES} for kind in ("text", "colour")}


def selector_of(kind: str) -> str:
    return HEADING if kind == "text" else SWATCH


async def clock_offset(target: Frame, trips: int = 15) -> float:
    """The page's wall clock minus Python's, from the round trip that took least time."""
    best: tuple[float, float] | None = None
    for _ in range(trips):
        before = now_ms()
        page_ms = await target.evaluate("performance.timeOrigin + performance.now()")
        after = now_ms()
        if best is None or after - before < best[0]:
            best = (after - before, page_ms - (before + after) / 2)
    assert best is not None
    return best[1]


def count_reloads(subject: Subject, main_frame_only: bool) -> None:
    def navigated(frame: Frame) -> None:
        if not main_frame_only or frame == subject.page.main_frame:
            subject.reloads += 1

    subject.page.on("framenavigated", navigated)


async def open_subjects(
    browser: Browser, vite_url: str, preview: Preview, vite_file: Path, openv0_file: Path
) -> tuple[Subject, Subject]:
    context = await browser.new_context()
    vite_page = await context.new_page()
    openv0_page = await context.new_page()
    await vite_page.goto(vite_url, timeout=START_TIMEOUT * 1000)
    await openv0_page.goto(preview.component_url(COMPONENT_ID), timeout=START_TIMEOUT * 1000)

    def openv0_frame() -> Frame | None:
        return next((f for f in openv0_page.frames if "/frame/" in f.url), None)

    vite = Subject(VITE, vite_file, vite_page, lambda: vite_page.main_frame)
    openv0 = Subject(OPENV0, openv0_file, openv0_page, openv0_frame)
    for subject in (vite, openv0):
        await subject.instrument()
    count_reloads(vite, main_frame_only=True)
    count_reloads(openv0, main_frame_only=False)
    return vite, openv0


# -- the measurements -------------------------------------------------------------------------
async def measure_latency(vite: Subject, openv0: Subject, reps: int) -> dict[str, Any]:
    """(a) text and colour changes, the two tools taking turns on going first."""
    warm_up_reloads = {}
    for rep in range(-WARM_UP_ROUNDS, reps):
        if rep == 0:
            warm_up_reloads = {s.name: s.reloads for s in (vite, openv0)}
            for subject in (vite, openv0):
                subject.reloads = 0
                subject.samples = {"text": [], "colour": []}
                subject.build_samples = {"text": [], "colour": []}
                subject.stage_samples = no_stages()
                subject.offset_ms = await clock_offset(subject.target)
        order = (vite, openv0) if rep % 2 == 0 else (openv0, vite)
        for kind in ("text", "colour"):
            for subject in order:
                subject.samples[kind].append(await subject.change(kind, rep + WARM_UP_ROUNDS + 1))
                await asyncio.sleep(SETTLE)
        if rep >= 0:
            progress(f"rep {rep + 1}/{reps}", transient=True)
    progress("", transient=True)
    figures: dict[str, Any] = {"reps": reps}
    for kind in ("text", "colour"):
        figures[kind] = {s.name: latency_summary(s.samples[kind]) for s in (vite, openv0)}
        figures[kind]["p50_ratio"] = ratio(
            figures[kind][OPENV0]["p50_ms"], figures[kind][VITE]["p50_ms"]
        )
        figures[kind]["openv0_build_message"] = latency_summary(openv0.build_samples[kind])
        figures[kind]["openv0_page_stages_p50_ms"] = {
            stage: round(percentile([x for x in samples if math.isfinite(x)], 50), 1)
            for stage, samples in openv0.stage_samples[kind].items()
        }
    figures["reloads"] = {s.name: s.reloads for s in (vite, openv0)}
    figures["warm_up_reloads"] = warm_up_reloads
    figures["clock_offset_ms"] = {s.name: round(s.offset_ms, 3) for s in (vite, openv0)}
    figures["colours_seen"] = {s.name: s.colour_seen for s in (vite, openv0)}
    return figures


def latency_summary(samples: list[float]) -> dict[str, Any]:
    return {
        "runs": len(samples),
        "missed": sum(1 for s in samples if math.isinf(s)),
        "p50_ms": round(percentile(samples, 50), 2),
        "p90_ms": round(percentile(samples, 90), 2),
    }


def measure_rss(preview: Child, vite: Child) -> dict[str, Any]:
    """(b) VmRSS of each preview's whole process tree, by process name."""
    figures = {}
    for name, child in ((OPENV0, preview), (VITE, vite)):
        by_name = tree_rss_kib(child.process.pid)
        figures[name] = {"total_kib": sum(by_name.values()), "by_process_kib": by_name}
    return figures


async def measure_broadcast(preview: Preview, path: Path, text: str, clients: int) -> dict:
    """(c) one change, `clients` websocket clients: write → each receives the new build."""
    url = preview.ws_url(COMPONENT_ID)
    sockets: list[aiohttp.ClientWebSocketResponse] = []
    versions: list[int] = []
    version = re.compile(r'"version":(\d+)')

    async def connect(session: aiohttp.ClientSession) -> None:
        ws = await session.ws_connect(url, heartbeat=None, max_msg_size=0, compress=0)
        sockets.append(ws)
        message = await ws.receive()  # the latest build, sent on connect
        found = version.search(message.data[:400]) if isinstance(message.data, str) else None
        if found is None:
            raise RuntimeError(f"a websocket client got {message.type} first, not a build")
        versions.append(int(found.group(1)))

    arrivals: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        try:
            connect_started = time.perf_counter()
            async with asyncio.timeout(BROADCAST_TIMEOUT):
                for first in range(0, clients, CONNECT_BATCH):
                    batch = min(CONNECT_BATCH, clients - first)
                    await asyncio.gather(*(connect(session) for _ in range(batch)))
            connect_seconds = time.perf_counter() - connect_started
            baseline = max(versions)

            async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
                async for message in ws:
                    if message.type is aiohttp.WSMsgType.TEXT:
                        found = version.search(message.data[:400])
                        if found and int(found.group(1)) > baseline:
                            arrivals.append(now_ms())
                            return

            listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
            await asyncio.sleep(0.2)  # every listener is waiting
            started = now_ms()
            write_atomically(path, text)
            _, pending = await asyncio.wait(listeners, timeout=BROADCAST_TIMEOUT)
            for listener in pending:
                listener.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
        finally:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STOP_TIMEOUT):
                    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    delays = [a - started for a in arrivals]
    figures: dict[str, Any] = {
        "clients": clients,
        "connected": len(sockets),
        "connect_s": round(connect_seconds, 2),
        "received": len(delays),
    }
    if delays:
        figures |= {
            "first_ms": round(min(delays), 2),
            "p50_ms": round(percentile(delays, 50), 2),
            "p99_ms": round(percentile(delays + [math.inf] * (clients - len(delays)), 99), 2),
            "max_ms": round(max(delays), 2),
        }
    else:
        figures |= {"first_ms": math.inf, "p50_ms": math.inf, "p99_ms": math.inf}
        figures["max_ms"] = math.inf
    return figures


# -- the run ----------------------------------------------------------------------------------
def progress(text: str, *, transient: bool = False) -> None:
    """A line on stderr; a transient one (a counter) only on a terminal, where it is rewritten."""
    if not transient:
        print(f"{text:<60}", file=sys.stderr, flush=True)
    elif sys.stderr.isatty():
        print(f"{text:<60}", end="\r", file=sys.stderr, flush=True)


async def run(reps: int, clients: int) -> dict[str, Any]:
    # On SIGTERM, unwind like on Ctrl-C: servers and browser stop, the temp dir is removed.
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = clients + 512
    if soft < wanted and (hard == resource.RLIM_INFINITY or hard >= wanted):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    notes: list[str] = []
    packages = await vite_packages(notes)
    first_text = component_text("rev-0", COLOURS[0])
    with tempfile.TemporaryDirectory(prefix="openv0-preview-bench-") as temp:
        root = Path(temp).resolve()
        vite_dir, workspace = root / "vite", root / "workspace"
        port = free_port()
        make_vite_project(vite_dir, packages, port, first_text)
        (workspace / "components").mkdir(parents=True)
        openv0_file = workspace / COMPONENT_ID
        openv0_file.write_text(first_text)
        vite_bin = vite_dir / "node_modules" / "vite" / "bin" / "vite.js"
        node = shutil.which("node") or "node"
        progress("starting vite and openv0's preview")
        vite_child = await Child.start(
            VITE, [node, str(vite_bin)], vite_dir, root / "vite.log", dict(os.environ)
        )
        async with running(vite_child, signal.SIGTERM):
            preview_child = await start_preview(workspace, root / "preview.log")
            async with running(preview_child, signal.SIGINT):
                vite_url = f"http://127.0.0.1:{port}/"
                await wait_until_serving(vite_child, vite_url)
                preview = Preview(preview_child, await preview_url(preview_child))
                await first_build(preview, openv0_file, first_text)
                figures: dict[str, Any] = {
                    "versions": {
                        "vite": package_version(vite_dir, "vite"),
                        "react": package_version(vite_dir, "react"),
                        "tailwindcss": package_version(vite_dir, "tailwindcss"),
                        "node": subprocess.run(
                            [node, "--version"], capture_output=True, text=True, check=False
                        ).stdout.strip(),
                    },
                }
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(
                        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
                    )
                    try:
                        figures["versions"]["chromium"] = browser.version
                        progress("opening both pages")
                        vite, openv0 = await open_subjects(
                            browser, vite_url, preview, vite_dir / VITE_COMPONENT, openv0_file
                        )
                        rss_loaded = measure_rss(preview_child, vite_child)
                        async with BuildListener.open(preview) as openv0.builds:
                            figures["latency"] = await measure_latency(vite, openv0, reps)
                        figures["rss"] = measure_rss(preview_child, vite_child)
                        figures["rss_loaded"] = rss_loaded
                        last_text = component_text(openv0.heading, openv0.colour)
                    finally:
                        await browser.close()
                progress(f"{clients} websocket clients")
                figures["broadcast"] = await measure_broadcast(
                    preview,
                    openv0_file,
                    last_text.replace(openv0.heading, "rev-broadcast"),
                    clients,
                )
    figures["notes"] = notes
    figures["goals"] = [goal | {"ok": judge(goal)} for goal in goals(figures)]
    return figures


# -- report -----------------------------------------------------------------------------------
def goals(figures: dict[str, Any]) -> list[dict[str, Any]]:
    latency, broadcast = figures["latency"], figures["broadcast"]
    return [
        {
            "figure": "write→text p50 / Vite p50",
            "goal": f"<= {LATENCY_RATIO_GOAL}",
            "actual": latency["text"]["p50_ratio"],
        },
        {
            "figure": "write→colour p50 / Vite p50",
            "goal": f"<= {LATENCY_RATIO_GOAL}",
            "actual": latency["colour"]["p50_ratio"],
        },
        {"figure": "full reloads (openv0)", "goal": "<= 0", "actual": latency["reloads"][OPENV0]},
        {
            "figure": f"1 update → {broadcast['clients']} ws p99 (ms)",
            "goal": f"< {BROADCAST_P99_GOAL_MS:g}",
            "actual": broadcast["p99_ms"],
        },
    ]


def judge(goal: dict[str, Any]) -> bool:
    operator, _, limit = goal["goal"].partition(" ")
    return goal["actual"] < float(limit) if operator == "<" else goal["actual"] <= float(limit)


def ms(value: float) -> str:
    return "missed" if math.isinf(value) else f"{value:.1f}"


def print_table(figures: dict[str, Any]) -> None:
    def row(label: str, subject: str, baseline: str, note: str = "") -> None:
        print(f"{label:<36} {subject:>15} {baseline:>15}  {note}".rstrip())

    versions, latency = figures["versions"], figures["latency"]
    print(
        f"openv0 preview vs Vite {versions['vite']} (react {versions['react']}, tailwindcss"
        f" {versions['tailwindcss']}, node {versions['node']}, chromium {versions['chromium']},"
        f" {os.cpu_count()} cpus)"
    )
    for note in figures["notes"]:
        print(f"note: {note}")
    print()
    row("figure", "openv0", "vite", "notes")
    print("-" * 100)
    for kind, label in (("text", "a. write→text"), ("colour", "   write→colour")):
        o, v = latency[kind][OPENV0], latency[kind][VITE]
        missed = f"; missed {o['missed']} / {v['missed']}" if o["missed"] or v["missed"] else ""
        row(
            f"{label} p50/p90 ms ({latency['reps']})",
            f"{ms(o['p50_ms'])} / {ms(o['p90_ms'])}",
            f"{ms(v['p50_ms'])} / {ms(v['p90_ms'])}",
            f"p50 {latency[kind]['p50_ratio']}x{missed}",
        )
    for kind in ("text", "colour"):
        built = latency[kind]["openv0_build_message"]
        row(
            f"   openv0 write→build msg, {kind}",
            f"{ms(built['p50_ms'])} / {ms(built['p90_ms'])}",
            "",
            "p50/p90: watcher + compile + send, seen by a ws client; the rest is the page's",
        )
        stages = latency[kind]["openv0_page_stages_p50_ms"]
        row(
            f"   openv0 page stages, {kind}",
            " / ".join(ms(stages[stage]) for stage in STAGES),
            "",
            "p50 write→ build received / module run / render committed (in the page)",
        )
    reloads, warm = latency["reloads"], latency["warm_up_reloads"]
    row(
        "   full reloads",
        str(reloads[OPENV0]),
        str(reloads[VITE]),
        f"during the warm-up: {warm[OPENV0]} / {warm[VITE]}",
    )
    offsets = latency["clock_offset_ms"]
    row(
        "   page clock - ours ms (subtracted)",
        f"{offsets[OPENV0]:.2f}",
        f"{offsets[VITE]:.2f}",
    )
    mib = 1024
    for key, label in (("rss_loaded", "b. RSS MiB, pages loaded"), ("rss", "   after (a)")):
        rss = figures[key]
        parts = ", ".join(f"{n} {k / mib:.0f}" for n, k in rss[OPENV0]["by_process_kib"].items())
        row(
            label,
            f"{rss[OPENV0]['total_kib'] / mib:.1f}",
            f"{rss[VITE]['total_kib'] / mib:.1f}",
            f"openv0: {parts}",
        )
    b = figures["broadcast"]
    row(
        f"c. 1 update → {b['clients']} ws: p50/p99 ms",
        f"{ms(b['p50_ms'])} / {ms(b['p99_ms'])}",
        "",
        f"first {ms(b['first_ms'])}, max {ms(b['max_ms'])}; {b['received']} of"
        f" {b['connected']} connected received it; connecting took {b['connect_s']} s",
    )
    print(f"\n{'goal':<36} {'target':>8} {'actual':>9}  verdict")
    print("-" * 72)
    for goal in figures["goals"]:
        verdict = "goal met" if goal["ok"] else "goal NOT met"
        actual = goal["actual"]
        shown = "missed" if isinstance(actual, float) and math.isinf(actual) else str(actual)
        print(f"{goal['figure']:<36} {goal['goal']:>8} {shown:>9}  {verdict}")


def finite(value: Any) -> Any:
    """The figures as strict JSON: a missed measurement (inf) is null."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=30, metavar="N", help="repetitions (30)")
    parser.add_argument("--quick", action="store_true", help="5 repetitions, 100 ws clients")
    parser.add_argument("--clients", type=int, default=1000, metavar="N", help="ws clients (1000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    reps, clients = (5, 100) if args.quick else (args.reps, args.clients)
    if reps < 1 or clients < 1:
        parser.error("--reps and --clients must be at least 1")
    try:
        figures = asyncio.run(run(reps, clients))
    except (KeyboardInterrupt, asyncio.CancelledError):
        sys.exit("interrupted: servers and browser stopped, temp dir removed")
    if args.json:
        print(json.dumps(finite(figures), indent=2, ensure_ascii=False))
    else:
        print_table(figures)


if __name__ == "__main__":
    main()
