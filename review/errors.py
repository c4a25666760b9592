"""Errors a user can cause while reviewing, each with a stable code.

The server translates ``code`` + ``params`` into zh-CN / en messages; the
English ``str()`` is for logs and tests only.
"""
from __future__ import annotations

from typing import Any


class ReviewError(Exception):
    """Base of every review error: a machine ``code`` and its ``params``."""

    code = "review.error"

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params: dict[str, Any] = params
        super().__init__(message or self.code)


class PolicyInvalid(ReviewError):
    """The ``review:`` section of book.yml is malformed (codes ``policy.*``)."""

    code = "policy.invalid"


class SuggestionOutdated(ReviewError):
    """The lines a suggestion replaces changed since the reviewer saw them."""

    code = "suggestion.outdated"


class SuggestionInvalid(ReviewError):
    """A suggestion names lines that are not in the file (codes ``suggestion.*``)."""

    code = "suggestion.invalid"


class IllegalTransition(ReviewError):
    """The change request is not in a state that allows this action."""

    code = "change_request.illegal_transition"


class PolicyNotSatisfied(ReviewError):
    """Merge refused: the policy does not hold. ``missing`` says what is lacking."""

    code = "change_request.policy_not_satisfied"

    def __init__(self, missing: list, message: str = "") -> None:
        super().__init__(message or "policy not satisfied", missing=[m.to_dict() for m in missing])
        self.missing = list(missing)


class StaleVerdict(ReviewError):
    """Merge refused: the verdict was computed for another head than the branch has now."""

    code = "change_request.stale_verdict"


class MainMoved(ReviewError):
    """Merge lost a race: main moved since the change request was evaluated.

    The caller should update the change request from main (or re-evaluate) and
    retry; nothing was written.
    """

    code = "change_request.main_moved"
