"""The "post — capability — course" view of a book's alignment.

For each work area (职业功能) of a standard, its capabilities (工作内容) and
the chapters that build them: how a college shows that its course follows
the posts it trains for.
"""


from __future__ import annotations
from dataclasses import dataclass
from typing import Any
from materials.standards.standard import Item
from server.alignment.service import LEAF_KINDS, BookAlignment


@dataclass
class Capability:
    """A 工作内容 / task (C) with the chapters that build it and how much of it they cover."""

    item: Item
    chapters: list[str]
    covered: int
    total: int


@dataclass
class Post:
    """A 职业功能 / work area (F) of one level, with its capabilities."""

    standard: str
    item: Item
    level_label: str
    capabilities: list[Capability]


def capabilities(alignment: BookAlignment) -> list[Post]:
    """For each top-level F item, its C items and the chapters (book order) naming them or anything under them."""
    numbers = alignment.chapter_numbers()
    posts: list[Post] = []
    for sid, std in alignment.standards.items():
        labels = {lv.key: lv.label for lv in std.levels}
        by_item = alignment.coverage.by_item
        for fkey in std.children.get(None, ()):
            f = std.by_key[fkey]
            if f.kind != "F":
                continue
            caps = []
            for ckey in std.children.get(fkey, ()):
                c = std.by_key[ckey]
                below = [ckey]
                stack = list(std.children.get(ckey, ()))
                while stack:
                    k = stack.pop()
                    below.append(k)
                    stack.extend(std.children.get(k, ()))
                chapters = {ch for k in below for ch in by_item.get((sid, k), ())}
                leaves = [k for k in below if std.by_key[k].kind in LEAF_KINDS]
                caps.append(Capability(c, sorted(chapters, key=lambda ch: numbers.get(ch, 0)),
                                       sum(1 for k in leaves if by_item.get((sid, k))), len(leaves)))
            posts.append(Post(sid, f, labels.get(f.level, f.level), caps))
    return posts


def capabilities_json(alignment: BookAlignment) -> dict[str, Any]:
    return {"book": alignment.book, "revision": alignment.rev, "posts": [
        {"standard": p.standard, "key": p.item.key, "code": p.item.code, "level": p.item.level, "text": p.item.text,
         "capabilities": [{"key": c.item.key, "code": c.item.code, "text": c.item.text, "chapters": c.chapters,
                           "covered": c.covered, "total": c.total} for c in p.capabilities]}
        for p in capabilities(alignment)]}
