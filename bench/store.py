"""Store figures: full-text search over many encrypted messages, and SQLCipher's cost over
plain SQLite on the same data (sqlcipher3 without a key is plain SQLite: same code, schema,
pragmas and queries on both sides)."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from app.core.store import migrations
from app.core.store.database import Database, new_id, open_database
from app.core.store.models import Message
from app.core.store.sqlcipher import dbapi
from bench.table import Row


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syllables = ["ka", "lo", "mi", "ra", "ne", "tu", "si", "po", "da", "fe", "gu", "vi", "zo", "be"]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def corpus(n: int, seed: int = 7) -> tuple[list[list[str]], list[str]]:
    """``n`` messages (Zipf-like word frequencies), grouped 50 to a conversation, and queries."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    texts = [" ".join(rng.choices(words, weights, k=rng.randint(8, 60))) for _ in range(n)]
    convs = [texts[i : i + 50] for i in range(0, n, 50)]
    # queries a person would type: one or two words, mostly of middling frequency, and some
    # common words that match tens of thousands of messages and must all be ranked
    queries = [" ".join(rng.sample(words[100:3000], rng.choice((1, 2)))) for _ in range(50)] + [
        rng.choice(words[3:60]) for _ in range(10)
    ]
    rng.shuffle(queries)
    return convs, queries


def open_plain(path: Path) -> Database:
    conn = dbapi.connect(str(path), isolation_level=None, check_same_thread=False)
    for pragma in (
        "journal_mode = WAL",
        "synchronous = FULL",
        "foreign_keys = ON",
        "temp_store = MEMORY",
    ):
        conn.execute(f"PRAGMA {pragma}")
    migrations.migrate(conn)
    return Database(conn, path)


def fill(db: Database, convs: list[list[str]]) -> float:
    started = time.perf_counter()
    for texts in convs:
        conv = db.create_conversation(texts[0][:40])
        with db.transaction():
            db.insert_messages(
                [
                    Message(
                        new_id(),
                        conv.id,
                        seq,
                        "user" if seq % 2 else "assistant",
                        text,
                        "2026-01-01T00:00:00+00:00",
                    )
                    for seq, text in enumerate(texts, 1)
                ]
            )
    return time.perf_counter() - started


def search_times(db: Database, queries: list[str]) -> list[float]:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        db.search(q, limit=50)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def run(quick: bool) -> list[Row]:
    n = 10_000 if quick else 100_000
    convs, queries = corpus(n)
    with tempfile.TemporaryDirectory() as tmp:
        enc = open_database(Path(tmp) / "enc.db", os.urandom(32))
        plain = open_plain(Path(tmp) / "plain.db")
        fill_enc = fill(enc, convs)
        fill_plain = fill(plain, convs)
        assert enc.count() == plain.count() == n
        search_times(enc, queries[:5])  # warm both caches the same way
        search_times(plain, queries[:5])
        enc_ms = search_times(enc, queries)
        plain_ms = search_times(plain, queries)
        enc.close()
        plain.close()
    median = statistics.median(enc_ms)
    ratio = (fill_enc + sum(enc_ms) / 1000) / (fill_plain + sum(plain_ms) / 1000)
    return [
        Row(
            f"full-text search, {n:,} encrypted messages: median",
            "<= 50 ms",
            f"{median:.1f} ms (p95 {sorted(enc_ms)[int(len(enc_ms) * 0.95)]:.1f} ms)",
            median <= 50,
        ),
        Row(
            "insert + search time: SQLCipher / plain SQLite",
            "<= 1.5",
            f"{ratio:.2f} (insert {fill_enc:.1f} s vs {fill_plain:.1f} s, search median "
            f"{median:.1f} vs {statistics.median(plain_ms):.1f} ms)",
            ratio <= 1.5,
        ),
    ]
