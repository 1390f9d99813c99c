"""What the preview's parts hand each other: compile results and builds.

The compiler (`compiler.py`, a Node sidecar) turns a component's source into a CommonJS module and
the Tailwind CSS its classes need; the server (`server.py`) serves each component's latest
`Build` and pushes new ones to the pages over a websocket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Bare imports a compiled component may use, and the vendor file each is (ESM, built once by
# the compiler into the toolchain's vendor folder): the page imports them through its import
# map and hands them to the component's require().
VENDOR_MODULES: dict[str, str] = {
    "react": "react.js",
    "react/jsx-runtime": "react-jsx-runtime.js",
    "react-dom": "react-dom.js",
    "react-dom/client": "react-dom-client.js",
}


@dataclass(frozen=True)
class CompileError:
    message: str
    line: int = 0  # 1-based; 0 when the error has no position
    column: int = 0  # 1-based


@dataclass(frozen=True)
class CompileResult:
    module: str | None  # the CommonJS module, or None when the source does not compile
    css: str  # the Tailwind CSS for the classes the source uses ("" when none)
    errors: tuple[CompileError, ...] = ()
    ms: float = 0.0  # the sidecar's own time


@dataclass(frozen=True)
class Build:
    """One component's state as the preview shows it."""

    component: str  # the component's id: its path relative to the workspace, posix
    version: int  # grows by one with every build of this component
    kind: Literal["react", "html"]
    module: str | None = None  # react: the compiled CommonJS module (None: the last one failed)
    html: str | None = None  # html: the markup
    css: str = ""
    errors: tuple[CompileError, ...] = field(default_factory=tuple)
