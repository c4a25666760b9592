"""One published book for the whole build test session.

The starter library is released as 1.0; then a teacher adds a chapter (with
a script, an onerror handler, an external image and a hostile heading, as a
careless or malicious paste would bring) and the book is released as 2.0.
Tests read the two sites the way a student would.
"""
from __future__ import annotations

import hashlib
import http.server
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from build.publish import release
from materials import OVERWRITE, Author, Library, Write

BOOK = "locomotive-maintenance"
TEACHER = Author("王老师", "wang@college.example", "school")
RELEASER = Author("主编 刘", "liu@college.example", "school")

HOSTILE_CHAPTER = """---
title: 受电弓故障案例 <img src=x onerror=alert(3)></title><script>alert(8)</script>
standards: [L3.S.1.1.1]
objectives:
  - 能分析受电弓刮弓故障的原因
hours: 2
---

# 受电弓故障案例 <img src=x onerror=alert(4)>

受电弓滑板磨耗超限会导致刮弓事故，检修工必须在登顶作业前确认接触网已停电。

<script>alert("stolen")</script>

<img src="x.png" onerror="alert(1)">

![外部示意图](https://cdn.example.com/pantograph.png)

<a href="javascript:alert(2)">点我</a>

公式 $F = \\mu P$ 表示黏着牵引力。
"""

SVG_WITH_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>alert(5)</script><rect width="10" height="10" onclick="alert(6)"/>'
                   b'<image href="https://cdn.example.com/x.png"/></svg>')


@dataclass
class Published:
    lib: Library
    sites: Path
    book: Path
    v1_hashes: dict[str, str]
    added_chapter: str


def tree_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Published:
    root = tmp_path_factory.mktemp("sites")
    lib = Library.init(root / "library.git", starter=True)
    sites = root / "sites"
    cache = root / "cache"
    release(lib, BOOK, "1.0", sites, RELEASER, "第一版", cache_dir=cache)
    v1 = tree_hashes(sites / BOOK / "1.0")

    book_yml = lib.read("main", f"books/{BOOK}/book.yml").decode()
    added = "08-pantograph-cases.md"
    book_yml = book_yml.replace("07-emergency-handling.md]", f"07-emergency-handling.md, {added}]")
    lib.commit("main", [
        Write(f"books/{BOOK}/chapters/{added}", HOSTILE_CHAPTER),
        Write(f"books/{BOOK}/book.yml", book_yml),
        Write(f"books/{BOOK}/assets/diagram.svg", SVG_WITH_SCRIPT),
        Write(f"books/{BOOK}/assets/evil.js", "alert(7)"),
    ], TEACHER, "增加受电弓故障案例", base=OVERWRITE)
    release(lib, BOOK, "2.0", sites, RELEASER, "第二版", cache_dir=cache)
    return Published(lib, sites, sites / BOOK, v1, added)


@pytest.fixture(scope="session")
def site_server(published):
    """The sites directory on a plain static HTTP server (as nginx would serve it)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = partial(Quiet, directory=str(published.sites))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
