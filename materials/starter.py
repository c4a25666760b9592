"""The content a new library starts with.

An empty library gets only ``library.yml``. The starter course (a sample
textbook with its sample standard, under ``materials/starter/library/``) is
committed as the short history in ``materials/starter/authors.yml``, so that a
new user sees authorship by both sides from the first minute.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import yaml

from .changes import Author
from .yamlfile import dump_yaml

STARTER = Path(__file__).parent / "starter"
PLATFORM = ("Jointbook", "jointbook@localhost")


def empty_library_yml(name: str) -> str:
    return dump_yaml({
        "name": name,
        "languages": ["zh-CN", "en"],
        "sides": {"school": {"zh-CN": "学校", "en": "School"}, "enterprise": {"zh-CN": "企业", "en": "Enterprise"}},
    })


def initial_commits(*, starter: bool, name: str) -> Iterator[tuple]:
    """(Author, message, [(path, bytes)]) for each initial commit, oldest first."""
    root = STARTER / "library"
    if not starter or not (STARTER / "authors.yml").exists():
        yield Author(*PLATFORM), "Create the library", [("library.yml", empty_library_yml(name).encode())]
        return
    plan = yaml.safe_load((STARTER / "authors.yml").read_text(encoding="utf-8"))
    commits = plan["commits"] if isinstance(plan, dict) else plan
    for c in commits:
        a = c["author"]
        files = [(p, (root / p).read_bytes()) for p in c["files"]]
        yield Author(a["name"], a["email"], a.get("side")), c["message"], files
