from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core import history_io
from app.core.errors import UsageError
from app.core.store.database import Database

CHATGPT_EXPORT = [
    {
        "title": "Bread baking",
        "create_time": 1700000000.0,
        "update_time": 1700000500.0,
        "current_node": "n3",
        "mapping": {
            "root": {"id": "root", "message": None, "parent": None, "children": ["n1"]},
            "n1": {
                "id": "n1",
                "parent": "root",
                "children": ["n2"],
                "message": {
                    "author": {"role": "user"},
                    "create_time": 1700000001.0,
                    "content": {"content_type": "text", "parts": ["How long to proof sourdough?"]},
                },
            },
            "n2": {
                "id": "n2",
                "parent": "n1",
                "children": ["n3", "n2b"],
                "message": {
                    "author": {"role": "assistant"},
                    "create_time": 1700000002.0,
                    "metadata": {"model_slug": "gpt-4o"},
                    "content": {"content_type": "text", "parts": ["About 4 to 6 hours."]},
                },
            },
            "n2b": {
                "id": "n2b",
                "parent": "n2",
                "children": [],
                "message": {
                    "author": {"role": "user"},
                    "content": {"content_type": "text", "parts": ["abandoned branch"]},
                },
            },
            "n3": {
                "id": "n3",
                "parent": "n2",
                "children": [],
                "message": {
                    "author": {"role": "user"},
                    "create_time": 1700000003.0,
                    "content": {"content_type": "text", "parts": ["And overnight in the fridge?"]},
                },
            },
        },
    }
]


def test_chatgpt_import_follows_current_branch(db: Database, tmp_path: Path) -> None:
    f = tmp_path / "conversations.json"
    f.write_text(json.dumps(CHATGPT_EXPORT))
    [conv] = history_io.import_file(db, f)
    msgs = db.messages(conv.id)
    assert conv.title == "Bread baking"
    assert [(m.role, m.content) for m in msgs] == [
        ("user", "How long to proof sourdough?"),
        ("assistant", "About 4 to 6 hours."),
        ("user", "And overnight in the fridge?"),
    ]
    assert msgs[1].backend == "cloud" and msgs[1].model == "gpt-4o"
    assert db.search("sourdough")


def test_steward_export_import_round_trip(db: Database, tmp_path: Path) -> None:
    conv = db.create_conversation("Round trip")
    db.add_message(conv.id, "user", "Hello *there*")
    db.add_message(conv.id, "assistant", "Hi!", status="partial", model="m")
    exported = history_io.export_json(db, conv)
    md = history_io.export_markdown(db, conv)
    assert "# Round trip" in md and "Hello *there*" in md and "partial" in md
    f = tmp_path / "export.json"
    f.write_text(json.dumps(exported))
    [copy] = history_io.import_file(db, f)
    assert copy.id != conv.id
    assert [(m.role, m.content, m.status) for m in db.messages(copy.id)] == [
        ("user", "Hello *there*", "complete"),
        ("assistant", "Hi!", "partial"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not a JSON file"),
        ('{"some": "thing"}', "neither a Steward export nor a ChatGPT"),
        ('[{"format": "steward-conversation", "messages": [{"role": "robot"}]}]', "valid role"),
        ("[1, 2]", "not a conversation"),
        # fields of the wrong kind deep inside (these crashed with AttributeError)
        ('{"format": "steward-conversation", "conversation": "x"}', "not a valid Steward"),
        ('{"format": "steward-conversation", "messages": ["hi"]}', "not a valid Steward"),
        ('{"format": "steward-conversation", "messages": 5}', "not a valid Steward"),
        ('{"title": "t", "mapping": {"a": "b"}}', "not a valid Steward"),
        ('{"title": "t", "mapping": [1]}', "has no 'mapping'"),
    ],
)
def test_bad_import_is_clear_and_imports_nothing(
    db: Database, tmp_path: Path, content: str, message: str
) -> None:
    db.add_message(db.create_conversation("existing").id, "user", "keep me")
    f = tmp_path / "bad.json"
    f.write_text(content)
    with pytest.raises(UsageError, match=message):
        history_io.import_file(db, f)
    assert db.count("conversations") == 1 and db.count() == 1


def test_import_is_all_or_nothing(db: Database, tmp_path: Path) -> None:
    good = {"format": "steward-conversation", "conversation": {"title": "ok"}, "messages": []}
    bad = {"format": "steward-conversation", "messages": [{"role": "user", "content": 5}]}
    f = tmp_path / "mixed.json"
    f.write_text(json.dumps([good, bad]))
    with pytest.raises(UsageError):
        history_io.import_file(db, f)
    assert db.count("conversations") == 0


def test_an_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "export.md"
    out.write_text("old")
    out.chmod(0o644)
    history_io.write_private(out, "# my conversation\n")
    assert out.read_text() == "# my conversation\n"
    assert (out.stat().st_mode & 0o777) == 0o600
    fresh = tmp_path / "fresh.json"
    history_io.write_private(fresh, "{}")
    assert (fresh.stat().st_mode & 0o777) == 0o600
