"""Everything wrong with a book at a revision, in one list.

Reading a book stops at nothing: a broken chapter still shows, with its
problem attached. This gathers those problems (every one of each file, not only
its first: ``book_config_problems``, ``chapter_problems``) together with the ones only the
standards can tell (an item key that does not exist, a standard the book does
not declare or the library does not hold), each with its file and line, for
checks, pages and the command line.
"""
from __future__ import annotations

from .books import book_config_problems
from .errors import MaterialsError, UndeclaredStandard
from .standards.item_refs import partition_refs


def _line_of_ref(source: str, ref: str) -> int | None:
    """The front-matter line of the chapter's file that names ``ref`` (1-based)."""
    for number, line in enumerate(source.splitlines(), start=1):
        if number > 1 and line.strip() in ("---", "..."):
            return None
        if ref in line:
            return number
    return None


def validate_book(lib, name: str, rev: str = "main", *, book=None) -> list[MaterialsError]:
    """Problems of ``book.yml``, every chapter's front matter, and every standard tag.

    ``book`` is the book already read at ``rev``, when the caller has it (saves reading it again).
    """
    if book is None:
        try:
            book = lib.book(name, rev)
        except MaterialsError as exc:
            path = f"books/{name}/book.yml"
            if getattr(exc, "path", None) != path:
                return [exc]
            return book_config_problems(lib.read(rev, path).decode("utf-8", "replace"), path) or [exc]
    problems: list[MaterialsError] = list(book.problems)
    try:
        standards = lib.standards(rev)
    except MaterialsError as exc:
        return problems + [exc]
    declared = {}
    for std_id in book.config.standards:
        if std_id in standards:
            declared[std_id] = standards[std_id]
        else:
            problems.append(UndeclaredStandard(f"the library has no standard '{std_id}'",
                                               path=f"books/{name}/book.yml", standard=std_id))
    for chapter in book.chapters:
        if chapter.problem is not None:
            continue
        _good, bad = partition_refs(chapter.meta.all_refs(), declared)
        for error in bad:
            error.path = chapter.path
            ref = error.params.get("ref") or error.params.get("item") or ""
            source = lib.read(book.rev, chapter.path).decode("utf-8", "replace")
            error.line = _line_of_ref(source, str(ref).split(":")[-1]) if ref else None
            problems.append(error)
    return problems

