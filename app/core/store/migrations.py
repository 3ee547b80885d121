"""Named schema migrations, each applied with its record in one transaction.

Never edit a migration once it has shipped; add a new one. ``SCHEMA_MAJOR`` changes only when
an older Steward could no longer read the database safely; the version guard in
:mod:`app.core.store.database` refuses a database whose major version is newer than ours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from app.core.store.sqlcipher import Connection

SCHEMA_MAJOR = 1

Migration = Callable[[Connection], None]


def m001_conversations_and_messages(conn: Connection) -> None:
    conn.execute(
        """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT ''
        )
        """
    )
    conn.execute("CREATE INDEX conversations_by_updated ON conversations(updated DESC)")
    conn.execute(
        """
        CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL,
            created TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            backend TEXT NOT NULL DEFAULT 'local' CHECK (backend IN ('local', 'cloud')),
            status TEXT NOT NULL DEFAULT 'complete'
                CHECK (status IN ('complete', 'partial', 'error')),
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            ttft_ms REAL,
            tokens_per_s REAL,
            error TEXT
        )
        """
    )
    conn.execute("CREATE UNIQUE INDEX messages_by_conversation ON messages(conversation_id, seq)")


def m002_message_search(conn: Connection) -> None:
    # External-content FTS5 index kept in step by triggers (the layout sqlite-utils'
    # enable_fts(create_triggers=True) makes), written out so it runs inside the migration's
    # transaction.
    conn.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content, content=messages, "
        "content_rowid=rowid, tokenize='unicode61 remove_diacritics 2')"
    )
    _message_search_triggers(conn)


def _message_search_triggers(conn: Connection) -> None:
    conn.execute(
        """
        CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
        END
        """
    )
    conn.execute(
        """
        CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
                VALUES ('delete', old.rowid, old.content);
        END
        """
    )
    conn.execute(
        """
        CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content)
                VALUES ('delete', old.rowid, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
        END
        """
    )


def m003_cloud_consent_and_secrets(conn: Connection) -> None:
    # consent given once for a whole conversation to be sent to the cloud endpoint
    conn.execute("ALTER TABLE conversations ADD COLUMN cloud_consent INTEGER NOT NULL DEFAULT 0")
    # secrets (such as the cloud API key) when the database key is passphrase-wrapped:
    # the encrypted database is then the passphrase-protected secret store
    conn.execute("CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


def m004_drafts(conn: Connection) -> None:
    # unsent text in the composer, per conversation ('' for a new one); it is message text,
    # so it lives here, encrypted, and never in a settings file
    conn.execute(
        "CREATE TABLE drafts (conversation_id TEXT PRIMARY KEY, text TEXT NOT NULL, "
        "updated TEXT NOT NULL)"
    )


def m005_automations(conn: Connection) -> None:
    # workflows (the validated JSON document, and the fingerprint of the exact steps and
    # permissions the user approved), runs, their steps, and the file changes a run made
    # (journaled so they can be undone)
    conn.execute(
        """
        CREATE TABLE workflows (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            document TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            approved TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            last_fired TEXT
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            workflow_id TEXT NOT NULL,
            workflow_name TEXT NOT NULL,
            trigger TEXT NOT NULL,
            trigger_data TEXT NOT NULL DEFAULT '{}',
            dry_run INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            error TEXT,
            started TEXT NOT NULL,
            duration_ms REAL,
            undone TEXT
        )
        """
    )
    conn.execute("CREATE INDEX runs_by_workflow ON runs(workflow_id, started DESC)")
    conn.execute("CREATE INDEX runs_by_started ON runs(started DESC)")
    conn.execute(
        """
        CREATE TABLE run_steps (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            step_id TEXT NOT NULL,
            action TEXT NOT NULL,
            status TEXT NOT NULL,
            inputs TEXT NOT NULL DEFAULT '{}',
            output TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            duration_ms REAL,
            PRIMARY KEY (run_id, position)
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE run_files (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            existed INTEGER NOT NULL,
            saved TEXT,
            PRIMARY KEY (run_id, position)
        )
        """
    )


def m006_grant_roots_and_approved_values(conn: Connection) -> None:
    # each file change records the granted folder it was made in, so undo stays inside it,
    # and what undo did with it (or why it refused)
    conn.execute("ALTER TABLE run_files ADD COLUMN root TEXT")
    conn.execute("ALTER TABLE run_files ADD COLUMN undo TEXT")
    # the exact data-built values of program steps the user approved "always"
    conn.execute(
        """
        CREATE TABLE approved_values (
            workflow_id TEXT NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
            digest TEXT NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (workflow_id, digest)
        )
        """
    )


def m007_length_status(conn: Connection) -> None:
    # an answer cut off at the length limit is stored as such ('length'), so it is marked and
    # can be continued. SQLite cannot change a CHECK in place: the table is rebuilt with the
    # same rows and rowids (the search index refers to them), then its index and triggers.
    for trigger in ("messages_ai", "messages_ad", "messages_au"):
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute(
        """
        CREATE TABLE messages_new (
            id TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
            content TEXT NOT NULL,
            created TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            backend TEXT NOT NULL DEFAULT 'local' CHECK (backend IN ('local', 'cloud')),
            status TEXT NOT NULL DEFAULT 'complete'
                CHECK (status IN ('complete', 'partial', 'error', 'length')),
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            ttft_ms REAL,
            tokens_per_s REAL,
            error TEXT
        )
        """
    )
    columns = (
        "id, conversation_id, seq, role, content, created, model, backend, status, "
        "prompt_tokens, completion_tokens, ttft_ms, tokens_per_s, error"
    )
    conn.execute(
        f"INSERT INTO messages_new (rowid, {columns}) SELECT rowid, {columns} FROM messages"
    )
    conn.execute("DROP TABLE messages")
    conn.execute("ALTER TABLE messages_new RENAME TO messages")
    conn.execute("CREATE UNIQUE INDEX messages_by_conversation ON messages(conversation_id, seq)")
    _message_search_triggers(conn)


def m008_created_folders(conn: Connection) -> None:
    # a folder a run created to hold a file it wrote: undo removes it again once empty
    conn.execute("ALTER TABLE run_files ADD COLUMN folder INTEGER NOT NULL DEFAULT 0")


def m009_tool_pins(conn: Connection) -> None:
    # the definition of each MCP tool the user approved (by the server's identity: its
    # command line or address), so a changed description is seen; "always" when calls of
    # it run without asking
    conn.execute(
        """
        CREATE TABLE tool_pins (
            identity TEXT NOT NULL,
            tool TEXT NOT NULL,
            hash TEXT NOT NULL,
            definition TEXT NOT NULL,
            always INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            PRIMARY KEY (identity, tool)
        )
        """
    )


MIGRATIONS: list[Migration] = [
    m001_conversations_and_messages,
    m002_message_search,
    m003_cloud_consent_and_secrets,
    m004_drafts,
    m005_automations,
    m006_grant_roots_and_approved_values,
    m007_length_status,
    m008_created_folders,
    m009_tool_pins,
]


def applied(conn: Connection) -> set[str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"
    )
    return {row[0] for row in conn.execute("SELECT name FROM _migrations")}


def migrate(conn: Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply every pending migration in order; returns the names applied now."""
    done = applied(conn)
    ran: list[str] = []
    for migration in migrations if migrations is not None else MIGRATIONS:
        name = migration.__name__
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            migration(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied) VALUES (?, ?)",
                (name, datetime.now(UTC).isoformat()),
            )
            conn.execute(f"PRAGMA user_version = {SCHEMA_MAJOR}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        ran.append(name)
    return ran
