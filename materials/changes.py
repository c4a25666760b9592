"""What a save is made of: who makes it (``Author``) and what it does to the
files (``Write``, ``Delete``, ``Rename``).

A module of their own because both the library that writes commits
(``repository``) and the history that reverts them (``history``) build
changes; neither has to import the other for them.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Union

from .errors import InvalidAuthor
from .objects import Person

SIDE_TRAILER = "Jointbook-Side"  # the commit trailer that records the author's side
_SIDE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


@dataclass(frozen=True)
class Author:
    """Who made a change, and for which side of the cooperation."""

    name: str
    email: str
    side: str | None = None

    def validated(self) -> "Author":
        for value, what in ((self.name, "name"), (self.email, "email")):
            if not isinstance(value, str) or not value.strip() or any(c in value for c in "<>\n\r\0"):
                raise InvalidAuthor(f"invalid author {what}", field=what)
        if self.side is not None and not _SIDE.match(self.side):
            raise InvalidAuthor("invalid side", field="side")
        return self

    def person(self, when: float | None = None) -> Person:
        when = time.time() if when is None else when
        off = time.localtime(when).tm_gmtoff
        sign = "+" if off >= 0 else "-"
        off = abs(off) // 60
        return Person(self.name.strip(), self.email.strip(), int(when), f"{sign}{off // 60:02d}{off % 60:02d}")


@dataclass(frozen=True)
class Write:
    path: str
    data: Union[bytes, str]

    @property
    def content(self) -> bytes:
        return self.data.encode("utf-8") if isinstance(self.data, str) else self.data


@dataclass(frozen=True)
class Delete:
    path: str


@dataclass(frozen=True)
class Rename:
    old: str
    new: str


Change = Union[Write, Delete, Rename]
