"""Every kind of bad input is refused with its typed error, and the library is unchanged."""
from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from materials import (OVERWRITE, Author, BookInvalid, FrontMatterInvalid, InvalidAuthor, InvalidPath, InvalidRefName,
                       NotFound, PathCollision, PathOutsideBook, UnsafeYAML, Write, book_path, parse_chapter,
                       validate_path)
from materials.books import parse_book_config

from .conftest import TEACHER, refs_snapshot

BAD_PATHS = {
    "parent": ("books/loco/../../etc/passwd", PathOutsideBook),
    "absolute": ("/etc/passwd", PathOutsideBook),
    "backslash": ("books\\loco\\x.md", InvalidPath),
    "nul": ("books/loco/x\0.md", InvalidPath),
    "newline": ("books/loco/x\n.md", InvalidPath),
    "dot-git": ("books/loco/.git/config", InvalidPath),
    "dot-git-upper": ("books/loco/.GIT/hooks/pre-commit", InvalidPath),
    "dot-git-ntfs": ("books/loco/.git. /x", InvalidPath),
    "git-shortname": ("GIT~1/config", InvalidPath),
    "empty-component": ("books//x.md", InvalidPath),
    "option-like": ("-rf", InvalidPath),
    "dot": ("books/./x.md", PathOutsideBook),
}


@pytest.mark.parametrize("path,error", BAD_PATHS.values(), ids=BAD_PATHS.keys())
def test_bad_paths_are_refused_and_nothing_changes(lib, path, error):
    before = refs_snapshot(lib)
    with pytest.raises(error):
        lib.commit("main", [Write(path, "x")], TEACHER, "bad", base=OVERWRITE)
    assert refs_snapshot(lib) == before


def test_book_paths_cannot_leave_their_book():
    with pytest.raises(PathOutsideBook):
        book_path("loco", "../other/book.yml")
    with pytest.raises(InvalidPath):
        book_path("../loco", "x.md")
    assert book_path("loco", "chapters/a.md") == "books/loco/chapters/a.md"


def test_names_differing_only_by_case_or_normalisation_collide(lib):
    before = refs_snapshot(lib)
    with pytest.raises(PathCollision):
        lib.commit("main", [Write("books/loco/chapters/01-INTRO.md", "x")], TEACHER, "case", base=OVERWRITE)
    lib.commit("main", [Write("books/loco/assets/caf\u00e9.png", b"x")], TEACHER, "nfc", base=OVERWRITE)
    with pytest.raises(PathCollision):
        lib.commit("main", [Write("books/loco/assets/CAFE\u0301.png", b"y")], TEACHER, "nfd", base=OVERWRITE)
    assert lib.files("main", "books/loco/assets") == {"books/loco/assets/caf\u00e9.png": lib.files("main", "books/loco/assets")["books/loco/assets/caf\u00e9.png"]}
    del before


def test_symlinks_in_the_tree_are_never_followed(lib):
    # A symlink can only arrive through plain git; the library refuses to read or write through it.
    blob = subprocess.run(["git", "--git-dir", str(lib.path), "hash-object", "-w", "--stdin"], input=b"/etc",
                          capture_output=True, check=True).stdout.decode().strip()
    from materials.objects import SYMLINK, Entry
    tree = dict(lib.objects.tree(lib.tree_of("main")))
    tree["link"] = Entry(SYMLINK, blob)
    new_tree = lib.objects.write_tree(tree)
    person = TEACHER.person()
    sha = lib.objects.write_commit(new_tree, [lib.resolve("main")], person, person, "symlink")
    lib.refs.swap("refs/heads/main", sha, lib.resolve("main"))
    with pytest.raises(InvalidPath):
        lib.read("main", "link/passwd")
    with pytest.raises(InvalidPath):
        lib.commit("main", [Write("link/passwd", "x")], TEACHER, "through link", base=OVERWRITE)
    assert "link" not in lib.files("main")


@pytest.mark.parametrize("name", ["-x", "--upload-pack=evil", "a..b", "a b", "main.lock", "a/", "HEAD", "@{-1}", "x\0y", "a~1", "a:b", ""])
def test_option_like_and_invalid_branch_names_are_refused(lib, name):
    before = refs_snapshot(lib)
    with pytest.raises(InvalidRefName):
        lib.create_branch(name)
    with pytest.raises(InvalidRefName):
        lib.commit(name, [Write("x.md", "x")], TEACHER, "x", base=OVERWRITE)
    assert refs_snapshot(lib) == before


def test_option_like_revisions_are_not_found(lib):
    for rev in ("-x", "--all", "--output=/tmp/x", "refs/../../config", "refs/heads/../../HEAD", "main/../x", "a//b"):
        with pytest.raises(NotFound):
            lib.resolve(rev)


@pytest.mark.parametrize("author", [Author("", "a@b.c"), Author("x<y>", "a@b.c"), Author("x", "a\n@b"),
                                    Author("x", "a@b.c", "School Side")])
def test_malformed_authors_are_refused(lib, author):
    before = refs_snapshot(lib)
    with pytest.raises(InvalidAuthor):
        lib.commit("main", [Write("x.md", "x")], author, "x", base=OVERWRITE)
    assert refs_snapshot(lib) == before


def test_python_yaml_tags_are_refused():
    with pytest.raises(FrontMatterInvalid) as caught:
        parse_chapter("---\ntitle: !!python/object/apply:os.system [ls]\n---\n", "a.md")
    assert caught.value.line == 2
    with pytest.raises(BookInvalid):
        parse_book_config("title: !!python/name:os.system\n", "book.yml")


def test_yaml_alias_bombs_are_refused():
    bomb = "title: x\na: &a [1, 1]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(UnsafeYAML):
        from materials.yamlfile import load_yaml
        load_yaml(bomb, "book.yml")


def test_malformed_yaml_reports_its_line():
    with pytest.raises(BookInvalid) as caught:
        parse_book_config("title: x\nnavigation:\n  - part: [unclosed\n", "books/loco/book.yml")
    assert caught.value.path == "books/loco/book.yml" and caught.value.line is not None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_validated_paths_never_escape_or_touch_git(path):
    try:
        clean = validate_path(path)
    except InvalidPath:
        return
    parts = clean.split("/")
    assert not clean.startswith("/") and "\\" not in clean and "\0" not in clean
    assert all(p not in ("", ".", "..") for p in parts)
    assert all(p.casefold().rstrip(". ") != ".git" for p in parts)
    assert validate_path(clean) == clean


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["..", ".", ".git", ".Git", "a", "章节", "b.md", "", " x", "x "]), min_size=1, max_size=5))
def test_paths_built_from_dangerous_parts_are_refused_whenever_they_contain_one(parts):
    path = "/".join(parts)
    dangerous = any(p in ("..", ".", "", " x", "x ") or p.lower() == ".git" for p in parts)
    if dangerous:
        with pytest.raises(InvalidPath):
            validate_path(path)
    else:
        assert validate_path(path) == path
