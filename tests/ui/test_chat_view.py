"""The chat document is edited in place (pages, streaming, finishing); after every edit it
must read exactly as a document built from scratch for the same messages."""

from __future__ import annotations

from app.core.store.models import Message
from app.ui.chat_view import WINDOW, ChatView
from app.ui.render import Theme


def msg(n: int, text: str | None = None, **kw) -> Message:
    role = "user" if n % 2 else "assistant"
    return Message(f"m{n}", "c", n, role, text or f"message {n}\n\n```\ncode {n}\n```", "", **kw)


def fresh_text(view: ChatView) -> str:
    """The plain text of a new view showing the same window, pagers and live answer."""
    other = ChatView(view.theme)
    shown = [m for m in view.visible_messages() if m is not view._streaming]
    other.show_messages(shown, has_earlier=view.has_earlier)
    other.has_later = view.has_later
    other._set_pagers()
    if view._streaming is not None:
        other.stream(view._streaming)
    return other.toPlainText()


def test_edits_in_place_match_a_fresh_render(qtbot) -> None:
    view = ChatView(Theme.light())
    qtbot.addWidget(view)
    view.show_messages([msg(n) for n in range(41, 61)], has_earlier=True)
    assert view.toPlainText() == fresh_text(view)
    assert "Earlier messages" in view.toPlainText()

    view.append_message(msg(61, "a question"))
    live = Message("", "c", 0, "assistant", "Once", "")
    for more in ("", " upon", " a time\n\n```py\nx = 1\n```"):
        live.content += more
        view.stream(live)
        assert view.toPlainText() == fresh_text(view)
    assert view.toPlainText().count("Once") == 1
    view.finish_stream(msg(62, "Once upon a time", status="partial"))
    assert view.toPlainText() == fresh_text(view)
    assert "…" not in view.toPlainText() and "stopped" in view.toPlainText()

    def settle() -> None:  # the window is trimmed back to WINDOW on the next loop turn
        qtbot.waitUntil(lambda: len(view.visible_messages()) <= WINDOW)

    for start in (21, 1):  # page back until the newest fall out
        view.show_earlier([msg(n) for n in range(start, start + 20)], has_earlier=start > 1)
        settle()
        assert view.toPlainText() == fresh_text(view)
    assert len(view.visible_messages()) == WINDOW and view.has_later and not view.has_earlier
    assert "Newer messages" in view.toPlainText() and "Earlier messages" not in view.toPlainText()
    newest = [msg(61, "a question"), msg(62, "Once upon a time", status="partial")]
    view.show_later(newest, has_later=False)
    settle()
    assert view.toPlainText() == fresh_text(view) and view.has_earlier and not view.has_later
    assert [m.seq for m in view.visible_messages()] == list(range(63 - WINDOW, 63))

    view.set_theme(Theme.dark_theme())
    assert view.toPlainText() == fresh_text(view)
    assert Theme.dark_theme().assistant_bg in view.toHtml().lower()


def test_paging_back_edits_only_between_the_pagers_once_they_are_right(qtbot) -> None:
    """A pager is rewritten only when it comes or goes: an edit there costs a layout pass over
    every message shown, which twice a page made a fast scroll back stutter. Paging back
    through a long conversation puts a page on top and trims the bottom, nothing else."""
    view = ChatView(Theme.light())
    qtbot.addWidget(view)
    view.show_messages([msg(n) for n in range(141, 201)], has_earlier=True)
    view.show_earlier([msg(n) for n in range(121, 141)], has_earlier=True)
    qtbot.waitUntil(lambda: len(view.visible_messages()) <= WINDOW)  # the newer pager comes
    document = view.document()
    edits: list[tuple[int, int, int, int]] = []  # (from, removed, added, bottom pager start)
    document.contentsChange.connect(
        lambda at, removed, added: edits.append((at, removed, added, view._bottom_start()))
    )
    for start in (101, 81, 61):
        view.show_earlier([msg(n) for n in range(start, start + 20)], has_earlier=True)
        qtbot.waitUntil(lambda: len(view.visible_messages()) <= WINDOW)
    top_pager_end = document.firstBlock().length()
    assert edits and all(at >= top_pager_end for at, _, _, _ in edits)  # the top pager: never
    assert all(at + added <= bottom for at, _, added, bottom in edits)  # nor the bottom one
    assert [m.seq for m in view.visible_messages()] == list(range(61, 121))
    assert view.toPlainText() == fresh_text(view)
