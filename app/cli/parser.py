"""The command line: every command, option and its help.

Exit status: 0 ok, 1 a bug (crash report written), 2 usage error, 3 a problem the user can
fix (one clear line on stderr), 4 ``doctor`` found a problem, 5 an automation run failed."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from app import version
from app.core.errors import ExitCode
from app.core.llm.templates import FORMATS
from app.core.settings import SETTING_KEYS
from app.language import N_, _t


class _Version(argparse.Action):
    """--version, reading the version only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=N_("show the version and exit"))

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(_t("Steward {0}").format(version()))
        parser.exit(0)


# argparse's own words, in the catalogue with Steward's (its gettext domain is not ours)
N_("usage: ")
N_("options")
N_("positional arguments")
N_("show this help message and exit")


class _Translated(argparse.HelpFormatter):
    """Help in the terminal's language: every text marked with ``N_`` (help, description,
    epilog) and argparse's own headings are translated as the help is written."""

    def add_usage(
        self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None
    ) -> None:
        super().add_usage(usage, actions, groups, _t("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(_t(heading) if heading else heading)

    def add_text(self, text: str | None) -> None:
        super().add_text(_t(text) if text and text != argparse.SUPPRESS else text)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return _t(action.help) if action.help else action.help


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Translated)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"steward: {message} (see `steward --help`)\n")


def build_parser(commands: bool = True) -> Parser:
    """The whole command line; with ``commands`` False, only the desktop app's options (what
    a plain `steward` start needs, without building every command's parser)."""
    p = Parser(
        prog="steward",
        description=N_(
            "Steward: a private, local-first assistant. Without a command it opens the "
            "desktop app, or hands the request to the Steward already running for this data folder."
        ),
        epilog=N_("The terminal chat is `steward chat`."),
    )
    p.add_argument("--version", action=_Version)
    p.add_argument("--model", metavar="PATH", help=N_("use this GGUF model file"))
    p.add_argument("-v", "--verbose", action="store_true", help=N_("detailed log file"))
    p.add_argument(
        "--self-test",
        action="store_true",
        help=N_(
            "check this installation (model, encrypted database, a sample workflow, the "
            "keyring) on temporary files, then exit; your data is not touched"
        ),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--quick", action="store_true", help=N_("open the quick prompt"))
    which.add_argument("--ask", metavar="PROMPT", help=N_("open the quick prompt and ask PROMPT"))
    which.add_argument("--quit", action="store_true", help=N_("end the running Steward cleanly"))
    which.add_argument(
        "--minimized",
        action="store_true",
        help=N_("start in the tray without opening the window (used at login)"),
    )
    p.add_argument(
        "--no-model",
        action="store_true",
        help=N_(
            "start the desktop app without loading the local model (history, search and, if "
            "switched on, the cloud still work)"
        ),
    )
    if not commands:
        p.set_defaults(command=None)
        return p
    sub = p.add_subparsers(dest="command", parser_class=Parser)

    def model_option(sp: argparse.ArgumentParser) -> None:
        # SUPPRESS: `steward --model X ask …` and `steward ask --model X …` both work
        sp.add_argument(
            "--model",
            metavar="PATH",
            default=argparse.SUPPRESS,
            help=N_("use this GGUF model file"),
        )

    def sampling(sp: argparse.ArgumentParser) -> None:
        model_option(sp)
        sp.add_argument(
            "--backend",
            choices=["auto", "local", "cloud"],
            help=N_("where to answer (default: the cloud policy, else local)"),
        )
        sp.add_argument(
            "--allow-cloud",
            action="store_true",
            help=N_("consent to escalating to the cloud when the local model cannot answer"),
        )
        sp.add_argument("--temperature", type=float)
        sp.add_argument("--top-p", type=float)
        sp.add_argument("--max-tokens", type=int)
        sp.add_argument("--seed", type=int)

    ask = sub.add_parser(
        "ask",
        help=N_("answer one prompt, streamed to stdout (text piped in comes first, as context)"),
    )
    ask.add_argument("prompt", nargs="?", default="")
    ask.add_argument("--conversation", metavar="ID", help=N_("continue this conversation"))
    ask.add_argument("--json", action="store_true", help=N_("print one JSON object at the end"))
    sampling(ask)

    chat = sub.add_parser("chat", help=N_("interactive chat in the terminal"))
    chat.add_argument("--conversation", metavar="ID", help=N_("continue this conversation"))
    sampling(chat)

    hist = sub.add_parser("history", help=N_("stored conversations"))
    hsub = hist.add_subparsers(dest="history_command", required=True, parser_class=Parser)
    h = hsub.add_parser("list", help=N_("conversations, newest first"))
    h.add_argument("--limit", type=int, default=50)
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("show", help=N_("one conversation's messages"))
    h.add_argument("id")
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("search", help=N_("full-text search over all messages"))
    h.add_argument("query")
    h.add_argument("--limit", type=int, default=20)
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("export", help=N_("write a conversation as Markdown or JSON"))
    h.add_argument("id")
    h.add_argument("--format", choices=["md", "json"], default="md")
    h.add_argument("--json", action="store_true", help=N_("same as --format json"))
    h.add_argument("-o", "--output", metavar="FILE", help=N_("write here instead of stdout"))
    h = hsub.add_parser(
        "import", help=N_("import a Steward JSON export or ChatGPT conversations.json")
    )
    h.add_argument("file")
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser("delete", help=N_("delete a conversation"))
    h.add_argument("id")
    h.add_argument("--json", action="store_true")
    h = hsub.add_parser(
        "prune-cache",
        help=N_(
            "delete the saved model states that let conversations resume at once "
            "(encrypted; they are made again as you chat)"
        ),
    )
    h.add_argument("--json", action="store_true")

    d = sub.add_parser("doctor", help=N_("check model, keyring, database and folders"))
    d.add_argument("--json", action="store_true")
    model_option(d)

    b = sub.add_parser("backup", help=N_("write an encrypted, verified copy of the database"))
    b.add_argument("file", nargs="?", help=N_("destination (default: the backups folder)"))
    r = sub.add_parser("restore", help=N_("replace the database with a backup"))
    r.add_argument("file")
    sub.add_parser("recover", help=N_("unlock with the recovery key after losing the keyring"))
    sub.add_parser("recovery-key", help=N_("show the recovery key (after unlocking)"))
    pw = sub.add_parser("passphrase", help=N_("require a passphrase, or go back to the keyring"))
    pw.add_argument("action", choices=["set", "remove"])

    cl = sub.add_parser("cloud", help=N_("the optional cloud fallback (off by default)"))
    csub = cl.add_subparsers(dest="cloud_command", required=True, parser_class=Parser)
    c = csub.add_parser(
        "set",
        help=N_(
            "set the endpoint and switch the cloud on; the API key "
            "comes from STEWARD_CLOUD_API_KEY or standard input"
        ),
    )
    c.add_argument("--base-url", required=True, help=N_("e.g. https://api.openai.com/v1"))
    c.add_argument("--model", required=True, help=N_("the model name the endpoint expects"))
    c.add_argument("--policy", choices=["auto", "local", "cloud"], default="auto")
    c.add_argument(
        "--redact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=N_("replace e-mail addresses, phone numbers and home paths before sending"),
    )
    c.add_argument("--no-key", action="store_true", help=N_("the endpoint needs no API key"))
    c = csub.add_parser("show", help=N_("the cloud settings (never the key)"))
    c.add_argument("--json", action="store_true")
    csub.add_parser("test", help=N_("send a one-token request and report"))
    csub.add_parser("off", help=N_("switch the cloud off (the key stays stored)"))

    mo = sub.add_parser(
        "models", help=N_("the models Steward answers with: list, download, add, find, choose")
    )
    msub = mo.add_subparsers(dest="models_command", required=True, parser_class=Parser)
    m = msub.add_parser("list", help=N_("every model Steward can use; * marks the one in use"))
    m.add_argument("--json", action="store_true")
    m = msub.add_parser("import", help=N_("add a GGUF file where it is (it is not copied)"))
    m.add_argument("path", metavar="PATH")
    m = msub.add_parser(
        "scan",
        help=N_(
            "find the models of the Hugging Face cache, LM Studio, GPT4All, Jan and Ollama "
            "(used in place, never copied)"
        ),
    )
    m.add_argument("--json", action="store_true")
    m = msub.add_parser("use", help=N_("answer with this model from now on"))
    m.add_argument("name", metavar="NAME", help=N_("a model's id or name (or its beginning)"))
    m.add_argument(
        "--format",
        choices=list(FORMATS),
        help=N_("its chat format, for a model whose file has no working chat template"),
    )
    m = msub.add_parser(
        "rm", help=N_("delete a model Steward downloaded; forget one it found or you added")
    )
    m.add_argument("name", metavar="NAME")
    m = msub.add_parser(
        "info",
        help=N_("what the file says (architecture, context, template) and the memory it needs"),
    )
    m.add_argument("name", metavar="NAME")
    m.add_argument("--json", action="store_true")
    m = msub.add_parser(
        "available", help=N_("the catalog: models to download, and whether each fits this machine")
    )
    m.add_argument("--json", action="store_true")
    m = msub.add_parser(
        "pull",
        help=N_(
            "download a catalog model or any GGUF file by URL: resumes where it stopped, "
            "verifies size and SHA-256"
        ),
    )
    m.add_argument(
        "url", metavar="NAME|URL", help=N_("a catalog id (models available) or a .gguf file's URL")
    )
    m.add_argument(
        "--sha256",
        metavar="HEX",
        help=N_("the file's expected SHA-256 (default: the hub's, else computed and unverified)"),
    )
    m.add_argument("--json", action="store_true", help=N_("print the result as JSON"))
    m = msub.add_parser(
        "token",
        help=N_("store a hub access token (from STEWARD_HUB_TOKEN, standard input or a prompt)"),
    )
    m.add_argument("--remove", action="store_true", help=N_("forget the stored token"))

    st = sub.add_parser("settings", help=N_("show or change settings"))
    ssub = st.add_subparsers(dest="settings_command", required=True, parser_class=Parser)
    s = ssub.add_parser("show", help=N_("every setting, for the active model"))
    s.add_argument("--json", action="store_true")
    s = ssub.add_parser("set", help=N_("change one setting"))
    s.add_argument("key", choices=SETTING_KEYS, metavar="KEY", help=N_("one of: %(choices)s"))
    s.add_argument("value")
    s = ssub.add_parser("reset", help=N_("the active model's parameters back to the defaults"))

    sv = sub.add_parser(
        "serve", help=N_("answer OpenAI-compatible requests with your local model (127.0.0.1)")
    )
    sv.add_argument("--port", type=int, default=8642, help=N_("the port (default 8642)"))
    sv.add_argument("--host", default="127.0.0.1", help=N_("the address to listen on"))
    sv.add_argument(
        "--network", action="store_true", help=N_("allow a --host other machines can reach")
    )
    sv.add_argument(
        "--allow-host", action="append", metavar="NAME", help=N_("another Host name to answer to")
    )
    sv.add_argument(
        "--origin", action="append", metavar="URL", help=N_("a web page's origin allowed (CORS)")
    )
    sv.add_argument(
        "--queue", type=int, default=4, help=N_("requests that may wait; more get 429 (default 4)")
    )
    sv.add_argument(
        "--keep-history",
        action="store_true",
        help=N_("keep each request and its answer in the (encrypted) history"),
    )
    sv.add_argument(
        "--switch-models",
        action="store_true",
        help=N_("a request naming another installed model loads it (default: 400)"),
    )
    sv.add_argument(
        "--allow-cloud",
        action="store_true",
        help=N_("the cloud fallback may answer API requests, under its policy (default: never)"),
    )
    sv.add_argument("--show-token", action="store_true", help=N_("print the API token and exit"))
    sv.add_argument("--new-token", action="store_true", help=N_("replace the API token, print it"))

    from app.cli import automations, mcp

    automations.add_parsers(sub, Parser)
    mcp.add_parsers(sub, Parser)
    return p


DESKTOP_OPTIONS = ("quick", "ask", "quit", "minimized", "no_model")


__all__ = ["DESKTOP_OPTIONS", "Parser", "build_parser"]
