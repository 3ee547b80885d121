"""What a request's words say, read without a model: the folders and files it names, the
URLs, the programs, when it should run and what it asks to be done.

The planner uses these facts twice: to narrow what the model may write (a path must be one
the user named, a schedule's hour the hour the user said) and to check the meaning of the
model's draft afterwards (the trigger matches the words, every thing asked for has a step,
nothing dangerous was added that nobody asked for).
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.automations import zh
from app.automations.api import Ask
from app.automations.conditions import QUESTION as CONDITION_QUESTION
from app.automations.conditions import Condition
from app.automations.conditions import read as read_condition
from app.automations.limits import destructive
from app.automations.limits import missing_capabilities as missing_capabilities
from app.automations.places import KNOWN_FOLDERS as KNOWN_FOLDERS
from app.automations.places import KNOWN_NOTES, SENSITIVE, places_in
from app.automations.places import KNOWN_PATH as _KNOWN_PATH
from app.automations.places import PATH as _PATH
from app.automations.places import QUOTED_PATH as _QUOTED_PATH
from app.automations.places import TRAIL as _TRAIL
from app.automations.places import is_sensitive as is_sensitive
from app.automations.places import normalize_path as normalize_path
from app.automations.plugins import Registry
from app.automations.typos import correct
from app.automations.wording import reminder_span

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
FILE_KINDS = {
    "pdf": "*.pdf",
    "pdfs": "*.pdf",
    "text": "*.txt",
    "txt": "*.txt",
    "markdown": "*.md",
    "csv": "*.csv",
    "image": "*.png",
    "images": "*.png",
    "screenshot": "*.png",
    "screenshots": "*.png",
    "png": "*.png",
    "jpg": "*.jpg",
    "jpgs": "*.jpg",
    "jpeg": "*.jpg",
    "jpegs": "*.jpg",
    "pngs": "*.png",
    "csvs": "*.csv",
    "zips": "*.zip",
    "photo": "*.jpg",
    "photos": "*.jpg",
    "zip": "*.zip",
    "log": "*.log",
    "logs": "*.log",
    "word": "*.docx",
    "docx": "*.docx",
}
_URL = re.compile(r"https?://[^\s\"'<>`]+")
# the words before a place or an address that make it where something goes
_TOWARD = re.compile(r"\b(?:to|into|onto)\s+(?:(?:my|the)\s+(?:\w+\s+(?:at\s+)?)?)?$", re.I)
_GLOB = re.compile(r"(?<![\w/])\*(?:\.[\w]+)+")
# a kind of file by its extension alone: "any .mp3", "the .tmp files"
_DOT_KIND = re.compile(r"(?<![\w/~*.])\.([a-z][a-z0-9]{1,4})\b(?!\.\w)", re.I)
_KIND_WORD = re.compile(r"\b(" + "|".join(FILE_KINDS) + r")\b(?:\s+files?)?", re.I)
_HABIT = re.compile(
    r"^\s*I (?:usually|normally|always|often|typically|generally|tend to) (?:[^.!?]|\.(?!\s))*?"
    r"(?:[.!?](?=\s)|;)(?=.*\w)",
    re.I,
)
_WORD = re.compile(r"(?<![~/\w.])[A-Za-z']+(?![\w/])")
_BACKTICKS = re.compile(r"`([^`]{1,200})`")
_RUN_WORD = re.compile(
    r"\b(?:runs?|execute|launch|invoke|kick off)\s+([a-z][\w.+-]{0,40})((?:\s+[-\w./=]+){0,4})",
    re.I,
)
# a program named by its path: "run ~/Scripts/backup.sh", "execute `/opt/tool/sync --all`"
_RUN_PATH = re.compile(
    r"\b(?:run|execute|launch)s?\s+(`?)((?:~|/)[^\s`,;]*[^\s`,;.])([^`\n]*`)?", re.I
)

_CLOCK = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\s*(a\.?m\.?|p\.?m\.?)?(?![\w])", re.I)
_HOUR_AMPM = re.compile(r"\b(1[0-2]|0?[1-9])\s*(a\.?m\.?|p\.?m\.?|o'?clock)(?![\w])", re.I)
_AT_HOUR = re.compile(r"\bat\s+([01]?\d|2[0-3])\b(?![:.]\d)(?!\s*(?:minutes?|hours?|files?|%))")
_INTERVAL = re.compile(
    r"\bevery\s+(\d{1,4}|a|one|two|five|ten|fifteen|thirty)\s+(minutes?|mins?|hours?)\b", re.I
)
_NUMBERS = {"a": 1, "one": 1, "two": 2, "five": 5, "ten": 10, "fifteen": 15, "thirty": 30}
_WATCH = re.compile(
    # "any .mp3 that lands in…": a dot inside a word (an extension) does not end the sentence
    r"\b(when(?:ever)?|as soon as|each time|every time|once|"
    r"any\b(?:[^.?!,]|\.(?=\w)){1,40}?\b(?:that|which))"
    r"\b(?:[^.?!]|\.(?=\w))*?\b("
    r"appears?|arrives?|lands?|(?:is|are|gets?|get) (?:added|created|saved|dropped|put|"
    r"downloaded|changed|modified|edited)|shows? up|comes? in|changes?|new files?|"
    r"new (?:pdf|text|document|screenshot|image|photo|note)s?)\b",
    re.I,
)
_MODIFIED = re.compile(r"\b(chang\w*|modif\w*|edit\w*|updat\w*)\b", re.I)
_APP_START = re.compile(
    r"\b(when (?:steward|the app|the assistant) (?:starts|opens|launches)|at start-?up|on "
    r"start-?up|when i (?:log ?in|start (?:steward|the app|my computer))|at log-?in)\b",
    re.I,
)
_EVERY_DAY = re.compile(
    r"\b(every ?day|daily|each day|every (?:morning|evening|night|afternoon)|each "
    r"(?:morning|evening|night)|nightly|every day of the week)\b",
    re.I,
)
_WEEKDAYS = re.compile(
    r"\b(week ?days?|work ?days?|monday (?:to|through|-) friday|mon-fri)\b", re.I
)
_WEEKENDS = re.compile(r"\b(weekends?|saturdays? and sundays?)\b", re.I)
_DAY = re.compile(r"\b(" + "|".join(DAY_NAMES) + r")s?\b", re.I)
_VAGUE_TIME = re.compile(
    r"\b(morning|evening|night|afternoon|lunch ?time|later|sometime|weekly|monthly|"
    r"every week|every month)\b",
    re.I,
)
_ONE_OFF = re.compile(
    r"\b(tomorrow|tonight|next (?:week|month|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)|in \d+ (?:minutes?|hours?|days?)|on \d{1,2}(?:st|nd|rd|th)?\b|"
    r"on (?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december))\b",
    re.I,
)

_REPEATS = re.compile(
    r"\b(every|each|daily|nightly|hourly|weekly|monthly|week ?days|weekends|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b",
    re.I,
)
_REMINDER_ABOUT = re.compile(
    r"\b(?:remind(?:er)?|nudge|ping)\b(?: me)? (?:to|about|of)\b[^.;!?,]*", re.I
)
# in a repeating request, a clause about someone's own plans is why, not when: "my daughter
# has exams next week, so every day at 9 remind me…" ("next week, every day at 9…" is when)
_SUBJECT = r"(?:^|(?<=[.;!?,]))\s*(?:(?:my|our|his|her|their|i|we|he|she|they|there)\b|我|他|她)"
_ACTS = r"remind|notify|run|fetch|save|copy|move|delete|send|post|append|read|summari[sz]e|check"
_CONTEXT_CLAUSE = re.compile(_SUBJECT + r"(?:(?!\b(?:every|each|" + _ACTS + r")\b)[^.;!?,])*", re.I)
# and one with a time of its own, when the request says its time elsewhere: "our meeting is
# every Tuesday at 10, remind me every Tuesday at 9:50"
_SETTING_CLAUSE = re.compile(_SUBJECT + r"(?:(?!\b(?:" + _ACTS + r")\b)[^.;!?,])*", re.I)


@dataclass(frozen=True)
class Capability:
    """Something a request can ask for (an ``Ask`` of the installed actions), the words that
    ask for it by language, and the actions (any one of them) that do it, the one it is most
    for first."""

    name: str
    words: Mapping[str, re.Pattern[str]]
    actions: tuple[str, ...]
    with_addresses: bool = False
    primary: tuple[str, ...] = ()  # the actions it is the first ask of

    def asked_at(self, read: str, written: str, plain: str, plain_written: str) -> int | None:
        """Where the words first ask for it (None: they do not). English phrases read the
        request as read (``read``, a Chinese one in the reader's English), others as written;
        without paths and web addresses (``plain``: blanked out, so places stay where they
        were) unless the phrase is about an address."""
        found = []
        for language, words in self.words.items():
            if language == "en":
                text = read if self.with_addresses else plain
            else:
                text = written if self.with_addresses else plain_written
            if match := words.search(text):
                found.append(match.start())
        return min(found) if found else None


def capabilities(registry: Registry) -> tuple[Capability, ...]:
    """What requests can ask the installed actions for, by name; each with its actions, first
    those it is the first ask of, then those it is the second of, … (by term among equals):
    nothing depends on the order plugins load in."""
    found: dict[str, tuple[Ask, list[tuple[int, str, str]]]] = {}
    for action in registry.by_term():
        for rank, ask in enumerate(action.planning.asks if action.planning is not None else ()):
            found.setdefault(ask.name, (ask, []))[1].append((rank, action.term, action.id))
    return tuple(
        Capability(
            ask.name,
            {language: re.compile(p, re.I) for language, p in ask.phrases.items()},
            tuple(action_id for *_, action_id in sorted(actions)),
            ask.with_addresses,
            tuple(action_id for rank, _, action_id in sorted(actions) if rank == 0),
        )
        for ask, actions in sorted(found.values(), key=lambda item: item[0].name)
    )


def _blank(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _blank_paths(text: str) -> str:
    """``text`` without its paths, its web addresses kept ("send ~/Notes/report.txt to
    https://…": the dot in the file's name ends no sentence)."""
    urls = [m.span() for m in _URL.finditer(text)]
    return _PATH.sub(
        lambda m: m.group(0) if any(a <= m.start() < b for a, b in urls) else " " * len(m.group(0)),
        text,
    )


# which way text goes when the clipboard is named: "whatever is on my clipboard", "append the
# clipboard to…" read it; "put 'hello' on the clipboard", "copy X to the clipboard" write it
_CLIPBOARD_READ = re.compile(
    r"\b(?:from|of) (?:my |the )?clipboard\b|\b(?:is|what's) on (?:my |the )?clipboard\b|"
    r"\bclipboard(?:'s)? (?:text|contents?)\b|^\W*(?:append|add|save|summari\w+|copy|post|send|"
    r"write|read) (?:the|my) clipboard\b",
    re.I,
)
_CLIPBOARD_WRITE = re.compile(r"\b(?:to|on|onto|into) (?:my |the )?clipboard\b", re.I)


@dataclass(frozen=True)
class Command:
    program: str
    args: tuple[str, ...] = ()


@dataclass
class Facts:
    """What the words of a request say."""

    text: str
    paths: list[str] = field(default_factory=list)  # explicit or known folders/files
    notes_files: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    # of the paths and web addresses, those written as where something goes ("to ~/Archive")
    destinations: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    trigger: str = "manual"  # manual | schedule | folder_watch | app_start
    hour: int | None = None
    minute: int = 0
    weekdays: tuple[str, ...] = WEEKDAYS
    days_named: bool = False  # the words said which days (not just a time)
    every_minutes: int | None = None
    watch_folder: str | None = None
    watch_events: tuple[str, ...] = ("created",)
    wants: list[Capability] = field(default_factory=list)
    said_at: dict[str, int] = field(default_factory=dict)  # where the words ask for each
    unclear: list[str] = field(default_factory=list)  # questions to ask back
    missing: list[str] = field(default_factory=list)  # capabilities nothing offers
    sensitive: list[str] = field(default_factory=list)
    destructive: list[str] = field(default_factory=list)  # what would be lost, in words
    condition: Condition | None = None  # "only if it contains 'down'"

    @property
    def files_named(self) -> list[str]:
        return self.paths + [p for p in self.notes_files if p not in self.paths]

    def wants_action(self, action: str) -> bool:
        return any(action in c.actions for c in self.wants)


def _add(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def _hour(value: int, suffix: str) -> int:
    suffix = suffix.lower().replace(".", "")
    if suffix == "pm" and value < 12:
        return value + 12
    if suffix == "am" and value == 12:
        return 0
    return value


# the part of the day that makes an hour said without am/pm one of the afternoon
_LATE = re.compile(
    r"\b(?:in the (?:evening|afternoon)|(?:every|each|this) (?:evening|afternoon)|evenings)\b", re.I
)
_NIGHT = re.compile(r"\b(?:at night|(?:every|each) night|nightly|tonight)\b", re.I)


def _part_of_day(hour: int, text: str) -> int:
    """ "at 8 in the evening" is 20:00, "every night at 11" 23:00, "every night at 2" 2:00."""
    if 1 <= hour <= 11 and _LATE.search(text):
        return hour + 12
    if 6 <= hour <= 11 and _NIGHT.search(text):
        return hour + 12
    return hour


def _times(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for match in _CLOCK.finditer(text):
        hour = int(match.group(1))
        if match.group(3):
            hour = _hour(hour, match.group(3))
        elif match.group(1)[0] != "0":  # "08:00" is said as meant
            hour = _part_of_day(hour, text)
        found.append((hour, int(match.group(2))))
    for match in _HOUR_AMPM.finditer(text):
        found.append((_hour(int(match.group(1)), match.group(2)), 0))
    if re.search(r"\bnoon\b|\bmidday\b", text, re.I):
        found.append((12, 0))
    if re.search(r"\bmidnight\b", text, re.I):
        found.append((0, 0))
    if not found:
        found += [(_part_of_day(int(m.group(1)), text), 0) for m in _AT_HOUR.finditer(text)]
    return found


def _schedule(text: str, facts: Facts) -> None:
    interval = _INTERVAL.search(text)
    if interval is None and re.search(r"\b(hourly|every hour)\b", text, re.I):
        facts.every_minutes = 60
    elif interval is None and re.search(r"\bevery half(?:[- ]an)? hour\b", text, re.I):
        facts.every_minutes = 30
    elif interval is None and re.search(r"\bevery minute\b", text, re.I):
        facts.every_minutes = 1
    elif interval is not None:
        raw = interval.group(1).lower()
        count = int(raw) if raw.isdigit() else _NUMBERS[raw]
        facts.every_minutes = count * (60 if interval.group(2).lower().startswith("h") else 1)
    if facts.every_minutes is not None:
        facts.trigger = "schedule"
        if not 1 <= facts.every_minutes <= 7 * 24 * 60:
            facts.unclear.append("How often should it run? (between every minute and weekly)")
        return
    times = _times(text)
    if len(set(times)) > 1:
        asked = _SETTING_CLAUSE.sub(" ", text)
        if len(set(asked_times := _times(asked))) == 1:
            text, times = asked, asked_times
    days: tuple[str, ...] | None = None
    if _WEEKDAYS.search(text):
        days = WEEKDAYS[:5]
    elif _WEEKENDS.search(text):
        days = WEEKDAYS[5:]
    elif named := [DAY_NAMES[m.group(1).lower()] for m in _DAY.finditer(text)]:
        days = tuple(d for d in WEEKDAYS if d in named)
    elif _EVERY_DAY.search(text):
        days = WEEKDAYS
    if not times and days is None:
        if re.search(
            r"\bevery (?:morning|evening|night|week|month)\b|\b(?:weekly|monthly)\b", text, re.I
        ):
            facts.trigger = "schedule"
            facts.unclear.append("At what time (and on which days) should it run?")
        return
    facts.trigger = "schedule"
    if days is not None:
        facts.weekdays, facts.days_named = days, True
    if len(set(times)) > 1:
        facts.unclear.append("I read more than one time of day; at which one should it run?")
        return
    if not times:
        facts.unclear.append("At what time should it run? (for example 8:30 or 6 pm)")
        return
    facts.hour, facts.minute = times[0]
    if (
        days is None
        and _VAGUE_TIME.search(text)
        and re.search(r"\b(weekly|every week)\b", text, re.I)
    ):
        facts.unclear.append("On which day of the week should it run?")
    facts.weekdays = days or WEEKDAYS
    facts.days_named = days is not None


def read(text: str, registry: Registry | None = None) -> Facts:
    """The facts in a request (or in the user's messages of a conversation, joined). A
    request in Chinese is read in the reader's English (see app.automations.zh); ``text``
    of the facts is what was read. What it asks for (``wants``) is read with the asks of the
    actions in ``registry`` (without one, nothing is)."""
    written = text
    glossed = zh.gloss(text)
    text = glossed or correct(text)
    facts = Facts(text=text)
    # what a reminder is about is the user's own task: it asks nothing of Steward ("remind me
    # to delete old photos" deletes nothing); facts.text keeps it (the reminder says it)
    if span := reminder_span(text):
        text = text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
    # "I usually write my diary in ~/diary.md. Every night…": what the user does, said first,
    # asks nothing (its places are still named)
    text = _HABIT.sub(lambda m: _WORD.sub(lambda w: " " * len(w.group(0)), m.group(0)), text)
    for match in _URL.finditer(text):
        _add(facts.urls, match.group(0).rstrip(_TRAIL))
        if _TOWARD.search(text[: match.start()]):  # "post it to https://…": where it goes
            _add(facts.destinations, match.group(0).rstrip(_TRAIL))
    # a quoted path with spaces ("~/Documents/Meeting Notes/monday.txt") is one place; the
    # rest is read without it (its words are not the request's: "monday" is no schedule)
    quoted = [(m.start(), m.group(1)) for m in _QUOTED_PATH.finditer(text) if " " in m.group(1)]
    text = _QUOTED_PATH.sub(
        lambda m: " " * len(m.group(0)) if " " in m.group(1) else m.group(0), text
    )
    without_urls = _URL.sub(" ", text)
    found = quoted + places_in(without_urls, facts.unclear)
    for start, path in sorted(found):
        short = path.count("/") == 1 and "." not in path and len(path) < 5
        if path.startswith("/") and short and path not in SENSITIVE:
            continue  # "/s", "and/or"
        if path in ("~", "~/") or len(path) > 300:
            continue
        _add(facts.paths, normalize_path(path))
        if _TOWARD.search(without_urls[:start]):
            _add(facts.destinations, normalize_path(path))
    for match in _KNOWN_PATH.finditer(without_urls):
        start = match.start()
        if start > 0 and without_urls[start - 1] in "/~.":
            continue  # part of a path already read ("~/Downloads")
        base = KNOWN_FOLDERS[match.group(1).lower()]
        _add(facts.paths, normalize_path(base + (match.group(2) or "")))
        if _TOWARD.search(without_urls[:start]):
            _add(facts.destinations, normalize_path(base + (match.group(2) or "")))
    for word, path in KNOWN_NOTES.items():
        if re.search(rf"\b(my|the|a|our|in|to|into)\s+(?:\w+\s+)?{re.escape(word)}\b", text, re.I):
            _add(facts.notes_files, path)
    for match in _GLOB.finditer(text):
        _add(facts.patterns, match.group(0))
    for match in _DOT_KIND.finditer(_PATH.sub(" ", without_urls)):
        _add(facts.patterns, "*." + match.group(1).lower())
    for match in _KIND_WORD.finditer(_PATH.sub(" ", without_urls)):
        word = match.group(1).lower()
        if word in ("text", "word", "log", "image", "photo") and not match.group(0).lower().rstrip(
            "s"
        ).endswith(("file", "image", "photo")):
            continue  # "text" alone is not a kind of file
        _add(facts.patterns, FILE_KINDS[word])
    for match in _BACKTICKS.finditer(text):
        try:
            parts = shlex.split(match.group(1))
        except ValueError:
            continue
        if parts and not parts[0].startswith(("~", "/", "*")) and "/" not in parts[0]:
            facts.commands.append(Command(parts[0], tuple(parts[1:5])))
    programs = set()
    for match in _RUN_PATH.finditer(text):
        if match.group(1) and not match.group(3):
            continue  # an opening backtick that never closes
        try:
            given = shlex.split((match.group(3) or "").rstrip("`")) if match.group(1) else []
        except ValueError:
            continue
        facts.commands.append(Command(match.group(2), tuple(given[:4])))
        programs.add(normalize_path(match.group(2)))
    if not facts.commands:
        for match in _RUN_WORD.finditer(text):
            program = match.group(1)
            if shutil.which(program) and program.lower() not in ("it", "this", "that", "every"):
                args = tuple(a for a in match.group(2).split() if a not in ("in", "on", "at"))
                facts.commands.append(Command(program, args[:4]))
    facts.sensitive = [p for p in facts.paths if is_sensitive(p)]
    # a program run is not a place the workflow reads or writes
    facts.paths = [p for p in facts.paths if p not in programs]
    facts.condition = read_condition(without_urls)
    facts.destructive = destructive(without_urls, facts.commands, facts.paths, facts.patterns)

    if _APP_START.search(text):
        facts.trigger = "app_start"
    elif watch := _WATCH.search(without_urls):
        facts.trigger = "folder_watch"
        known_after = [m for m in _KNOWN_PATH.finditer(without_urls) if m.start() >= watch.start()]
        # the first folder named after the words that say "arrives", in the order written
        placed = [
            (at, normalize_path(path))
            for at, path in places_in(without_urls, [])
            if at >= watch.start()
        ] + [
            (m.start(), normalize_path(KNOWN_FOLDERS[m.group(1).lower()] + (m.group(2) or "")))
            for m in known_after
        ]
        candidates = [path for _, path in sorted(placed)]
        folder = next((c for c in candidates if c in facts.paths), None)
        if folder is None:
            facts.unclear.append("Which folder should I watch?")
        else:
            facts.watch_folder = folder
        if _MODIFIED.search(watch.group(0)):
            facts.watch_events = ("created", "modified")
    else:
        _schedule(text, facts)
    if glossed is not None:  # read from Chinese: what it said of when or if, not made out
        unread_words = zh.unread(re.sub(r"'[^']*'", " ", _blank(_PATH, _blank(_URL, text))))
        if "condition" in unread_words and facts.condition is None:
            facts.unclear.append(CONDITION_QUESTION)
        if "arrival" in unread_words and facts.trigger != "folder_watch":
            facts.unclear.append("Which folder should I watch?")
        if "recurrence" in unread_words and facts.trigger == "manual":
            facts.unclear.append("How often should it run? (between every minute and weekly)")
    # in a repeating request, what a reminder is about is no time: "every Sunday remind me to
    # plan next week" ("remind me to call mum tomorrow" is a one-off)
    timing = (
        _CONTEXT_CLAUSE.sub(" ", _REMINDER_ABOUT.sub(" ", text)) if _REPEATS.search(text) else text
    )
    if _ONE_OFF.search(timing) and facts.trigger in ("manual", "schedule"):
        facts.missing.append(
            "run something once at a later date (schedules repeat; say how often instead)"
        )
    plain = _blank(_PATH, _blank(_URL, text))
    plain_written = _blank(_PATH, _blank(_URL, written))
    known = capabilities(registry) if registry is not None else ()
    # in the order the words ask for them
    addressed = _blank_paths(text)
    places = [(c.asked_at(addressed, written, plain, plain_written), c.name, c) for c in known]
    facts.wants = [c for at, _, c in sorted(p for p in places if p[0] is not None)]
    facts.said_at = {name: at for at, name, _ in places if at is not None}
    if any(c.name == "reading the clipboard" for c in facts.wants):
        drop = "putting text on the clipboard"
        if not _CLIPBOARD_READ.search(plain) and _CLIPBOARD_WRITE.search(plain):
            drop = "reading the clipboard"
        facts.wants = [c for c in facts.wants if c.name != drop]
        if len(facts.paths) < 2:  # "copy the clipboard into my journal" copies no file
            facts.wants = [c for c in facts.wants if c.name != "copying files"]
    # "summarize it into ~/Notes/summaries.md": a file named as where the result goes
    into = re.search(r"\b(?:into|to|onto)\s+(?:my\s+)?(~?/[^\s,;]+\.\w+)", without_urls)
    saving = next((c for c in known if c.name == "saving to a file"), None)
    has = {c.name for c in facts.wants}
    if (
        into
        and saving
        and not has & {"a note", "saving to a file", "moving files", "copying files"}
    ):
        facts.wants.append(saving)
    named_files = [p for p in facts.files_named if "." in p.rsplit("/", 1)[-1]]
    if not named_files:  # "remind me to write my timesheet" saves nothing
        facts.wants = [c for c in facts.wants if c.name != "saving to a file"]
    return facts


EXPLICIT = re.compile(r"\b(automat\w*|workflows?|schedule (?:a|it|this)|remind me)\b", re.I)


def looks_like_automation(text: str, registry: Registry) -> bool:
    """Does a chat message ask for something to be automated (a workflow to draft), rather
    than ask a question? "Every weekday at 17:00 remind me…", "when a PDF lands in
    ~/Downloads, move it…", "move the PDFs in ~/Downloads to ~/Docs" do; "what is each
    planet's size?" does not."""
    if EXPLICIT.search(text):
        return True
    facts = read(text, registry)
    if not facts.wants and not facts.commands:
        return False
    chores = any(registry.actions[a].role == "chore" for c in facts.wants for a in c.actions)
    timed = facts.trigger != "manual" or bool(facts.unclear)
    return timed or (chores and bool(facts.paths))


__all__ = [
    "KNOWN_FOLDERS",
    "WEEKDAYS",
    "Capability",
    "Command",
    "Facts",
    "capabilities",
    "is_sensitive",
    "looks_like_automation",
    "missing_capabilities",
    "normalize_path",
    "read",
]
