"""A constructed library history whose dashboard figures are computed by hand.

Authors and sides: 王老师 and 张老师 (school), 李师傅 (enterprise), 赵工 (no side:
his lines and commits count as "unknown"). Dates are set on each commit so
periods can be checked. Every line's length is chosen so the hand sums are
easy: a line of ten 甲 is 10 characters.

    C1 2025-03-01 王 school      standard, book.yml, 01.md, 02.md
    C2 2025-04-10 李 enterprise  01.md: last 甲 line -> 丙×30, appends 丙×30
    C3 2025-09-05 张 school      02.md: appends 丁×5                 (tag loco/v1, 2025-09-10)
    C4 2026-01-15 赵 —           02.md: 乙×20 -> 戊×8
    C5 2026-02-01 李 enterprise  01.md front matter: covers 3 items  (tag loco/v2, 2026-02-10)
    C6 2026-02-20 李 enterprise  on branch cr/1: adds 03.md
    C7 2026-03-01 张 school      02.md: appends 己×12
    M  (now)      王 school      merges cr/1 into main (a merge commit: not authorship)
"""
from __future__ import annotations

from pathlib import Path

from datetime import datetime, timezone

from materials import OVERWRITE, Author, Library, Write
from materials.objects import Person

WANG = Author("王老师", "wang@example.edu.cn", "school")
ZHANG = Author("张老师", "zhang@example.edu.cn", "school")
LI = Author("李师傅", "li@example.com", "enterprise")
ZHAO = Author("赵工", "zhao@example.com", None)

STANDARD_ID = "cn-noss-6-23-01-03@2019"

# L5 (cumulative): S.1.1.1, S.1.1.2, K.1.1.1  -> 3 items
# L4 (cumulative): the 3 above + S.2.1.1, K.2.1.1, K.2.1.2, S.3.1.1 -> 7 items
STANDARD_YAML = (Path(__file__).resolve().parents[1] / "small_standard.yml").read_text(encoding="utf-8")

# 7 lines
BOOK_YML = """\
title: 电力机车运用与检修
language: zh-CN
edition: "2026"
standards: [cn-noss-6-23-01-03@2019]
navigation:
  - part: 第一篇
    chapters: [01.md, 02.md]
"""

# front matter: "---" (3) + "title: 一" (8) + "standards: [L5.S.1.1.1]" (23) + "---" (3) = 4 lines, 37 chars
CH1_V1 = "---\ntitle: 一\nstandards: [L5.S.1.1.1]\n---\n" + "甲" * 10 + "\n\n" + "甲" * 10 + "\n"
CH1_V2 = "---\ntitle: 一\nstandards: [L5.S.1.1.1]\n---\n" + "甲" * 10 + "\n\n" + "丙" * 30 + "\n" + "丙" * 30 + "\n"
# the standards line becomes 47 characters
CH1_V5 = ("---\ntitle: 一\nstandards: [L5.S.1.1.1, L5.S.1.1.2, L4.S.2.1.1]\n---\n" + "甲" * 10 + "\n\n"
          + "丙" * 30 + "\n" + "丙" * 30 + "\n")
# "---" (3) + "title: 二" (8) + "---" (3) = 3 lines, 14 chars
CH2_V1 = "---\ntitle: 二\n---\n" + "乙" * 20 + "\n"
CH2_V3 = CH2_V1 + "丁" * 5 + "\n"
CH2_V4 = "---\ntitle: 二\n---\n" + "戊" * 8 + "\n" + "丁" * 5 + "\n"
CH2_V7 = CH2_V4 + "己" * 12 + "\n"
CH3 = "---\ntitle: 三\n---\n" + "庚" * 40 + "\n"  # 4 lines: 3 + 8 + 3 + 40 = 54 chars


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def save_at(lib: Library, branch: str, changes, author: Author, message: str, when: datetime) -> str:
    """A save as the platform makes it, then dated ``when`` (author and committer)."""
    saved = lib.commit(branch, changes, author, message, base=OVERWRITE)
    c = lib.objects.commit(saved.sha)
    person = Person(author.name, author.email, int(when.timestamp()), "+0000")
    dated = lib.objects.write_commit(c.tree, list(c.parents), person, person, c.message)
    lib.refs.swap("refs/heads/" + branch, dated, saved.sha)
    return dated


def tag_at(lib: Library, name: str, rev: str, tagger: Author, when: datetime) -> str:
    person = Person(tagger.name, tagger.email, int(when.timestamp()), "+0000")
    tag = lib.objects.write_tag(lib.resolve(rev), name, person, f"Release {name}")
    lib.refs.swap("refs/tags/" + name, tag, None)
    return tag


def build_history(path) -> dict[str, str]:
    """Write the history above into a new library at ``path``; returns the commit ids by name."""
    lib = Library.init(path)
    ids: dict[str, str] = {}
    ids["C1"] = save_at(lib, "main", [
        Write(f"standards/{STANDARD_ID}.yml", STANDARD_YAML),
        Write("books/loco/book.yml", BOOK_YML),
        Write("books/loco/chapters/01.md", CH1_V1),
        Write("books/loco/chapters/02.md", CH2_V1),
    ], WANG, "Add the book", utc(2025, 3, 1, 9))
    ids["C2"] = save_at(lib, "main", [Write("books/loco/chapters/01.md", CH1_V2)], LI, "Add a case",
                        utc(2025, 4, 10, 9))
    ids["C3"] = save_at(lib, "main", [Write("books/loco/chapters/02.md", CH2_V3)], ZHANG, "Add a line",
                        utc(2025, 9, 5, 0))
    tag_at(lib, "loco/v1", ids["C3"], WANG, utc(2025, 9, 10))
    ids["C4"] = save_at(lib, "main", [Write("books/loco/chapters/02.md", CH2_V4)], ZHAO, "Fix a value",
                        utc(2026, 1, 15, 9))
    ids["C5"] = save_at(lib, "main", [Write("books/loco/chapters/01.md", CH1_V5)], LI, "Align to standard",
                        utc(2026, 2, 1, 0))
    tag_at(lib, "loco/v2", ids["C5"], WANG, utc(2026, 2, 10))
    lib.create_branch("cr/1", "main")
    ids["C6"] = save_at(lib, "cr/1", [Write("books/loco/chapters/03.md", CH3)], LI, "Add chapter three",
                        utc(2026, 2, 20, 9))
    ids["C7"] = save_at(lib, "main", [Write("books/loco/chapters/02.md", CH2_V7)], ZHANG, "Add another line",
                        utc(2026, 3, 1, 9))
    ids["M"] = lib.merge("cr/1", "main", WANG, "Merge change request #1")
    lib.close()
    return ids
