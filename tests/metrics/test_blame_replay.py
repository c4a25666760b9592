"""The replayed blame (one history walk for every chapter) gives the same authorship as git blame.

Each history here contains what makes blame hard: edits in the middle of a
chapter, a merge that combines both sides' edits of one chapter, a merge that
takes a chapter from the change request as it was, a rename, a deleted and an
empty chapter, and a change request started before the walk's earlier stop.
"""
from __future__ import annotations

import pytest

from materials import OVERWRITE, Delete, Library, Rename, Write
from materials import authorship
from materials.authorship import clear_caches, text_by_author, text_share_by_side

from metrics_history import LI, WANG, ZHANG, ZHAO

CH = "books/loco/chapters/"
BOOK_YML = "title: 书\nnavigation:\n  - part: 一\n    chapters: [01.md]\n"


def lines(*texts: str) -> str:
    return "".join(t + "\n" for t in texts)


def by_git_blame(lib: Library, rev: str, monkeypatch) -> tuple:
    clear_caches()
    with monkeypatch.context() as m:
        m.setattr(authorship, "REPLAY_AFTER", 10 ** 9)
        return text_share_by_side(lib, "loco", rev), text_by_author(lib, "loco", rev)


def by_replay(lib: Library, rev: str, monkeypatch) -> tuple:
    with monkeypatch.context() as m:
        m.setattr(authorship, "REPLAY_AFTER", 0)
        return text_share_by_side(lib, "loco", rev), text_by_author(lib, "loco", rev)


@pytest.fixture
def lib(library_path):
    clear_caches()
    library = Library.init(library_path)
    yield library
    library.close()
    clear_caches()


def test_replay_agrees_with_git_blame_through_merges_renames_and_deletions(lib, monkeypatch):
    first = lib.commit("main", [
        Write("books/loco/book.yml", BOOK_YML),
        Write(CH + "01.md", lines("---", "title: 一", "---", "甲一", "甲二", "甲三", "甲四")),
        Write(CH + "02.md", lines("---", "title: 二", "---", "乙一", "乙二", "乙三", "乙四", "乙五")),
        Write(CH + "04.md", lines("---", "title: 四", "---", "丁丁丁")),
        Write(CH + "05.md", lines("---", "title: 五", "---", "戊")),
        Write(CH + "06.md", ""),
    ], WANG, "Start", base=OVERWRITE).sha
    lib.commit("main", [Write(CH + "01.md", lines("---", "title: 一", "---", "甲一", "李插入", "甲二", "李改三", "甲四"))],
               LI, "Edit the middle", base=OVERWRITE)
    # a change request and main both edit 02.md, in different places: the merge combines them
    lib.create_branch("cr/1", "main")
    lib.commit("cr/1", [Write(CH + "02.md", lines("---", "title: 二", "---", "乙一", "李改二", "乙三", "乙四", "乙五"))],
               LI, "Fix line two", base=OVERWRITE)
    lib.commit("main", [Write(CH + "02.md", lines("---", "title: 二", "---", "乙一", "乙二", "乙三", "乙四", "张改五五"))],
               ZHANG, "Fix line five", base=OVERWRITE)
    lib.merge("cr/1", "main", WANG, "Merge change request #1")
    # a change request adds a chapter while main moves on elsewhere: the merge takes it as it was
    lib.create_branch("cr/2", "main")
    lib.commit("cr/2", [Write(CH + "07.md", lines("---", "title: 七", "---", "李写的第七章"))], LI, "Add seven",
               base=OVERWRITE)
    lib.commit("main", [Write(CH + "01.md", lines("---", "title: 一", "---", "甲一", "李插入", "甲二", "李改三", "张加"))],
               ZHANG, "Replace the last line", base=OVERWRITE)
    lib.merge("cr/2", "main", WANG, "Merge change request #2")
    lib.commit("main", [Rename(CH + "04.md", CH + "08.md")], WANG, "Rename", base=OVERWRITE)
    lib.commit("main", [Delete(CH + "05.md")], ZHAO, "Remove five", base=OVERWRITE)

    expected = by_git_blame(lib, "main", monkeypatch)
    assert by_replay(lib, "main", monkeypatch) == expected
    # and by hand: 02.md line two is 李's, line five 张's, although 王 made the merge commit
    authors = {(a.name, a.lines, a.chars) for a in expected[1]}
    # ("title: 一" is 8 characters)
    # 王: 01.md ---, title: 一, ---, 甲一, 甲二 (3+8+3+2+2 = 18); 02.md ---, title: 二, ---, 乙一, 乙三, 乙四 (3+8+3+6 = 20);
    #     08.md ---, title: 四, ---, 丁丁丁 (3+8+3+3 = 17)             -> 15 lines, 55 chars
    # 李: 01.md 李插入, 李改三 (6); 02.md 李改二 (3); 07.md ---, title: 七, ---, 李写的第七章 (3+8+3+6 = 20) -> 7 lines, 29
    # 张: 01.md 张加 (2); 02.md 张改五五 (4)                          -> 2 lines, 6
    assert authors == {("王老师", 15, 55), ("李师傅", 7, 29), ("张老师", 2, 6)}
    assert by_replay(lib, first, monkeypatch) == by_git_blame(lib, first, monkeypatch)
    # line by line, as the enterprise-content figures read it
    clear_caches()
    with monkeypatch.context() as m:
        m.setattr(authorship, "REPLAY_AFTER", 0)
        replayed = authorship.line_authors(lib, "loco", "main")
    assert set(replayed) == {CH + name for name in ("01.md", "02.md", "06.md", "07.md", "08.md")}
    for path, who in replayed.items():
        assert who == [(b.author_name, b.author_email, b.side) for b in lib.blame("main", path)], path


def test_replay_moves_forward_from_an_earlier_walk_and_stays_exact(lib, monkeypatch):
    first = lib.commit("main", [
        Write("books/loco/book.yml", BOOK_YML),
        Write(CH + "01.md", lines("---", "title: 一", "---", "甲一", "甲二")),
    ], WANG, "Start", base=OVERWRITE).sha
    lib.create_branch("cr/old", "main")  # started before the walk below
    lib.commit("main", [Write(CH + "02.md", lines("---", "title: 二", "---", "乙"))], ZHANG, "Add two", base=OVERWRITE)
    by_replay(lib, "main", monkeypatch)  # the walk stops here

    lib.commit("cr/old", [Write(CH + "09.md", lines("---", "title: 九", "---", "李写的"))], LI, "Add nine", base=OVERWRITE)
    lib.commit("main", [Write(CH + "01.md", lines("---", "title: 一", "---", "甲一", "赵改二"))], ZHAO, "Edit",
               base=OVERWRITE)
    lib.merge("cr/old", "main", WANG, "Merge the old change request")
    lib.commit("main", [Write(CH + "09.md", lines("---", "title: 九", "---", "李写的", "张补充"))], ZHANG, "Extend nine",
               base=OVERWRITE)

    replayed = by_replay(lib, "main", monkeypatch)
    assert replayed == by_git_blame(lib, "main", monkeypatch)
    assert {(a.name, a.side, a.chars) for a in replayed[1]} == {
        ("王老师", "school", 3 + 8 + 3 + 2),  # 01.md front matter and 甲一
        ("张老师", "school", 3 + 8 + 3 + 1 + 3),  # 02.md, and 张补充 in 09.md
        ("李师傅", "enterprise", 3 + 8 + 3 + 3),  # 09.md as written on the old branch
        ("赵工", "unknown", 3),  # 赵改二
    }
    assert by_replay(lib, first, monkeypatch) == by_git_blame(lib, first, monkeypatch)
