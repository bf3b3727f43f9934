"""The one way our stores use SQLite: private files, WAL, a versioned schema, work off the event loop.

`SQLiteDatabase(path, migrations, label=...)` is shared by every SQLite store (the response
cache now; a usage ledger and a jobs table next). `await db.run(fn)` calls `fn(connection)` in a
worker thread, inside one transaction (committed if `fn` returns, rolled back if it raises).

Connections: by default one per `run`, opened and closed in the worker thread (a cache may be
deleted by `cache clear` at any time, and several processes share the file, so SQLite's own
locking is the one that matters). When the last connection closes SQLite checkpoints the WAL
(an fsync) and deletes `-wal`/`-shm`: ~20 ms on an ordinary disk, which a store written on every
call cannot afford. `persistent=True` keeps one connection open instead (made with
`check_same_thread=False` and used under a lock, since anyio's worker threads vary), so a commit
in WAL mode with `synchronous=NORMAL` is a write to the WAL, not an fsync; `close()` ends it.
A kept connection whose file was deleted or replaced (a user starting afresh) would go on writing
to the old one, lost at exit: each `run` first checks the path still names the file it opened.

Schema: `PRAGMA user_version` is the number of migrations applied. On every open the missing
ones are applied in order, all in one `BEGIN IMMEDIATE` transaction (so two processes opening a
new file at once cannot both migrate it). A file whose version is newer than the code knows was
written by a newer release: it is refused with `SchemaTooNewError` (logged once per database),
before anything else touches it, and the store treats it as empty.

Files: the directory is made `0700` (`files.private_dir`) and the database is created `0600`
before SQLite opens it; SQLite creates `-wal`/`-shm` with the database's own mode. Looser modes
found on any of the three (older releases, a hand-copied file) are tightened on each open.
"""

from __future__ import annotations

import functools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import anyio

from mcp_server_openrouter.errors import OpenRouterMCPError
from mcp_server_openrouter.storage.files import FILE_MODE, private_dir, remove_file

logger = logging.getLogger(__name__)

# Every store is an optional helper of a tool call: waiting long for another process's lock
# would stall the call, while giving up (logged) only costs a cache miss or one unrecorded row.
BUSY_TIMEOUT_SECONDS = 3.0

SIBLING_SUFFIXES = ("-wal", "-shm")
# How long to wait before trying the switch to WAL again while another process holds the file.
WAL_RETRY_SECONDS = 0.01

#: One schema step: a SQL script (statements separated by `;`) or a function of the connection.
Migration = str | Callable[[sqlite3.Connection], None]

T = TypeVar("T")


class SchemaTooNewError(OpenRouterMCPError, sqlite3.DatabaseError):
    """The database was written by a newer release: its schema version is beyond our migrations."""


class SQLiteDatabase:
    """One SQLite file with an ordered list of migrations; `run` does the work in a worker thread."""

    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration],
        *,
        label: str = "database",
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
        pragmas: Sequence[str] = (),
        persistent: bool = False,
    ) -> None:
        self.path = path
        self.migrations = tuple(migrations)
        self.label = label  # names the store in log messages, e.g. "response cache"
        self.busy_timeout = busy_timeout
        self.pragmas = tuple(pragmas)  # per connection, e.g. "synchronous=NORMAL" (our own strings)
        self._refused_version: int | None = None  # the too-new version already logged
        self.persistent = persistent
        self._kept: sqlite3.Connection | None = None  # the open connection, when persistent
        self._kept_file: tuple[int, int] | None = None  # (device, inode) of the file it opened
        self._kept_lock = threading.Lock()

    @property
    def latest_version(self) -> int:
        return len(self.migrations)

    @property
    def files(self) -> list[Path]:
        """The database and its WAL siblings (which exist only while a connection is open)."""
        return [self.path, *(self.path.with_name(self.path.name + suffix) for suffix in SIBLING_SUFFIXES)]

    async def run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """`run_sync` in a worker thread, so the event loop never waits on the disk or a lock."""
        return await anyio.to_thread.run_sync(functools.partial(self.run_sync, fn, write=write))

    def run_sync(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """`fn(connection)` in one transaction; `write=True` takes the write lock at the start.

        Taking it up front (`BEGIN IMMEDIATE`) lets a read-then-write transaction wait for the
        lock instead of failing half-way when another process wrote in between.
        Raises `sqlite3.Error` (including `SchemaTooNewError`) or `OSError`.
        """
        begin = "BEGIN IMMEDIATE" if write else "BEGIN"
        if not self.persistent:
            with self._connect() as connection, _transaction(connection, begin):
                return fn(connection)
        with self._kept_lock:
            if self._kept is not None and self._kept_file != _identity(self.path):
                self._close_kept()  # deleted or replaced since: the old file is no longer the store
            if self._kept is None:
                self._kept = self._open()
                self._kept_file = _identity(self.path)
            try:
                with _transaction(self._kept, begin):
                    return fn(self._kept)
            except (sqlite3.Error, OSError):
                self._close_kept()  # the next run opens afresh (the file may have been replaced)
                raise

    def close(self) -> None:
        """Close the kept connection, if any (SQLite then checkpoints the WAL)."""
        with self._kept_lock:
            self._close_kept()

    def _close_kept(self) -> None:
        if self._kept is not None:
            with suppress(sqlite3.Error):
                self._kept.close()
            self._kept = None
            self._kept_file = None

    def is_corrupt(self, error: BaseException) -> bool:
        """Whether `error` says the file is damaged (not merely locked or unwritable)."""
        text = str(error).lower()
        return isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text)

    def remove(self) -> bool:
        """Delete the database and any WAL siblings; False if there was no database."""
        existed = remove_file(self.path)
        for sibling in self.files[1:]:
            remove_file(sibling)
        return existed

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = self._open()
        try:
            yield connection
        finally:
            connection.close()

    def _open(self) -> sqlite3.Connection:
        """A connection to the private file, in WAL mode, migrated to the latest schema."""
        private_dir(self.path.parent)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE))
        self._tighten_modes()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a migration's scripts and
        # functions share one transaction (the sqlite3 module would commit around executescript).
        connection = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=not self.persistent
        )
        try:
            version = self._check_version(connection)  # before WAL: never change a file we refuse
            self._use_wal(connection)
            connection.execute("PRAGMA foreign_keys=ON")
            for pragma in self.pragmas:
                connection.execute(f"PRAGMA {pragma}")
            if version < self.latest_version:
                self._migrate(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _use_wal(self, connection: sqlite3.Connection) -> None:
        """WAL mode (readers don't wait for writers), kept in the file once set.

        Switching needs the file to itself, and SQLite answers "database is locked" at once, without
        its busy timeout, when another process is using it (two servers opening a new ledger together):
        so a file already in WAL is left alone, and the switch is tried again until the busy timeout.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:  # noqa: PERF203 - retrying is the point
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(WAL_RETRY_SECONDS)

    def _tighten_modes(self) -> None:
        if os.name != "posix":
            return
        for file in self.files:
            with suppress(FileNotFoundError):  # the siblings exist only while a connection is open
                if file.stat().st_mode & 0o077:
                    file.chmod(FILE_MODE)

    def _check_version(self, connection: sqlite3.Connection) -> int:
        version: int = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > self.latest_version:
            message = (
                f"{self.label} {self.path} has schema version {version}, newer than this release knows "
                f"({self.latest_version}): it was written by a newer mcp-server-openrouter. Not using it; "
                "upgrade, or delete the file to start afresh."
            )
            if self._refused_version != version:  # once per database, not on every call
                self._refused_version = version
                logger.warning(message)
            raise SchemaTooNewError(message)
        return version

    def _migrate(self, connection: sqlite3.Connection) -> None:
        with _transaction(connection, "BEGIN IMMEDIATE"):
            current = self._check_version(connection)  # again under the lock: another process may have won
            for migration in self.migrations[current:]:
                if isinstance(migration, str):
                    for statement in _statements(migration):
                        connection.execute(statement)
                else:
                    migration(connection)
            # PRAGMA takes no parameters; the value is our own int.
            connection.execute(f"PRAGMA user_version = {self.latest_version:d}")


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file `path` names (None: none)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


@contextmanager
def _transaction(connection: sqlite3.Connection, begin: str) -> Iterator[None]:
    connection.execute(begin)
    try:
        yield
    except BaseException:
        if connection.in_transaction:  # some errors (a full disk) have rolled it back already
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _statements(script: str) -> Iterator[str]:
    """The statements of a script, split at the `;` that end one (not those in strings or triggers)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending
            pending = ""
    if pending.strip(" \t\r\n;"):  # unterminated (an open string): let SQLite report the error
        yield pending
