"""Upkeep: loose objects are packed without disturbing anyone saving at the same time."""
from __future__ import annotations

import threading

from materials import OVERWRITE, Author, GitCommand, Write

from .conftest import CRAFTSMAN, TEACHER, fsck, refs_snapshot

INTRO = "books/loco/chapters/01-intro.md"


def test_maintenance_packs_loose_objects_and_keeps_every_commit_and_ref(lib):
    for i in range(30):
        lib.commit("main", [Write(INTRO, lib.read_text("main", INTRO) + f"第{i}次补充\n")], TEACHER, f"save {i}",
                   base=OVERWRITE)
    history = lib.git(GitCommand("rev-list").value("main")).split()
    refs = refs_snapshot(lib)
    assert lib.loose_objects() > 50
    assert lib.maintain(loose_limit=10) is True
    assert lib.loose_objects() == 0
    assert lib.git(GitCommand("rev-list").value("main")).split() == history and refs_snapshot(lib) == refs
    assert "第29次补充" in lib.read_text("main", INTRO)
    assert [c.summary for c in lib.log("main", INTRO, limit=2)] == ["save 29", "save 28"]
    assert fsck(lib).returncode == 0
    assert lib.maintain(loose_limit=10) is False  # nothing left to pack


def test_saves_made_while_the_library_is_packed_are_all_kept(lib):
    acknowledged: list[str] = []
    errors: list[BaseException] = []

    def writer(me: Author, name: str) -> None:
        try:
            for i in range(40):
                path = f"books/loco/chapters/{name}.md"
                acknowledged.append(lib.commit("main", [Write(path, f"---\ntitle: {name}\n---\n{i}\n")], me, f"{name} {i}",
                                               base=OVERWRITE).sha)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(TEACHER, "teacher")),
               threading.Thread(target=writer, args=(CRAFTSMAN, "craftsman"))]
    for t in threads:
        t.start()
    packed = 0
    while any(t.is_alive() for t in threads):
        packed += lib.maintain(loose_limit=1)
    for t in threads:
        t.join()
    assert errors == [] and packed >= 1
    history = set(lib.git(GitCommand("rev-list").value("main")).split())
    assert set(acknowledged) <= history
    assert lib.read_text("main", "books/loco/chapters/teacher.md").endswith("39\n")
    assert fsck(lib).returncode == 0


def test_ordinary_saves_pack_the_library_by_themselves_now_and_then(lib):
    lib.MAINTAIN_EVERY, lib.MAINTAIN_LOOSE_LIMIT = 10, 20
    for i in range(40):
        lib.commit("main", [Write(INTRO, lib.read_text("main", INTRO) + f"{i}\n")], TEACHER, f"save {i}",
                   base=OVERWRITE)
    for thread in [t for t in threading.enumerate() if t.name == "library-maintenance"]:
        thread.join(30)
    assert len(list((lib.path / "objects" / "pack").glob("*.pack"))) >= 1
    # 40 saves write about 240 objects. How many turns run depends on the machine (a turn is skipped
    # while the previous maintainer still works), but at least the first turn's objects are packed.
    counts = dict(line.split(": ") for line in lib.git(GitCommand("count-objects", "-v")).splitlines())
    assert int(counts["in-pack"]) >= 20 and lib.loose_objects() < 240
    assert lib.log("main", INTRO, limit=1)[0].summary == "save 39"
    assert fsck(lib).returncode == 0
