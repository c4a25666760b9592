"""The commit messages the platform writes for an author, in the author's language, naming chapters
and parts by their titles: the history reads "修改《制动机试验》", not "Edit 03-brake-test.md".

Written while the author's request is being answered, so gettext picks their language; the
message stays in the history as written.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from materials import MaterialsError, NotFound
from materials.frontmatter import parse_chapter


def chapter_title(lib: Any, rev: str, path: str) -> str:
    """The chapter's title at ``rev``, else its file name (a chapter without a readable title)."""
    try:
        meta, _body = parse_chapter(lib.read_text(rev, path), path)
    except (NotFound, MaterialsError):
        return path.rsplit("/", 1)[1]
    return meta.title or path.rsplit("/", 1)[1]


def edited(title: str) -> str:
    return _("Edit “%(title)s”", title=title)


def chapter_added(title: str) -> str:
    return _("Add the chapter “%(title)s”", title=title)


def chapter_renamed(title: str, new_name: str) -> str:
    return _("Rename the file of “%(title)s” to %(name)s", title=title, name=new_name)


def chapter_moved(title: str) -> str:
    return _("Move the chapter “%(title)s”", title=title)


def chapter_deleted(title: str) -> str:
    return _("Delete the chapter “%(title)s”", title=title)


def part_added(title: str) -> str:
    return _("Add the part “%(title)s”", title=title)


def part_renamed(old: str, new: str) -> str:
    return _("Rename the part “%(old)s” to “%(new)s”", old=old, new=new)


def part_deleted(title: str) -> str:
    return _("Delete the part “%(title)s”", title=title)


def image_added(name: str) -> str:
    return _("Add the image %(name)s", name=name)


def image_deleted(name: str) -> str:
    return _("Delete the image %(name)s", name=name)
