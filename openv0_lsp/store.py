"""The workspace's history store: SQLite in `.openv0/history.db`.

Holds generations (prompt, outcome, timings, model) and the files they wrote with a content
hash, which is how openv0 knows a file is its own and unedited before it overwrites it, and the
cache of model answers (keyed by a hash of the request: prompt, model, framework, name and
templates version; never the API key). The
folder is created on the first successful write, with a `.gitignore` so it stays out of commits.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STORE_DIR = ".openv0"
SCHEMA = """
create table if not exists generations (
    id text primary key,
    created_at real not null,
    prompt text not null,
    status text not null,
    model text not null,
    ms real not null,
    meta text not null default '{}'
);
create table if not exists files (
    path text not null,
    generation_id text not null references generations(id),
    sha256 text not null,
    created_at real not null,
    primary key (path, generation_id)
);
create index if not exists files_by_path on files(path, created_at);
create table if not exists cache (
    key text primary key,
    created_at real not null,
    model text not null,
    component text not null,
    code text not null
);
"""


@dataclass(frozen=True)
class CachedAnswer:
    model: str  # the model that answered
    component: str
    code: str


@dataclass(frozen=True)
class FileRecord:
    path: str
    generation_id: str
    sha256: str
    prompt: str


def new_generation_id() -> str:
    return str(uuid.uuid4())


# One open connection per database file, shared by every HistoryStore of this process (the
# event loop's thread and the pipeline's worker both use it, one at a time under the lock).
# Opening a connection and checking the schema per call cost milliseconds on the event loop.
_connections: dict[Path, sqlite3.Connection] = {}
_lock = threading.RLock()


class HistoryStore:
    """One workspace's store. Several processes may share the file (WAL mode)."""

    def __init__(self, workspace: Path):
        self.workspace = workspace
        self.folder = workspace / STORE_DIR
        self.db_path = self.folder / "history.db"

    @contextlib.contextmanager
    def _connect(self, create: bool) -> Iterator[sqlite3.Connection | None]:
        with _lock:
            yield self._open(create)

    def _open(self, create: bool) -> sqlite3.Connection | None:
        key = self.db_path.absolute()
        if not self.db_path.exists():  # never created, or deleted under us
            stale = _connections.pop(key, None)
            if stale is not None:
                stale.close()
            if not create:
                return None
            self.folder.mkdir(exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n", encoding="utf-8")
        connection = _connections.get(key)
        if connection is None:
            connection = sqlite3.connect(self.db_path, timeout=5, check_same_thread=False)
            # WAL: readers never wait for a writer; NORMAL: no fsync per commit, still consistent
            connection.execute("pragma journal_mode=wal")
            connection.execute("pragma synchronous=normal")
            connection.executescript(SCHEMA)
            _connections[key] = connection
        return connection

    def _relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.workspace.resolve()).as_posix()

    def record_generation(
        self,
        *,
        generation_id: str,
        prompt: str,
        status: str,
        model: str,
        ms: float,
        files: dict[Path, str],
        meta: dict[str, Any],
    ) -> None:
        now = time.time()
        with self._connect(create=True) as connection:
            assert connection is not None
            with connection:  # one transaction
                connection.execute(
                    "insert into generations values (?, ?, ?, ?, ?, ?, ?)",
                    (generation_id, now, prompt, status, model, ms, json.dumps(meta)),
                )
                connection.executemany(
                    "insert into files values (?, ?, ?, ?)",
                    [(self._relative(p), generation_id, sha, now) for p, sha in files.items()],
                )

    def last_file_record(self, path: Path) -> FileRecord | None:
        with self._connect(create=False) as connection:
            if connection is None:
                return None
            row = connection.execute(
                "select f.path, f.generation_id, f.sha256, g.prompt from files f "
                "join generations g on g.id = f.generation_id "
                "where f.path = ? order by f.created_at desc limit 1",
                (self._relative(path),),
            ).fetchone()
        return FileRecord(*row) if row else None

    def generated_files(self) -> list[Path]:
        """Every file openv0 wrote in this workspace that is still there, oldest first."""
        with self._connect(create=False) as connection:
            if connection is None:
                return []
            rows = connection.execute(
                "select path from files group by path order by min(created_at)"
            ).fetchall()
        paths = [self.workspace / row[0] for row in rows]
        return [p for p in paths if p.is_file()]

    def cached_answer(self, key: str) -> CachedAnswer | None:
        with self._connect(create=False) as connection:
            if connection is None:
                return None
            row = connection.execute(
                "select model, component, code from cache where key = ?", (key,)
            ).fetchone()
        return CachedAnswer(*row) if row else None

    def store_answer(self, key: str, answer: CachedAnswer) -> None:
        with self._connect(create=True) as connection:
            assert connection is not None
            with connection:
                connection.execute(
                    "insert or replace into cache values (?, ?, ?, ?, ?)",
                    (key, time.time(), answer.model, answer.component, answer.code),
                )
