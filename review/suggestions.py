"""Suggested edits: a reviewer proposes replacement text for some lines.

The author applies it with one click; the commit is the author's, and it
credits the reviewer with a ``Co-authored-by:`` trailer. A suggestion is
refused, never half-applied, when its lines changed since the reviewer saw
them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from materials.trailers import co_authored_by, one_line
from review.anchors import OUTDATED, Anchor, reanchor
from review.errors import SuggestionInvalid, SuggestionOutdated


@dataclass(frozen=True)
class Suggestion:
    """Replace lines ``start_line``..``end_line`` (1-based, inclusive) of ``path``.

    ``base_text`` is those lines as the reviewer saw them (joined with "\\n",
    no final newline); ``replacement`` is the new text for them: "" deletes
    the lines, "\\n" leaves one empty line.
    """

    path: str
    start_line: int
    end_line: int
    replacement: str
    base_text: str
    reviewer_name: str = ""
    reviewer_email: str = ""
    commit: str = ""  # the commit the reviewer suggested on


def _split(text: str) -> tuple[list[str], str]:
    """Lines without endings, and the file's newline style."""
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.splitlines(), newline


def _base_lines(base_text: str) -> list[str]:
    """The lines a suggestion expects; "" is one empty line, not none."""
    base = base_text.replace("\r\n", "\n")
    if base.endswith("\n"):
        base = base[:-1]
    return base.split("\n")


def apply_suggestion(text: str, suggestion: Suggestion) -> str:
    """``text`` with the suggestion applied.

    Raises SuggestionInvalid (``suggestion.bad_range``) for lines outside the
    file and SuggestionOutdated when those lines no longer read ``base_text``.
    """
    lines, newline = _split(text)
    s = suggestion
    if not (1 <= s.start_line <= s.end_line <= len(lines)):
        raise SuggestionInvalid(
            f"lines {s.start_line}-{s.end_line} are not in {s.path}",
            code="suggestion.bad_range",
            path=s.path,
            start_line=s.start_line,
            end_line=s.end_line,
        )
    current = lines[s.start_line - 1 : s.end_line]
    if current != _base_lines(s.base_text):
        raise SuggestionOutdated(
            f"lines {s.start_line}-{s.end_line} of {s.path} changed since the suggestion",
            path=s.path,
            start_line=s.start_line,
            end_line=s.end_line,
        )
    new_lines = lines[: s.start_line - 1] + s.replacement.splitlines() + lines[s.end_line :]
    ends_with_newline = text.endswith(("\n", "\r"))
    out = newline.join(new_lines)
    if new_lines and ends_with_newline:
        out += newline
    return out


def apply_suggestions(text: str, suggestions: list[Suggestion]) -> str:
    """Apply several suggestions to one file at once (a batch); they must not overlap."""
    ordered = sorted(suggestions, key=lambda s: s.start_line)
    for earlier, later in zip(ordered, ordered[1:]):
        if later.start_line <= earlier.end_line:
            raise SuggestionInvalid(
                "suggestions overlap", code="suggestion.overlap", path=later.path, start_line=later.start_line
            )
    # Bottom-up, so line numbers above stay valid.
    for suggestion in reversed(ordered):
        text = apply_suggestion(text, suggestion)
    return text


def relocate(suggestion: Suggestion, old_text: str, new_text: str, new_commit: str = "") -> Suggestion:
    """The suggestion moved onto a newer text of the file (lines shifted above it).

    Every line it covers must be unchanged and still contiguous; otherwise
    SuggestionOutdated.
    """
    s = suggestion
    moved: list[int] = []
    old_lines = old_text.splitlines()
    for number in range(s.start_line, s.end_line + 1):
        if number > len(old_lines):
            raise SuggestionOutdated("suggestion lines are gone", path=s.path, start_line=s.start_line, end_line=s.end_line)
        line = reanchor(Anchor(s.path, number, old_lines[number - 1], s.commit), old_text, new_text)
        if line is OUTDATED:
            raise SuggestionOutdated(
                f"line {number} of {s.path} changed since the suggestion", path=s.path, start_line=s.start_line, end_line=s.end_line
            )
        moved.append(line)
    if moved != list(range(moved[0], moved[0] + len(moved))):
        raise SuggestionOutdated("lines were inserted inside the suggestion", path=s.path, start_line=s.start_line, end_line=s.end_line)
    return replace(s, start_line=moved[0], end_line=moved[-1], commit=new_commit or s.commit)


def suggestion_commit_message(
    suggestions: Suggestion | list[Suggestion], summary: str | None = None
) -> str:
    """Commit message for applying suggestions, crediting every suggesting reviewer.

    The trailers end the message, one per distinct reviewer, so ``git
    interpret-trailers`` and hosting tools both see them.
    """
    items = [suggestions] if isinstance(suggestions, Suggestion) else list(suggestions)
    if not items:
        raise SuggestionInvalid("no suggestion to apply", code="suggestion.empty")
    paths = sorted({s.path for s in items})
    if summary is None:
        reviewers = sorted({one_line(s.reviewer_name) for s in items if s.reviewer_name})
        who = f" from {', '.join(reviewers)}" if reviewers else ""
        where = paths[0] if len(paths) == 1 else f"{len(paths)} files"
        noun = "suggestion" if len(items) == 1 else "suggestions"
        summary = f"Apply {noun}{who} to {where}"
    trailers: list[str] = []
    for s in items:
        if s.reviewer_name and s.reviewer_email:
            line = co_authored_by(s.reviewer_name, s.reviewer_email)
            if line not in trailers:
                trailers.append(line)
    message = one_line(summary)
    if trailers:
        message += "\n\n" + "\n".join(trailers)
    return message + "\n"
