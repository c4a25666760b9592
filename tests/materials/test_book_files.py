"""Which files a book holds, and how YAML from people is read: one rule each, in materials."""
from __future__ import annotations

import pytest

from materials import InvalidPath, PathOutsideBook, UnsafeYAML, YAMLInvalid
from materials.errors import InvalidChapterName
from materials.paths import asset_name, book_file_path, chapter_path, standard_file_path
from materials.standards.errors import StandardUnsafeYAML
from materials.standards.reading import parse_standard
from materials.yamlfile import MAX_YAML_DEPTH, load_yaml

BOOK = "loco"


@pytest.mark.parametrize("path", ["books/loco/book.yml", "books/loco/chapters/01-intro.md",
                                  "books/loco/chapters/a.b_c-d.md", "books/loco/chapters/chapter_tree/binary_tree.md",
                                  "books/loco/chapters/a/b/c/d/e.md", "books/loco/assets/brake-system.svg",
                                  "books/loco/assets/制动机.png"])
def test_a_books_settings_chapters_and_images_may_be_written(path):
    assert book_file_path(BOOK, path) == path


@pytest.mark.parametrize("path,error", [
    ("books/loco/chapters/.hidden.md", InvalidChapterName),
    ("books/loco/chapters/a/../b.md", InvalidChapterName),
    ("books/loco/chapters/a//b.md", InvalidChapterName),
    ("books/loco/chapters/.git/b.md", InvalidChapterName),
    ("books/loco/chapters/a/b/c/d/e/f.md", InvalidChapterName),
    ("books/loco/chapters/第一章/b.md", InvalidChapterName),
    ("books/loco/chapters/x.md/b.md", InvalidChapterName),
    ("books/loco/chapters/x.assets/b.md", InvalidChapterName),
    ("books/loco/chapters/Ｘ.md", InvalidChapterName),
    ("books/loco/chapters/．．/x.md", InvalidChapterName),
    ("books/loco/chapters/x\u200b.md", InvalidChapterName),
    ("books/loco/chapters/x.txt", InvalidChapterName),
    ("books/loco/．．/library.yml", PathOutsideBook),
    ("books/loco/assets/．．/x.svg", PathOutsideBook),
    ("books/loco/．git/config", InvalidPath),
    ("books/loco/assets/x／y.svg", InvalidPath),
    ("books/loco/assets/.x.svg", InvalidPath),
    ("books/loco/assets/Ｘ.svg", InvalidPath),
    ("books/loco/assets/x.html", InvalidPath),
    ("books/loco/notes.md", InvalidPath),
    ("books/loco/reviews/2026.yml", InvalidPath),
    ("books/other/book.yml", PathOutsideBook),
    ("library.yml", PathOutsideBook),
])
def test_anything_else_is_refused_with_the_reason(path, error):
    with pytest.raises(error):
        book_file_path(BOOK, path)


def test_the_chapter_endpoints_and_commits_share_the_chapter_rule():
    for name in (".hidden.md", "a//b.md", "Ｘ.md", "．．/x.md", "ａ/b.md", "a/-b.md", "a\\b.md", "/a/b.md",
                 "../a.md", "a/.git/b.md", "git~1/b.md", "a/b/c/d/e/f.md"):
        with pytest.raises(InvalidChapterName) as by_name:
            chapter_path(BOOK, name)
        with pytest.raises(InvalidChapterName) as by_path:
            book_file_path(BOOK, f"books/{BOOK}/chapters/{name}")
        assert by_name.value.params == by_path.value.params


def test_uploaded_image_names_are_made_safe_and_then_pass_the_rule():
    for uploaded, stored in (("Ｘ.PNG", "X.png"), ("../../.git.svg", "git.svg"), (".hidden.jpeg", "hidden.jpg"),
                             ("图（一）.png", "图-一.png"), ("C:\\photos\\闸瓦.webp", "闸瓦.webp")):
        assert asset_name(uploaded) == stored
        assert book_file_path(BOOK, f"books/{BOOK}/assets/{stored}")
    with pytest.raises(InvalidPath):
        asset_name("page.html")


def test_standard_files_lie_directly_in_standards():
    assert standard_file_path("standards/x@2026.yml") == "standards/x@2026.yml"
    for path in ("standards/sub/x.yml", "standards/x.txt", "standards/．．/x.yml", "other/x.yml"):
        with pytest.raises(InvalidPath):
            standard_file_path(path)


BOMB = "l0: &l0 [哈, 哈]\n" + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))


@pytest.mark.parametrize("text,reason", [
    (BOMB, "alias"),
    ("a: !!python/object/apply:os.system [ls]\n", "tag"),
    ("a: !custom x\n", "tag"),
    ("? !x key\n: v\n", "tag"),
    ("a: " + "[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1) + "\n", "too_deep"),
    ("a: " + "[" * 990 + "]" * 990 + "\n", "too_deep"),
])
def test_the_safe_loader_refuses_tags_aliases_and_deep_nesting_before_building_anything(text, reason):
    with pytest.raises(UnsafeYAML) as refused:
        load_yaml(text, "book.yml")
    assert refused.value.params["reason"] == reason and refused.value.path == "book.yml"


def test_the_safe_loader_refuses_documents_over_its_size_limit():
    with pytest.raises(YAMLInvalid) as refused:
        load_yaml("a: " + "长" * 1_000_000 + "\n", "book.yml")
    assert refused.value.params["reason"] == "too_large"


def test_a_standard_is_read_by_the_same_loader():
    for text in (BOMB, "id: " + "[" * 990 + "]" * 990 + "\n", "id: !x a@1\n"):
        with pytest.raises(StandardUnsafeYAML):
            parse_standard(text, "standards/x@1.yml")
