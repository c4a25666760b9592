"""The contributors page credits reviewers from the trailers of the commits they took part in."""
from __future__ import annotations

from datetime import datetime, timezone

from build.contributors import contributors
from materials.history import CommitInfo

WHEN = datetime(2026, 3, 1, tzinfo=timezone.utc)


def commit(sha: str, name: str, email: str, side: str, message: str, *paths: str) -> CommitInfo:
    return CommitInfo(sha, (), name, email, side, WHEN, message, paths)


def test_reviewers_named_in_trailers_are_credited_with_the_side_of_their_own_commits():
    log = [  # newest first, as lib.log gives it
        commit("c", "王老师", "wang@example.edu.cn", "school",
               "Apply suggestion\n\nCo-authored-by: 李师傅 <li@example.com>\nJointbook-Side: school",
               "books/loco/chapters/01-intro.md"),
        commit("b", "王老师", "wang@example.edu.cn", "school",
               "Merge change request #2\n\nReviewed-by: 赵工 <zhao@example.com>\nJointbook-Side: school"),
        commit("a", "李师傅", "li@example.com", "enterprise",
               "Add the brake chapter\n\nCo-authored-by: not a trailer <x@example.com>\n\nJointbook-Side: enterprise",
               "books/loco/chapters/02-brake.md"),
    ]
    people = contributors(log, "loco").people
    assert people["li@example.com"].reviewed == 1 and people["li@example.com"].side == "enterprise"
    assert people["zhao@example.com"].reviewed == 1 and people["zhao@example.com"].side is None
    assert "x@example.com" not in people  # only the last paragraph holds trailers
    assert people["wang@example.edu.cn"].chapters == {"01-intro.md"}
