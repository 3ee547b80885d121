"""Opening the encrypted database, and the conversation/message repository on top of it."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.errors import NewerDatabaseError, NotFoundError, StorageError, WrongKeyError
from app.core.store import migrations
from app.core.store.models import Backend, Conversation, Message, Role, SearchHit, Status
from app.core.store.sqlcipher import (
    Connection,
    DatabaseError,
    OperationalError,
    dbapi,
    sqlite_utils_module,
)
from app.language import _t

_CONVERSATION_COLUMNS = "id, title, created, updated, model"
_MESSAGE_COLUMNS = (
    "id, conversation_id, seq, role, content, created, model, backend, status, "
    "prompt_tokens, completion_tokens, ttft_ms, tokens_per_s, error"
)
_FULL_MARKERS = ("disk is full", "database or disk is full", "file too large")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_id() -> str:
    return str(uuid.uuid4())


def storage_error(exc: BaseException, path: Path) -> StorageError:
    """A clear message for an error raised while writing the database."""
    text = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return StorageError(
            _t("The disk is full: Steward could not write {0}.").format(path),
            hint=_t("Free some space and try again; nothing already saved was lost."),
        )
    if any(marker in text for marker in _FULL_MARKERS):
        return StorageError(
            _t("The disk is full: Steward could not write its database {0}.").format(path),
            hint=_t("Free some space and try again; nothing already saved was lost."),
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StorageError(
            _t("Steward cannot write its database {0} ({1}).").format(path, exc),
            hint=_t("Check the folder's permissions and free space."),
        )
    if "disk i/o error" in text:
        return StorageError(
            _t("Writing the database {0} failed (disk I/O error).").format(path),
            hint=_t("The disk may be full or failing; nothing already saved was lost."),
        )
    return StorageError(_t("The database {0} reported: {1}.").format(path, exc))


@contextlib.contextmanager
def _translated(path: Path) -> Iterator[None]:
    try:
        yield
    except (OperationalError, OSError) as exc:
        raise storage_error(exc, path) from exc


def connect(path: Path, key: bytes) -> Connection:
    """Open ``path`` with ``key`` and confirm the key is right; nothing else is changed."""
    if not path.exists():
        # private from the first byte; SQLite gives the WAL and SHM files the same mode
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        conn: Connection = dbapi.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
    except OperationalError as exc:
        raise storage_error(exc, path) from exc
    try:
        # SQLCipher logs decryption failures to stderr; the user gets our one clear line.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise WrongKeyError(
                _t(
                    "The key does not open {0}: it is the wrong key, or the file is not a "
                    "Steward database."
                ).format(path),
                hint=_t("The file was not changed."),
            ) from exc
        raise storage_error(exc, path) from exc
    return conn


class Database:
    """The encrypted conversation store. Not thread-safe: use it from one thread at a time."""

    def __init__(self, conn: Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # called with a conversation's id once it is deleted: what is kept of it elsewhere
        # (its saved model state) goes with it
        self.on_deleted: list[Callable[[str], None]] = []

    @functools.cached_property
    def db(self) -> Any:
        """sqlite-utils on the same connection (tables, upserts, FTS), made on first use: its
        import costs more than opening the store."""
        return sqlite_utils_module().Database(self.conn)

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        with contextlib.suppress(DatabaseError):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()

    def quick_check(self) -> str:
        rows = [row[0] for row in self.conn.execute("PRAGMA quick_check")]
        return "ok" if rows == ["ok"] else "; ".join(rows)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back if anything inside raises."""
        with _translated(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(DatabaseError):
                self.conn.execute("ROLLBACK")
            raise
        with _translated(self.path):
            self.conn.execute("COMMIT")

    def backup_to(self, destination: Path, key: bytes) -> int:
        """Write an encrypted copy to ``destination``, reopen it, and return its message count."""
        if destination.exists():
            raise StorageError(
                _t("{0} already exists; choose another file name.").format(destination)
            )
        partial = destination.with_name(destination.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            with _translated(destination):
                self.conn.execute(
                    f"ATTACH DATABASE ? AS backup KEY \"x'{key.hex()}'\"", (str(partial),)
                )
                try:
                    self.conn.execute("SELECT sqlcipher_export('backup')")
                finally:
                    self.conn.execute("DETACH DATABASE backup")
            check = connect(partial, key)
            try:
                verdict = [row[0] for row in check.execute("PRAGMA quick_check")]
                count = int(check.execute("SELECT count(*) FROM messages").fetchone()[0])
            finally:
                check.close()
            if verdict != ["ok"]:
                raise StorageError(
                    _t("The backup {0} failed its integrity check.").format(destination)
                )
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return count

    # --- conversations --------------------------------------------------------------------

    def create_conversation(self, title: str, model: str = "") -> Conversation:
        stamp = now()
        conv = Conversation(
            new_id(), title.strip()[:200] or "New conversation", stamp, stamp, model
        )
        with _translated(self.path):
            self.conn.execute(
                f"INSERT INTO conversations ({_CONVERSATION_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (conv.id, conv.title, conv.created, conv.updated, conv.model),
            )
        return conv

    def conversation(self, conversation_id: str) -> Conversation:
        row = self.conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(_t("No conversation with id {0}.").format(conversation_id))
        return Conversation(*row)

    def find_conversation(self, prefix: str) -> Conversation:
        """A conversation by its full id or an unambiguous id prefix (at least 4 characters)."""
        if len(prefix) >= 36:
            return self.conversation(prefix)
        if len(prefix) < 4:
            raise NotFoundError(
                _t("No conversation with id {0} (give at least 4 characters).").format(prefix)
            )
        rows = self.conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id LIKE ? LIMIT 2",
            (prefix.replace("%", "").replace("_", "") + "%",),
        ).fetchall()
        if not rows:
            raise NotFoundError(_t("No conversation with id {0}.").format(prefix))
        if len(rows) > 1:
            raise NotFoundError(
                _t("The id prefix {0} matches several conversations.").format(prefix)
            )
        return Conversation(*rows[0])

    def conversations(self, limit: int = 100, offset: int = 0) -> list[Conversation]:
        rows = self.conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations "
            "ORDER BY updated DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [Conversation(*row) for row in rows]

    def rename_conversation(self, conversation_id: str, title: str) -> None:
        self.conversation(conversation_id)
        with _translated(self.path):
            self.conn.execute(
                "UPDATE conversations SET title = ? WHERE id = ?",
                (title.strip()[:200] or "Untitled", conversation_id),
            )

    def delete_conversation(self, conversation_id: str) -> None:
        self.conversation(conversation_id)
        with self.transaction():
            self.conn.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self.conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        for forget in list(self.on_deleted):
            forget(conversation_id)

    def count_messages(self, conversation_id: str) -> int:
        return int(
            self.conn.execute(
                "SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
        )

    def count(self, table: str = "messages") -> int:
        if table not in ("messages", "conversations"):
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # --- messages -------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: str,
        role: Role,
        content: str,
        *,
        status: Status = "complete",
        model: str = "",
        backend: Backend = "local",
        created: str | None = None,
    ) -> Message:
        """Append a message and commit it (the commit is durable when this returns)."""
        stamp = created or now()
        with self.transaction():
            seq = int(
                self.conn.execute(
                    "SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE conversation_id = ?",
                    (conversation_id,),
                ).fetchone()[0]
            )
            message = Message(
                new_id(), conversation_id, seq, role, content, stamp, model, backend, status
            )
            self.conn.execute(
                f"INSERT INTO messages ({_MESSAGE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _message_row(message),
            )
            self.conn.execute(
                "UPDATE conversations SET updated = ? WHERE id = ?", (now(), conversation_id)
            )
        return message

    def update_message(self, message: Message) -> None:
        with _translated(self.path):
            self.conn.execute(
                "UPDATE messages SET content = ?, status = ?, model = ?, backend = ?, "
                "prompt_tokens = ?, completion_tokens = ?, ttft_ms = ?, tokens_per_s = ?, "
                "error = ? WHERE id = ?",
                (
                    message.content,
                    message.status,
                    message.model,
                    message.backend,
                    message.prompt_tokens,
                    message.completion_tokens,
                    message.ttft_ms,
                    message.tokens_per_s,
                    message.error,
                    message.id,
                ),
            )

    def delete_messages_from(self, conversation_id: str, seq: int) -> None:
        """Delete the message at ``seq`` and every later one (for regenerate / edit)."""
        with _translated(self.path):
            self.conn.execute(
                "DELETE FROM messages WHERE conversation_id = ? AND seq >= ?",
                (conversation_id, seq),
            )

    def message(self, message_id: str) -> Message:
        row = self.conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(_t("No message with id {0}.").format(message_id))
        return Message(*row)

    def messages(self, conversation_id: str, *, last: int | None = None) -> list[Message]:
        """The conversation's messages in order; ``last`` keeps only the latest ones."""
        if last is None:
            rows = self.conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY seq",
                (conversation_id,),
            ).fetchall()
        else:
            rows = self.conn.execute(
                f"SELECT * FROM (SELECT {_MESSAGE_COLUMNS} FROM messages "
                "WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                (conversation_id, last),
            ).fetchall()
        return [Message(*row) for row in rows]

    def message_page(
        self,
        conversation_id: str,
        *,
        limit: int,
        before_seq: int | None = None,
        after_seq: int | None = None,
    ) -> tuple[list[Message], bool]:
        """Up to ``limit`` consecutive messages in order, and whether more lie beyond them.

        By default the latest ones (more = earlier ones exist); ``before_seq`` pages back from a
        message, ``after_seq`` forward (more = later ones exist)."""
        if after_seq is not None:
            rows = self.conn.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq > ? "
                "ORDER BY seq LIMIT ?",
                (conversation_id, after_seq, limit + 1),
            ).fetchall()
            more = len(rows) > limit
            return [Message(*row) for row in rows[:limit]], more
        rows = self.conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? AND seq < ? "
            "ORDER BY seq DESC LIMIT ?",
            (conversation_id, before_seq if before_seq is not None else 2**62, limit + 1),
        ).fetchall()
        more = len(rows) > limit
        return [Message(*row) for row in reversed(rows[:limit])], more

    def message_window(self, message_id: str, *, limit: int) -> tuple[list[Message], bool, bool]:
        """About ``limit`` consecutive messages with ``message_id`` in the middle (a search hit
        opened), and whether earlier and later ones lie beyond them."""
        message = self.message(message_id)
        half = max(1, limit // 2)
        before, earlier = self.message_page(
            message.conversation_id, limit=half + 1, before_seq=message.seq + 1
        )
        after, later = self.message_page(
            message.conversation_id, limit=limit - len(before), after_seq=message.seq
        )
        return before + after, earlier, later

    def insert_messages(self, messages: Sequence[Message]) -> None:
        """Bulk insert (import, benchmarks) inside the caller's transaction or its own."""
        with _translated(self.path):
            self.conn.executemany(
                f"INSERT INTO messages ({_MESSAGE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_message_row(m) for m in messages],
            )

    def insert_conversation(self, conv: Conversation) -> None:
        with _translated(self.path):
            self.conn.execute(
                f"INSERT INTO conversations ({_CONVERSATION_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                (conv.id, conv.title, conv.created, conv.updated, conv.model),
            )

    # --- cloud consent and secrets ---------------------------------------------------------

    def cloud_consent(self, conversation_id: str) -> bool:
        row = self.conn.execute(
            "SELECT cloud_consent FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return bool(row and row[0])

    def set_cloud_consent(self, conversation_id: str, allowed: bool) -> None:
        with _translated(self.path):
            self.conn.execute(
                "UPDATE conversations SET cloud_consent = ? WHERE id = ?",
                (int(allowed), conversation_id),
            )

    def secret(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_secret(self, name: str, value: str | None) -> None:
        with _translated(self.path):
            if value is None:
                self.conn.execute("DELETE FROM secrets WHERE name = ?", (name,))
            else:
                self.conn.execute(
                    "INSERT INTO secrets (name, value) VALUES (?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    # --- drafts ---------------------------------------------------------------------------

    def draft(self, conversation_id: str | None) -> str:
        row = self.conn.execute(
            "SELECT text FROM drafts WHERE conversation_id = ?", (conversation_id or "",)
        ).fetchone()
        return str(row[0]) if row else ""

    def set_draft(self, conversation_id: str | None, text: str) -> None:
        with _translated(self.path):
            if text.strip():
                self.conn.execute(
                    "INSERT INTO drafts (conversation_id, text, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(conversation_id) DO UPDATE SET text = excluded.text, "
                    "updated = excluded.updated",
                    (conversation_id or "", text, now()),
                )
            else:
                self.conn.execute(
                    "DELETE FROM drafts WHERE conversation_id = ?", (conversation_id or "",)
                )

    # --- search ---------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over message content, best matches first."""
        match = fts_query(query)
        if not match:
            return []
        rows = self.conn.execute(
            """
            SELECT m.conversation_id, c.title, m.id, m.role,
                   snippet(messages_fts, 0, '[', ']', '…', 12), m.created
            FROM messages_fts
            JOIN messages m ON m.rowid = messages_fts.rowid
            JOIN conversations c ON c.id = m.conversation_id
            WHERE messages_fts MATCH ?
            ORDER BY messages_fts.rank
            LIMIT ?
            """,
            (match, limit),
        ).fetchall()
        return [SearchHit(*row) for row in rows]


def fts_query(text: str) -> str:
    """Each word of ``text`` as a quoted FTS5 term (prefix match on the last one)."""
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    if not words:
        return ""
    terms = [f'"{w}"' for w in words]
    terms[-1] += "*"
    return " ".join(terms)


def _message_row(m: Message) -> tuple[Any, ...]:
    return (
        m.id,
        m.conversation_id,
        m.seq,
        m.role,
        m.content,
        m.created,
        m.model,
        m.backend,
        m.status,
        m.prompt_tokens,
        m.completion_tokens,
        m.ttft_ms,
        m.tokens_per_s,
        m.error,
    )


def open_database(path: Path, key: bytes, *, check: bool = True) -> Database:
    """Open (or create) the encrypted database at ``path``.

    Refuses a database from a newer major schema, runs ``quick_check`` when ``check`` is set,
    and applies pending migrations. A wrong key raises WrongKeyError and changes nothing.
    """
    conn = connect(path, key)
    try:
        with _translated(path):
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > migrations.SCHEMA_MAJOR:
                raise NewerDatabaseError(
                    _t(
                        "The database {0} was written by a newer Steward (schema {1}, this "
                        "version reads {2})."
                    ).format(path, version, migrations.SCHEMA_MAJOR),
                    hint=_t("Update Steward; the database was not changed."),
                )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA busy_timeout = 10000")
            if check:
                verdict = [row[0] for row in conn.execute("PRAGMA quick_check")]
                if verdict != ["ok"]:
                    raise StorageError(
                        _t("The database {0} failed its integrity check: {1}.").format(
                            path, "; ".join(verdict[:3])
                        ),
                        hint=_t(
                            "Restore a backup with `steward restore`; the file was not changed."
                        ),
                    )
            migrations.migrate(conn)
    except BaseException:
        conn.close()
        raise
    return Database(conn, path)


def rotate_backups(folder: Path, keep: int) -> list[Path]:
    """Delete the oldest automatic backups beyond ``keep``; returns what was deleted."""
    backups = sorted(folder.glob("steward-*.db"), key=lambda p: p.stat().st_mtime)
    doomed = backups[: max(0, len(backups) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def backup_name() -> str:
    return time.strftime("steward-%Y%m%d-%H%M%S.db", time.gmtime())


def move_aside(path: Path, folder: Path) -> Path:
    """Move a database with its WAL and SHM files into ``folder`` unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            shutil.move(str(src), str(folder / src.name))
    return folder / path.name
