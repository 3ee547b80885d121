"""A history written straight into a home's encrypted store, for the desktop tests and the
screenshots (scripts/gallery.py): a long conversation of prose, lists and code, and a few
short ones — in English or in Chinese."""

from __future__ import annotations

from pathlib import Path

WORDS = {
    "en": {
        "long": "Python questions, a very long conversation",
        "others": ["Weekend plans", "Tomato seedlings"],
        "texts": [
            "How do I read a file line by line in Python?",
            "Use a `with` block and iterate:\n\n```python\nwith open(path) as f:\n"
            "    for line in f:\n        print(line.rstrip())\n```\n\nThe file closes itself.",
            "And count the words?",
            "Split each line:\n\n- `len(line.split())` per line\n- add them up\n\n"
            "```python\ntotal = sum(len(line.split()) for line in open(path))\n```",
        ],
    },
    "zh_CN": {
        "long": "Python 问题",
        "others": ["周末计划", "番茄育苗"],
        "texts": [
            "在 Python 里怎样逐行读取文件？",
            "用 `with` 语句并逐行遍历：\n\n```python\nwith open(path) as f:\n"
            "    for line in f:\n        print(line.rstrip())\n```\n\n文件会自动关闭。",
            "那怎样统计单词数？",
            "把每一行拆开：\n\n- 每行用 `len(line.split())`\n- 再把它们加起来\n\n"
            "```python\ntotal = sum(len(line.split()) for line in open(path))\n```",
        ],
    },
}


def write_history(home: Path, messages: int, language: str = "en") -> None:
    """The short conversations, then the long one of ``messages`` messages (the newest)."""
    from app.core.paths import resolve_paths
    from app.core.steward import Steward
    from app.core.store.database import new_id, now
    from app.core.store.models import Message

    words = WORDS[language]
    texts = words["texts"]
    steward = Steward(resolve_paths(str(home)).ensure())
    db = steward.open_store()
    for title in words["others"]:
        conv = db.create_conversation(title)
        db.add_message(conv.id, "user", title)
    conv = db.create_conversation(words["long"])
    with db.transaction():
        db.insert_messages(
            [
                Message(
                    new_id(),
                    conv.id,
                    i + 1,
                    "user" if i % 2 == 0 else "assistant",
                    f"{texts[i % len(texts)]}\n\n({i + 1})",
                    now(),
                    model="" if i % 2 == 0 else "SmolLM2-135M-Instruct (embedded)",
                )
                for i in range(messages)
            ]
        )
    steward.close()
