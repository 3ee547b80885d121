"""What requests ask the built-in actions for, and the words that ask for it (see
``app.automations.api.Ask``). Several actions share an ask ("a note": notes.append,
files.append, files.write), so the asks are defined once here; the order here is the order in
which a request's asks are read and listed. Chinese requests are read in the reader's English,
so these phrases are English."""

from __future__ import annotations

from app.automations.api import Ask

NOTIFICATION = Ask(
    "a notification",
    {
        "en": r"\b(notif\w*|remind\w*|alert\w*|ping me|let me know|tell(?:s|ing)? me|told me|"
        r"pop ?up|nudge|"
        r"show (?:it|them|that) to me|warn me|inform me|heads[- ]up|buzz me|give me a (?:shout|"
        r"buzz)|(?:show|display|flash|give) me (?:a|the) (?:message|notice|popup|toast|banner))\b"
    },
)
SUMMARY = Ask(
    "a summary by the model",
    {
        "en": r"\b(summar\w*|sum (?:it |them )?up|tl;?dr|digest|condense\w*|recap\w*|"
        r"boil (?:it |them )?down|the gist|key points|short version)\b"
    },
)
MODEL_HELP = Ask(
    "the model's help",
    {
        "en": r"\b(classif\w*|categori[sz]\w*|translat\w*|extract\w*|rewrite|rephrase|"
        r"proofread|tag them)\b"
    },
)
MOVING = Ask(
    "moving files",
    {
        "en": r"\b(move|moves|moving|shift|tidy|sort them|organi[sz]e|file (?:them|it) "
        r"(?:away|into)|relocat\w*|transfer\w*)\b"
    },
)
COPYING = Ask(
    "copying files",
    {"en": r"\b(cop(?:y|ies)|back ?up|backups?|duplicate|archive|clone|mirror|replicate)\b"},
)
DELETING = Ask(
    "deleting files",
    {
        "en": r"\b(delete|deletes|remove|removes|trash|erase|wipe|clean up|clear out|purge|"
        r"get rid of|discard|throw (?:away|out)|prune)\b"
    },
)
# the notes files' names are places: "read my journal" asks for no note, "add it to my
# journal" does
NOTE = Ask(
    "a note",
    {
        "en": r"\b(note (?:down|it|that|this)|(?:make|take|add|write) (?:a |it as a )?note|jot|"
        r"append|log (?:it|them)|(?:to|into|in|onto) (?:my|the|our) (?:\w+ )?"
        r"(?:notes?|journal|to-?do list|todo list))\b"
    },
)
FETCHING = Ask(
    "fetching a web page",
    {
        "en": r"\b(fetch(?:es|ed|ing)?|download(?:s|ed|ing)?|check(?:s|ed|ing)?|get|gets|getting|"
        r"grab(?:s|bed|bing)?|look(?:s|ed|ing)? at|read|reads|reading|pull(?:s|ed|ing)?|"
        r"retriev(?:e|es|ed|ing)|poll(?:s|ed|ing)?|load(?:s|ed|ing)?|visit(?:s|ed|ing)?|"
        r"scrap(?:e|es|ed|ing)|monitor(?:s|ed|ing)?|watch(?:es|ed|ing)?|query|queried|"
        r"keep an eye on)\b[^.?!]*https?://"
    },
    with_addresses=True,
)
SENDING = Ask(
    "sending data to a web address",
    {"en": r"\b(post|upload|send|submit|push|forward|deliver|publish)\b[^.?!]*https?://"},
    with_addresses=True,
)
LISTING = Ask(
    "listing a folder",
    {
        "en": r"\b(list (?:my|the|all|every|everything|files|what)|lists? (?:the )?files|"
        r"what's in|what is in|which files|show me the files)\b"
    },
)
SAVING = Ask(
    "saving to a file",
    {"en": r"\b(save|saves|write|writes|store|keep a copy|dump|export)\b"},
)
PICKING_LINES = Ask(
    "picking lines",
    {
        "en": r"\b(lines? (?:that|with|containing|mentioning|including)|unchecked|open tasks|"
        r"containing|only the lines|matching lines)\b"
    },
)
CLIPBOARD_WRITE = Ask("putting text on the clipboard", {"en": r"\bclipboard\b"})
CLIPBOARD_READ = Ask("reading the clipboard", {"en": r"\bclipboard\b"})

# the order in which a request's asks are listed (see Registry.asks)
ORDER = (
    NOTIFICATION,
    SUMMARY,
    MODEL_HELP,
    MOVING,
    COPYING,
    DELETING,
    NOTE,
    FETCHING,
    SENDING,
    LISTING,
    SAVING,
    PICKING_LINES,
    CLIPBOARD_WRITE,
    CLIPBOARD_READ,
)
