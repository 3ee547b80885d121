"""A plain `steward` start reads only the desktop app's options; it must read them as the
whole command line does, and leave everything else to the whole parser's answer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.cli import _parse
from app.cli.parser import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--quick"],
        ["--ask", "What is on today?"],
        ["--model", "/models/small.gguf", "--no-model"],
        ["--minimized", "-v"],
        ["--self-test"],
    ],
)
def test_a_desktop_start_reads_its_options_as_the_whole_command_line_does(
    argv: list[str],
) -> None:
    assert vars(_parse(argv)) == vars(build_parser().parse_args(argv))


def test_a_command_is_read_by_the_whole_parser() -> None:
    args = _parse(["--model", "/models/small.gguf", "history", "list", "--limit", "3"])
    assert (args.command, args.history_command, args.limit) == ("history", "list", 3)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--quick", "--bogus"], "unrecognized arguments: --bogus"),
        (["--quick", "--quit"], "not allowed with argument --quick"),
    ],
)
def test_what_the_desktop_options_do_not_take_gets_the_whole_parsers_answer(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        _parse(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert said in err and "see `steward --help`" in err


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh_CN", ["用法：steward", "位置参数", "显示此帮助信息并退出", "在终端中交互对话"]),
        ("en", ["usage: steward", "positional arguments", "interactive chat in the terminal"]),
    ],
)
def test_the_help_is_in_the_terminals_language(language: str, said: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    env["LANGUAGE"] = language
    shown = subprocess.run(
        [sys.executable, "-m", "app", "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert all(words in shown.stdout for words in said), shown.stdout
    one = subprocess.run(
        [sys.executable, "-m", "app", "settings", "set", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "appearance, language" in one.stdout  # the keys, listed in either language
