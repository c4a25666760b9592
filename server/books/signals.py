"""What the books' pages ask the other parts of the platform for.

Blinker signals (as Flask's own): the home page sends ``home_panels`` with the application as
sender and the signed-in ``user``; a part that has something to show there connects a receiver
when the application is set up and answers ``{panel key: [HomeItem, ...]}`` ("reviews",
"drafts"). So the books never import the parts that fill their home page.
"""
from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

home_panels = _signals.signal("home-panels")


@dataclass(frozen=True)
class HomeItem:
    """One line of a home page panel."""

    title: str
    url: str
    detail: str = ""
    side: str | None = None  # shows a side label (school / enterprise) when set
