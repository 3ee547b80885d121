from __future__ import annotations

import json
from pathlib import Path

from app.core.llm.redact import Redactor, StreamRestorer

HOME = Path("/home/ada")


def test_redacts_emails_phones_and_home_paths_consistently() -> None:
    r = Redactor(HOME)
    text = (
        "Mail ada@example.org or call +44 20 7946 0958; also ada@example.org. "
        "The file is /home/ada/Documents/taxes 2026.pdf and /etc/hosts stays."
    )
    out = r.redact(text)
    assert "ada@example.org" not in out and "7946" not in out and "/home/ada" not in out
    assert out.count("[EMAIL_1]") == 2 and "[PHONE_1]" in out and "[PATH_1]" in out
    assert "/etc/hosts" in out and "2026" in out  # a year or another path is not redacted
    assert r.restore(out) == text


def test_short_numbers_are_not_phone_numbers() -> None:
    r = Redactor(HOME)
    assert r.redact("Order 12345 costs 99.50 in 2026") == "Order 12345 costs 99.50 in 2026"


def test_stream_restorer_handles_placeholders_split_across_chunks() -> None:
    r = Redactor(HOME)
    r.redact("write to bob@example.com")
    restorer = StreamRestorer(r)
    chunks = ["Sure, I will e-mail [EMA", "IL_", "1] today", " [not a placeholder", "]."]
    out = "".join(restorer.feed(c) for c in chunks) + restorer.flush()
    assert out == "Sure, I will e-mail bob@example.com today [not a placeholder]."


def test_values_restored_into_json_are_escaped() -> None:
    redactor = Redactor(home=Path("C:\\Users\\ada"))
    sent = redactor.redact("open C:\\Users\\ada\\notes.txt and mail ada@example.org")
    assert "[PATH_1]" in sent and "[EMAIL_1]" in sent
    answer = json.dumps({"file": "[PATH_1]", "to": "[EMAIL_1]"})
    restored = json.loads(redactor.restore_with(answer, lambda v: json.dumps(v)[1:-1]))
    assert restored == {"file": "C:\\Users\\ada\\notes.txt", "to": "ada@example.org"}
    assert redactor.restore_with("[PATH_9] stays", str.upper) == "[PATH_9] stays"
