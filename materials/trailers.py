"""Commit trailers: the ``Key: value`` lines that end a commit message.

Git and hosting tools read who else wrote a commit from its
``Co-authored-by`` trailers; the library records the author's side in a
``Jointbook-Side`` trailer (``changes.SIDE_TRAILER``). The history, the review
rules and the contributors page of a site all read them, and every save and
suggestion writes them, through these functions only.

Hand-written rather than ``git interpret-trailers``: that would start a
process for every commit a history page or a review reads, and the rule is
short. The trailer block is the message's last paragraph; keys compare
without regard to case, as git does.
"""
from __future__ import annotations

import re

CO_AUTHORED_BY = "Co-authored-by"
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
_PERSON = re.compile(r"^\s*(?P<name>[^<]+?)\s*(?:<(?P<email>[^>]*)>)?\s*$")


def _block(message: str) -> list[str]:
    return message.rstrip("\n").rsplit("\n\n", 1)[-1].splitlines()


def trailers(message: str) -> list[tuple[str, str]]:
    """Every ``(key, value)`` of the message's trailer block, in order, keys as written."""
    out = []
    for line in _block(message):
        key, sep, value = line.partition(":")
        if sep and _KEY.match(key.strip()):
            out.append((key.strip(), value.strip()))
    return out


def trailer_values(message: str, *keys: str) -> list[str]:
    """The values of the trailers named ``keys`` (any case), in the order they are written."""
    wanted = {k.lower() for k in keys}
    return [value for key, value in trailers(message) if key.lower() in wanted]


def trailer(message: str, key: str) -> str | None:
    """The value of the first ``key`` trailer, or None."""
    values = trailer_values(message, key)
    return values[0] if values else None


def person(value: str) -> tuple[str, str] | None:
    """``(name, e-mail)`` of a ``Name <e-mail>`` trailer value (e-mail "" when absent); None if no name."""
    match = _PERSON.match(value)
    return (match.group("name"), match.group("email") or "") if match else None


def one_line(value: str) -> str:
    """A name fit for a trailer or a subject line: one line, no angle brackets (they would break
    the ``Name <e-mail>`` form)."""
    return " ".join(value.replace("<", "").replace(">", "").split())


def co_authored_by(name: str, email: str) -> str:
    """A ``Co-authored-by: Name <e-mail>`` trailer line."""
    return f"{CO_AUTHORED_BY}: {one_line(name)} <{one_line(email)}>"


def with_trailers(message: str, values: dict[str, str]) -> str:
    """Append ``Key: value`` trailers to a commit message's trailer block (a new block if it has none)."""
    message = message.strip() or "Update"
    lines = [f"{k}: {v}" for k, v in values.items() if v]
    if not lines:
        return message + "\n"
    last = message.rsplit("\n\n", 1)
    if len(last) == 2 and all(re.match(r"^[A-Za-z][A-Za-z0-9-]*: ", l) for l in last[1].splitlines()):
        return message + "\n" + "\n".join(lines) + "\n"
    return message + "\n\n" + "\n".join(lines) + "\n"
