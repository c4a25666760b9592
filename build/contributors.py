"""Who wrote and who reviewed a book, by side, from its Git history.

Read once per build with a single ``git log`` over the book (newest first,
up to the built revision): authors are credited on the files their commits
touched; reviewers come from ``Co-authored-by`` / ``Reviewed-by`` /
``Approved-by`` trailers (suggested edits and merges). A reviewer's side is
the side recorded on their own commits when they have any.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from materials.history import CommitInfo
from materials import trailers

REVIEW_TRAILERS = (trailers.CO_AUTHORED_BY, "Reviewed-by", "Approved-by")


@dataclass
class Person:
    name: str
    email: str
    side: str | None
    commits: int = 0
    chapters: set[str] = field(default_factory=set)
    reviewed: int = 0


@dataclass
class Contributors:
    people: dict[str, Person]                 # email (or name) -> person
    by_chapter: dict[str, list[str]]          # chapter file name -> person keys, first author first

    def sides(self) -> dict[str | None, list[Person]]:
        out: dict[str | None, list[Person]] = {}
        for person in self.people.values():
            out.setdefault(person.side, []).append(person)
        for people in out.values():
            people.sort(key=lambda p: (-p.commits, p.name))
        return out

    def of_chapter(self, filename: str) -> dict[str | None, list[str]]:
        """Names of the people who wrote a chapter, by side."""
        out: dict[str | None, list[str]] = {}
        for key in self.by_chapter.get(filename, []):
            person = self.people[key]
            out.setdefault(person.side, []).append(person.name)
        return out


def contributors(commits: list[CommitInfo], book: str) -> Contributors:
    """Contributors from ``lib.log(rev, f"books/{book}", follow=False)`` (newest first)."""
    people: dict[str, Person] = {}
    by_chapter: dict[str, list[str]] = {}
    prefix = f"books/{book}/chapters/"
    reviews: list[tuple[str, str]] = []
    for commit in reversed(commits):  # oldest first: first author first
        key = (commit.author_email or commit.author_name).lower()
        person = people.get(key)
        if person is None:
            person = people[key] = Person(commit.author_name, commit.author_email, commit.side)
        elif person.side is None and commit.side:
            person.side = commit.side
        chapters = [p[len(prefix):] for p in commit.paths if p.startswith(prefix) and p.endswith(".md")]
        if commit.paths or len(commit.parents) <= 1:
            person.commits += 1
        for chapter in chapters:
            person.chapters.add(chapter)
            names = by_chapter.setdefault(chapter, [])
            if key not in names:
                names.append(key)
        for value in trailers.trailer_values(commit.message, *REVIEW_TRAILERS):
            reviews.append((value, commit.sha))
    for value, _ in reviews:
        who = trailers.person(value)
        if who is None:
            continue
        name, email = who
        key = (email or name).lower()
        person = people.get(key)
        if person is None:
            person = people[key] = Person(name, email, None)
        person.reviewed += 1
    return Contributors(people, by_chapter)
