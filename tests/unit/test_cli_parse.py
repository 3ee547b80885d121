"""A plain `steward` start reads only the desktop app's options; it must read them as the
whole command line does, and leave everything else to the whole parser's answer."""

from __future__ import annotations

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
