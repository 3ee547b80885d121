"""What the checks of a draft find, as data: a code, the step it is about and a detail (the
path, action, program or trigger involved). Repairs branch on the code and the detail; the
message is for people (and for the model's next try) and can be reworded freely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProblemCode = Literal[
    "invalid",  # the document does not validate (detail: the validator's problem)
    "later_result",  # a step uses the result of a step after it
    "list_as_text",  # a step uses a list result as text
    "item_without_listing",  # {{item}} with nothing listed before it
    "unnamed_scope",  # a scoped parameter names nothing the request named
    "missing_step",  # something asked for has no step (detail: what was asked)
    "condition_untested",  # the request acts only if a text says something; nothing tests it
    "not_asked",  # a step does what nobody asked for (detail: the action id)
    "command_not_run",  # the request runs a program; no step runs it (detail: the program)
    "unnamed_program",  # a step runs a program the request does not name (detail: it)
    "would_fail",  # the action's own check finds the step would fail (detail: the action id)
    "unnamed_address",  # a web address the request does not name (detail: the address)
    "sensitive_place",  # a place holding keys or system settings (detail: the path)
    "unnamed_place",  # a place the request does not name (detail: the path)
    "repeated_step",  # a step repeats the one before it
    "pattern_unlisted",  # the request is about files of a kind; nothing lists them
    "reads_written_file",  # a step reads the file a later step writes (detail: the path)
    "named_unused",  # a place the request names is used by no step (detail: the path)
    "whole_watched_folder",  # a step acts on the watched folder, not the file that arrived
    "backwards",  # a move or copy goes the other way (detail: the step's source)
    "wrong_trigger",  # the trigger is not the one the words describe (detail: in words)
    "result_unused",  # a step exists for its result, and nothing uses it
    "unfed",  # a step that changes a text works on none of the earlier results (detail: id)
]


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    step: int | None = None  # 1-based; None for the whole draft
    detail: str = ""
    message: str = ""  # for people, in English

    def __str__(self) -> str:
        return self.message or f"{self.code} (step {self.step}): {self.detail}"


def found(
    problems: list[Problem],
    code: ProblemCode,
    *,
    step: int | None = None,
    detail: str | None = None,
) -> bool:
    """Is there a problem of ``code`` (at ``step``, about ``detail``, when given)?"""
    return any(
        p.code == code
        and (step is None or p.step == step)
        and (detail is None or p.detail == detail)
        for p in problems
    )


__all__ = ["Problem", "ProblemCode", "found"]
