"""The encrypted store: SQLCipher + sqlite-utils, migrations, version guard, search, backup."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.core.errors import NewerDatabaseError, NotFoundError, StorageError, WrongKeyError
from app.core.store import migrations
from app.core.store.database import Database, connect, fts_query, open_database
from app.core.store.sqlcipher import OperationalError, sqlite_utils_module


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sqlite_utils_uses_sqlcipher_error_class() -> None:
    sqlite_utils_module()  # imported through the shim (on first use, not at start)
    from sqlite_utils.utils import OperationalError as SUError

    assert SUError is OperationalError


def test_sqlite_utils_alter_upsert_transform_fts_on_encrypted_db(db: Database) -> None:
    t = db.db["notes"]
    t.insert({"id": 1, "body": "first note"}, pk="id")
    # alter=True relies on sqlite-utils catching the right OperationalError
    t.insert({"id": 2, "body": "second", "tag": "new column"}, alter=True)
    assert "tag" in t.columns_dict
    t.upsert({"id": 1, "body": "first note, edited"}, pk="id")
    assert t.get(1)["body"] == "first note, edited"
    t.transform(types={"tag": str}, rename={"body": "text"})
    assert "text" in t.columns_dict
    t.enable_fts(["text"], create_triggers=True)
    assert [r["id"] for r in t.search("edited")] == [1]


def test_database_file_is_ciphertext(tmp_path: Path, key: bytes) -> None:
    database = open_database(tmp_path / "enc.db", key)
    conv = database.create_conversation("secret-title-xyz")
    database.add_message(conv.id, "user", "very secret content qwerty")
    database.close()
    raw = (tmp_path / "enc.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert b"qwerty" not in raw and b"secret-title-xyz" not in raw and b"messages" not in raw
    assert (tmp_path / "enc.db").stat().st_mode & 0o077 == 0


def test_wrong_key_is_refused_and_file_untouched(tmp_path: Path, key: bytes) -> None:
    database = open_database(tmp_path / "a.db", key)
    database.add_message(database.create_conversation("t").id, "user", "hello")
    database.close()
    before = digest(tmp_path / "a.db")
    with pytest.raises(WrongKeyError, match="wrong key"):
        open_database(tmp_path / "a.db", bytes(32))
    assert digest(tmp_path / "a.db") == before
    assert open_database(tmp_path / "a.db", key).count() == 1


def test_plain_sqlite_file_is_not_opened(tmp_path: Path, key: bytes) -> None:
    import sqlite3

    plain = sqlite3.connect(tmp_path / "plain.db")
    plain.execute("CREATE TABLE t (x)")
    plain.commit()
    plain.close()
    with pytest.raises(WrongKeyError):
        open_database(tmp_path / "plain.db", key)


def test_pragmas_and_migrations(db: Database) -> None:
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    names = [r[0] for r in db.conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [m.__name__ for m in migrations.MIGRATIONS]
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_MAJOR
    assert migrations.migrate(db.conn) == []  # idempotent


def test_failed_migration_leaves_no_trace(db: Database) -> None:
    def m900_broken(conn: object) -> None:
        db.conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        migrations.migrate(db.conn, [*migrations.MIGRATIONS, m900_broken])
    tables = {r[0] for r in db.conn.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables
    assert "m900_broken" not in migrations.applied(db.conn)


def test_newer_major_version_is_refused_untouched(tmp_path: Path, key: bytes) -> None:
    database = open_database(tmp_path / "n.db", key)
    database.conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_MAJOR + 1}")
    database.close()
    before = digest(tmp_path / "n.db")
    with pytest.raises(NewerDatabaseError, match="newer Steward"):
        open_database(tmp_path / "n.db", key)
    assert digest(tmp_path / "n.db") == before


def test_conversations_messages_and_search(db: Database) -> None:
    a = db.create_conversation("Gardening")
    b = db.create_conversation("Travel")
    db.add_message(a.id, "user", "How do I prune tomato plants?")
    db.add_message(a.id, "assistant", "Pinch the suckers between stem and branch.")
    m = db.add_message(b.id, "user", "Trains from Zürich to Milano")
    assert [c.id for c in db.conversations()] == [b.id, a.id]
    assert [x.seq for x in db.messages(a.id)] == [1, 2]
    hits = db.search("tomato")
    assert [h.conversation_id for h in hits] == [a.id]
    assert "[tomato]" in hits[0].snippet
    assert [h.message_id for h in db.search("zurich")] == [m.id]  # diacritics folded
    assert [h.message_id for h in db.search("Mila")] == [m.id]  # prefix on the last word
    assert db.search('" OR *') == []  # FTS syntax in user input is harmless
    m.content = "Buses from Bern"
    db.update_message(m)
    assert db.search("Milano") == [] and len(db.search("Bern")) == 1
    db.rename_conversation(a.id, "Garden")
    assert db.conversation(a.id).title == "Garden"
    assert db.find_conversation(a.id[:8]).id == a.id
    db.delete_conversation(a.id)
    assert db.search("tomato") == []
    with pytest.raises(NotFoundError):
        db.conversation(a.id)


def test_fts_query_quotes_terms() -> None:
    assert fts_query('hello "world" AND') == '"hello" "world" "AND"*'
    assert fts_query("  !!! ") == ""


def test_backup_is_encrypted_and_verified(db: Database, key: bytes, tmp_path: Path) -> None:
    conv = db.create_conversation("t")
    for i in range(10):
        db.add_message(conv.id, "user", f"message {i} marker-backup")
    dest = tmp_path / "backup.db"
    assert db.backup_to(dest, key) == 10
    assert b"marker-backup" not in dest.read_bytes()
    copy = open_database(dest, key)
    assert copy.count() == 10 and copy.quick_check() == "ok"
    copy.close()
    with pytest.raises(StorageError, match="already exists"):
        db.backup_to(dest, key)


def test_connect_does_not_create_schema(tmp_path: Path, key: bytes) -> None:
    conn = connect(tmp_path / "fresh.db", key)
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    conn.close()
    assert sqlite_utils_module().Database  # the shim hands out the library


def test_drafts_are_kept_per_conversation(db: Database) -> None:
    conv = db.create_conversation("t")
    db.set_draft(None, "half a thought")
    db.set_draft(conv.id, "reply in progress")
    assert db.draft(None) == "half a thought" and db.draft(conv.id) == "reply in progress"
    db.set_draft(conv.id, "   ")
    assert db.draft(conv.id) == ""


def test_message_pages_walk_a_long_conversation_both_ways(db: Database) -> None:
    conv = db.create_conversation("Long")
    for i in range(25):
        db.add_message(conv.id, "user" if i % 2 == 0 else "assistant", f"message {i}")
    latest, earlier = db.message_page(conv.id, limit=10)
    assert [m.content for m in latest] == [f"message {i}" for i in range(15, 25)] and earlier
    page, earlier = db.message_page(conv.id, limit=10, before_seq=latest[0].seq)
    assert [m.content for m in page] == [f"message {i}" for i in range(5, 15)] and earlier
    first, earlier = db.message_page(conv.id, limit=10, before_seq=page[0].seq)
    assert [m.content for m in first] == [f"message {i}" for i in range(5)] and not earlier
    forward, later = db.message_page(conv.id, limit=10, after_seq=first[-1].seq)
    assert forward == page and later
    last, later = db.message_page(conv.id, limit=10, after_seq=page[-1].seq)
    assert last == latest and not later
    assert db.message_page("no-such-conversation", limit=10) == ([], False)


def test_length_status_migration_keeps_messages_search_and_cascade(
    tmp_path: Path, key: bytes
) -> None:
    # a database as the previous release left it (every migration before m007)
    conn = connect(tmp_path / "old.db", key)
    conn.execute("PRAGMA foreign_keys = ON")
    migrations.migrate(conn, migrations.MIGRATIONS[:6])
    conn.execute("INSERT INTO conversations VALUES ('c1', 'Garden', 't', 't', '', 0)")
    conn.execute(
        "INSERT INTO messages (id, conversation_id, seq, role, content, created, status) "
        "VALUES ('m1', 'c1', 1, 'user', 'How do I prune tomatoes?', 't', 'complete'), "
        "('m2', 'c1', 2, 'assistant', 'Pinch the suckers', 't', 'partial')"
    )
    conn.close()

    db = open_database(tmp_path / "old.db", key)
    assert [(m.id, m.status) for m in db.messages("c1")] == [("m1", "complete"), ("m2", "partial")]
    assert [h.message_id for h in db.search("tomatoes")] == ["m1"]  # the index still fits
    answer = db.messages("c1")[1]
    answer.content, answer.status = "Pinch the suckers between stem and branch", "length"
    db.update_message(answer)  # the new status is allowed; the search follows the edit
    assert db.messages("c1")[1].status == "length"
    assert [h.message_id for h in db.search("branch")] == ["m2"]
    db.add_message("c1", "user", "And peppers?")
    assert [h.message_id for h in db.search("peppers")] != []
    db.delete_conversation("c1")  # the cascade still holds after the rebuild
    assert db.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert db.search("tomatoes") == []
    db.close()
