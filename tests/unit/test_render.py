from __future__ import annotations

from app.ui.render import MarkdownRenderer, Theme


def test_markdown_and_highlighted_code_with_copy_links() -> None:
    r = MarkdownRenderer(Theme.light())
    text = (
        "Here is **bold** and `inline`.\n\n"
        "```python\ndef f(x):\n    return x * 2\n```\n\n```\nplain\n```\n"
    )
    out = r.render(text, key="m1/")
    assert "<strong>bold</strong>" in out.html and "<code>inline</code>" in out.html
    assert out.code_blocks == ["def f(x):\n    return x * 2\n", "plain\n"]
    assert 'href="copy:m1/0"' in out.html and 'href="copy:m1/1"' in out.html
    assert "style=" in out.html and "color:" in out.html  # pygments inline colours
    assert ">python<" in out.html


def test_raw_html_in_messages_is_escaped() -> None:
    out = MarkdownRenderer(Theme.dark_theme()).render("<script>alert(1)</script> <b>x</b>")
    assert "<script>" not in out.html and "&lt;script&gt;" in out.html
