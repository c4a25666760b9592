"""The catalog keeps what it read of a big standard, so a web process that has just started need not read its YAML again."""
from __future__ import annotations

import json
from pathlib import Path

from materials import Library
from materials.standards.reading import parse_standard
from server.standards import service as catalog

STARTER = "sample-noss-locomotive-maintenance@2026"
PATH = f"standards/{STARTER}.yml"


def kept_files(app) -> list[Path]:
    return sorted((Path(app.config["JOINTBOOK_INSTANCE"]) / "cache" / "standards").glob("*.json"))


def test_a_process_that_never_read_a_standard_gets_it_from_what_was_kept(app):
    lib = Library(app.config["LIBRARY_PATH"])
    expected = parse_standard(lib.read("main", PATH), PATH)
    with app.app_context():
        catalog.forget_parsed()
        assert catalog.standard(STARTER) == expected  # read from the YAML, and kept
        (kept,) = [f for f in kept_files(app) if f.stem == lib.files("main", "standards")[PATH]]
        data = json.loads(kept.read_text(encoding="utf-8"))
        data["title"] = "改过的标题"  # what is kept is what the next process gets
        kept.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        catalog.forget_parsed()
        assert catalog.standard(STARTER).title == "改过的标题"
        kept.write_text("{not json", encoding="utf-8")  # a damaged copy: the YAML is read again
        catalog.forget_parsed()
        assert catalog.standard(STARTER) == expected


def test_an_import_is_in_the_catalog_without_reading_it_again(app):
    from server.standards.imports import standard_yaml

    lib = Library(app.config["LIBRARY_PATH"])
    std = parse_standard(lib.read("main", PATH), PATH)
    with app.app_context():
        catalog.forget_parsed()
        text = standard_yaml(std)
        catalog.remember(PATH, text, std)
        blob = lib.objects.write_blob(text.encode("utf-8"))  # the id Git gives the file the import commits
        assert [f.stem for f in kept_files(app)] == [blob]
        assert catalog._parse(lib, PATH, blob) is std  # found without reading anything
