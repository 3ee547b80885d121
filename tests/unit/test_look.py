"""The look's colours: every text/background pair of both themes at 4.5:1 or more (WCAG AA
for text), code highlighting included, and no colour spelled anywhere else in the window
code, so nothing escapes the check."""

from __future__ import annotations

import re

import pytest
from pygments.styles import get_style_by_name

from app.ui.render import Theme, contrast
from tests.conftest import ROOT

THEMES = [Theme.light(), Theme.dark_theme()]


@pytest.mark.parametrize("theme", THEMES, ids=["light", "dark"])
def test_every_text_colour_reads_on_every_background_it_is_drawn_on(theme: Theme) -> None:
    pairs = theme.text_pairs()
    assert len(pairs) > 30
    low = {
        name: round(contrast(fg, bg), 2)
        for name, (fg, bg) in pairs.items()
        if contrast(fg, bg) < 4.5
    }
    assert not low, low


@pytest.mark.parametrize("theme", THEMES, ids=["light", "dark"])
def test_highlighted_code_reads_on_the_code_background(theme: Theme) -> None:
    style = get_style_by_name(theme.pygments_style)
    colours = {f"#{s['color']}" for _, s in style if s["color"]}
    assert colours
    low = {
        c: round(contrast(c, theme.code_bg), 2) for c in colours if contrast(c, theme.code_bg) < 4.5
    }
    assert not low, low


def test_the_contrast_ratio_itself() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WCAG's own example


def test_no_colour_is_spelled_outside_the_theme() -> None:
    spelled = re.compile(r"#[0-9a-fA-F]{6}\b")
    allowed = {"render.py", "style.py"}
    found = {
        path.name: spelled.findall(path.read_text(encoding="utf-8"))
        for path in (ROOT / "app" / "ui").glob("*.py")
        if path.name not in allowed
    }
    assert not {name: colours for name, colours in found.items() if colours}
