"""A new book from a template: its ``book.yml`` and first chapters, written as one commit.

Two templates. ``classic``: a textbook of parts and chapters, each chapter
with objectives and a few sections to replace. ``workbook``: a loose-leaf
(活页式 / 工作手册式) book whose chapters are work tasks, written in the
sections of ``materials.tasks.TASK_SECTIONS``, with a record sheet and an
evaluation sheet in their ``task:`` front matter, so print renders them as
sheets. Everything written is read back through the library's own parsers
before the commit, so a template can never leave a broken book.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .books import DEFAULT_REVIEW, LANGUAGES, parse_book_config
from .changes import Author, Write
from .errors import BookExists, BookInvalid
from .frontmatter import FrontMatter, parse_chapter, serialize_chapter
from .paths import book_file_path, validate_book_slug
from .tasks import TASK_SECTIONS, Criterion, Evaluation, RecordSheet, Task
from .yamlfile import dump_yaml

TEMPLATES = ("classic", "workbook")
# Names a book may not take: the pages under /books/ use them.
RESERVED_SLUGS = frozenset({"new"})


@dataclass(frozen=True)
class NewBook:
    """What the person creating a book says about it."""

    slug: str
    title: str
    template: str = "classic"
    language: str = "zh-CN"
    license: str = "CC-BY-SA-4.0"
    edition: str = "1"
    subtitle: str | None = None
    school: str | None = None                       # the college, by name
    enterprises: tuple[str, ...] = field(default=())  # the partner enterprises, by name
    standards: tuple[str, ...] = field(default=())
    required: tuple[tuple[str, int], ...] | None = None  # approvals per side; None: the library's default policy


def _chinese(language: str) -> bool:
    return language.startswith("zh")


def _classic(book: NewBook) -> tuple[list[dict], dict[str, str]]:
    zh = _chinese(book.language)
    chapters = {
        "01-introduction.md": (
            FrontMatter(title="课程导入" if zh else "Introduction",
                        objectives=("能说明本课程的学习内容和要求",) if zh else
                        ("Explain what this course covers and what it asks of you",),
                        hours=2),
            "\n## 学习内容\n\n在这里写本章的正文。\n\n## 学习要求\n\n在这里写学习要求。\n" if zh else
            "\n## What you will learn\n\nWrite the chapter's text here.\n\n## What is asked of you\n\nWrite the requirements here.\n"),
        "02-first-chapter.md": (
            FrontMatter(title="第一章" if zh else "Chapter one",
                        objectives=("在这里写本章的学习目标",) if zh else ("Write the chapter's objectives here",)),
            "\n## 第一节\n\n在这里写正文。\n\n!!! tip \"提示\"\n    在这里写提示。\n" if zh else
            "\n## First section\n\nWrite the text here.\n\n!!! tip \"Tip\"\n    Write a tip here.\n"),
    }
    navigation = [{"part": "第一篇" if zh else "Part one", "chapters": list(chapters)}]
    return navigation, {name: serialize_chapter(meta, body) for name, (meta, body) in chapters.items()}


def _task_body() -> str:
    hints = {
        "任务描述": "说明本任务的工作情境和要完成的工作。",
        "学习目标": "列出完成本任务后能做到的事。",
        "任务准备": "列出工具、材料、安全措施和分组。",
        "实施步骤": "1. 第一步\n2. 第二步\n3. 第三步",
        "记录": "按记录表填写每一步的结果。",
        "评价": "按评价表自评、互评和师评。",
    }
    return "".join(f"\n## {section}\n\n{hints[section]}\n" for section in TASK_SECTIONS)


def _workbook(book: NewBook) -> tuple[list[dict], dict[str, str]]:
    task = Task(
        record=RecordSheet(columns=("步骤", "要求", "结果", "结论"), title="任务记录表"),
        evaluation=Evaluation(criteria=(Criterion("作业准备与安全", 20), Criterion("操作规范", 50),
                                        Criterion("记录完整", 20), Criterion("整理现场", 10)),
                              weights={"self": 20, "peer": 30, "teacher": 50}, title="任务评价表"),
    )
    chapters = {
        "01-task-1.md": FrontMatter(title="任务一" if _chinese(book.language) else "Task 1",
                                    objectives=("在这里写本任务的学习目标",), hours=4, task=task),
        "02-task-2.md": FrontMatter(title="任务二" if _chinese(book.language) else "Task 2",
                                    objectives=("在这里写本任务的学习目标",), hours=4, task=task),
    }
    navigation = [{"part": "项目一" if _chinese(book.language) else "Project 1", "chapters": list(chapters)}]
    return navigation, {name: serialize_chapter(meta, _task_body()) for name, meta in chapters.items()}


def new_book_files(book: NewBook) -> list[Write]:
    """``book.yml`` and the first chapters of ``book``, checked by the library's parsers."""
    slug = validate_book_slug(book.slug)
    if slug in RESERVED_SLUGS:
        raise BookExists(f"the name '{slug}' is reserved", path=f"books/{slug}", book=slug, reason="reserved")
    if book.template not in TEMPLATES:
        raise BookInvalid(f"unknown template '{book.template}' (allowed: {', '.join(TEMPLATES)})",
                          path=f"books/{slug}/book.yml", key="template", reason="template")
    if book.language not in LANGUAGES:
        raise BookInvalid(f"language must be one of {', '.join(LANGUAGES)}", path=f"books/{slug}/book.yml",
                          key="language", reason="language")
    navigation, chapters = (_workbook if book.template == "workbook" else _classic)(book)
    settings: dict = {"title": book.title.strip()}
    if book.subtitle and book.subtitle.strip():
        settings["subtitle"] = book.subtitle.strip()
    settings.update(language=book.language, license=book.license.strip() or "CC-BY-SA-4.0",
                    edition=str(book.edition).strip() or "1", standards=list(book.standards))
    institutions = ([{"name": book.school.strip(), "side": "school"}] if book.school and book.school.strip() else []) + \
        [{"name": name.strip(), "side": "enterprise"} for name in book.enterprises if name.strip()]
    if institutions:
        settings["institutions"] = institutions
    settings["navigation"] = navigation
    settings["review"] = {key: list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict)
                          else value for key, value in DEFAULT_REVIEW.items()}
    if book.required is not None:
        settings["review"]["required"] = dict(book.required)
    text = dump_yaml(settings)
    path = book_file_path(slug, f"books/{slug}/book.yml")
    parse_book_config(text, path)
    writes = [Write(path, text)]
    for name, chapter in chapters.items():
        chapter_path = book_file_path(slug, f"books/{slug}/chapters/{name}")
        parse_chapter(chapter, chapter_path)
        writes.append(Write(chapter_path, chapter))
    return writes


def create_book(lib, book: NewBook, author: Author, message: str | None = None) -> str:
    """Commit the new book on main as one commit by ``author``; its sha. ``BookExists`` when the name is taken."""
    writes = new_book_files(book)
    head = lib.resolve("main")
    if book.slug in lib.books(head):
        raise BookExists(f"a book named '{book.slug}' exists", path=f"books/{book.slug}", book=book.slug)
    saved = lib.commit("main", writes, author, message or f"Create the book {book.title.strip()}", base=head)
    return saved.sha
