"""The workspace's history store: SQLite in `.openv0/history.db`.

Holds generations (prompt, outcome, timings, model) and the files they wrote with a content
hash, which is how openv0 knows a file is its own and unedited before it overwrites it, and the
cache of model answers (keyed by a hash of the request: prompt, model, framework, name and
templates version; never the API key). The
folder is created on the first successful write, with a `.gitignore` so it stays out of commits.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
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


class HistoryStore:
    """One workspace's store; opened per use, so several processes can share it."""

    def __init__(self, workspace: Path):
        self.workspace = workspace
        self.folder = workspace / STORE_DIR
        self.db_path = self.folder / "history.db"

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if not self.db_path.exists():
            if not create:
                return None
            self.folder.mkdir(exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n", encoding="utf-8")
        connection = sqlite3.connect(self.db_path, timeout=5)
        # WAL: readers never wait for a writer; NORMAL: no fsync per commit, still consistent
        connection.execute("pragma journal_mode=wal")
        connection.execute("pragma synchronous=normal")
        connection.executescript(SCHEMA)
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
        connection = self._connect(create=True)
        assert connection is not None
        now = time.time()
        with connection:
            connection.execute(
                "insert into generations values (?, ?, ?, ?, ?, ?, ?)",
                (generation_id, now, prompt, status, model, ms, json.dumps(meta)),
            )
            connection.executemany(
                "insert into files values (?, ?, ?, ?)",
                [(self._relative(p), generation_id, sha, now) for p, sha in files.items()],
            )
        connection.close()

    def last_file_record(self, path: Path) -> FileRecord | None:
        connection = self._connect(create=False)
        if connection is None:
            return None
        with connection:
            row = connection.execute(
                "select f.path, f.generation_id, f.sha256, g.prompt from files f "
                "join generations g on g.id = f.generation_id "
                "where f.path = ? order by f.created_at desc limit 1",
                (self._relative(path),),
            ).fetchone()
        connection.close()
        return FileRecord(*row) if row else None

    def cached_answer(self, key: str) -> CachedAnswer | None:
        connection = self._connect(create=False)
        if connection is None:
            return None
        with connection:
            row = connection.execute(
                "select model, component, code from cache where key = ?", (key,)
            ).fetchone()
        connection.close()
        return CachedAnswer(*row) if row else None

    def store_answer(self, key: str, answer: CachedAnswer) -> None:
        connection = self._connect(create=True)
        assert connection is not None
        with connection:
            connection.execute(
                "insert or replace into cache values (?, ?, ?, ?, ?)",
                (key, time.time(), answer.model, answer.component, answer.code),
            )
        connection.close()
