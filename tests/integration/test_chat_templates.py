"""The chat template: the file's, checked by rendering a three-turn conversation in
llama-cpp-python's sandboxed formatter; when it is missing or broken, the user is asked to
choose a known format (with a preview), never given one silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.llm import templates
from app.core.llm.gguf_info import read_gguf
from tests.conftest import run_steward

LOOP = b"{% for message in messages %}"


def variant(model_path: Path, dest: Path, old: bytes, new: bytes) -> Path:
    data = model_path.read_bytes()
    assert data.count(old) == 1 and len(old) == len(new)
    dest.write_bytes(data.replace(old, new))
    return dest


@pytest.fixture
def no_template(model_path: Path, tmp_path: Path) -> Path:
    # the key renamed: the file has no chat template
    return variant(
        model_path,
        tmp_path / "No-Template.gguf",
        b"tokenizer.chat_template",
        b"tokenizer.chat_templatX",
    )


@pytest.fixture
def broken_template(model_path: Path, tmp_path: Path) -> Path:
    return variant(
        model_path, tmp_path / "Broken-Template.gguf", LOOP, b"{% for message in messages }}"
    )


def test_the_embedded_template_renders_every_turn(model_path: Path) -> None:
    info = read_gguf(model_path)
    result = templates.check(info.chat_template, info.bos_text, info.eos_text)
    assert result.status == "ok" and result.problem == ""
    at = 0
    for _role, content in templates.SAMPLE:
        at = result.preview.index(content, at)
    assert result.preview.rstrip().endswith("<|im_start|>assistant")


def test_missing_broken_and_partial_templates_are_named() -> None:
    assert templates.check("").status == "missing"
    broken = templates.check("{% for m in messages %}{{ m.content }")
    assert broken.status == "broken" and "TemplateSyntaxError" in broken.detail
    raising = templates.check("{{ raise_exception('no system role') }}")
    assert raising.status == "broken" and "no system role" in raising.problem
    partial = templates.check("{{ messages[-1].content }}")
    assert partial.status == "broken" and "leaves out part" in partial.problem


@pytest.mark.parametrize("name", list(templates.FORMATS))
def test_every_known_format_previews_the_conversation(name: str) -> None:
    text = templates.preview(name)
    at = 0
    for _role, content in templates.SAMPLE:
        at = text.index(content, at)


def test_a_model_without_a_template_asks_for_a_format(home: Path, no_template: Path) -> None:
    assert run_steward("models", "import", str(no_template), home=home).returncode == 0
    info = json.loads(run_steward("models", "info", "no-template", "--json", home=home).stdout)
    assert info["chat_template"] == "missing" and info["chat_format"] == ""
    shown = run_steward("models", "info", "no-template", home=home)
    assert "needs a choice: its file has no chat template" in shown.stdout
    refused = run_steward("models", "use", "no-template", home=home)
    assert refused.returncode == 3
    assert "No-Template cannot be used as it is: its file has no chat template" in refused.stderr
    assert "`steward models use no-template --format FORMAT` (chatml, llama-3" in refused.stderr
    listed = json.loads(run_steward("models", "list", "--json", home=home).stdout)
    assert listed[0]["active"]  # nothing changed: the embedded model still answers
    # used directly by path, the engine refuses it the same way (no silent ChatML)
    direct = run_steward("ask", "--model", str(no_template), "Hello", home=home, timeout=300)
    assert direct.returncode == 3 and "has no chat template" in direct.stderr
    # the user's choice is kept for that model, and it answers
    chosen = run_steward("models", "use", "no-template", "--format", "chatml", home=home)
    assert chosen.returncode == 0 and "Chat format: chatml" in chosen.stdout
    answer = run_steward("ask", "--max-tokens", "8", "Say hello.", home=home, timeout=300)
    assert answer.returncode == 0 and answer.stdout.strip(), answer.stderr
    shown = run_steward("models", "info", "no-template", home=home)
    assert "chatml (ChatML" in shown.stdout and "chosen by you" in shown.stdout


def test_a_broken_template_is_named_and_a_bad_format_refused(
    home: Path, broken_template: Path
) -> None:
    assert run_steward("models", "import", str(broken_template), home=home).returncode == 0
    refused = run_steward("models", "use", "broken-template", home=home)
    assert refused.returncode == 3
    assert "its chat template does not work (TemplateSyntaxError" in refused.stderr
    bad = run_steward("models", "use", "broken-template", "--format", "klingon", home=home)
    assert bad.returncode == 2 and "invalid choice: 'klingon'" in bad.stderr
    listed = json.loads(run_steward("models", "list", "--json", home=home).stdout)
    assert listed[0]["active"]
    ok = run_steward("models", "use", "broken-template", "--format", "llama-3", home=home)
    assert ok.returncode == 0
