"""In a real browser: a teacher opens a chapter that lives in a folder (``chapter_tree/binary_tree.md``),
pastes a picture and saves; the picture is linked from the chapter's folder and shows in the preview."""
from __future__ import annotations

import base64
import shutil

import pytest

from helpers import serving, wait_until
from materials import Author, Library, Write, parse_chapter
from server.app import create_app
from server.first_run import prepare_instance

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
NESTED = "chapter_tree/binary_tree.md"
PATH = f"books/{BOOK}/chapters/{NESTED}"
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@pytest.fixture(scope="module")
def nested_server(tmp_path_factory, starter_library):
    """The platform on a fresh instance whose book has a part in a folder, served on a free port."""
    tmp_path = tmp_path_factory.mktemp("nested-browser")
    library = tmp_path / "instance" / "library.git"
    shutil.copytree(starter_library, library)
    lib = Library(library)
    book_yml = lib.read_text("main", f"books/{BOOK}/book.yml")
    book_yml = book_yml.replace("navigation:\n", "navigation:\n  - part: 树\n    page: chapter_tree/index.md\n"
                                f"    chapters: [{NESTED}]\n", 1)
    lib.commit("main", [Write(f"books/{BOOK}/book.yml", book_yml),
                        Write(f"books/{BOOK}/chapters/chapter_tree/index.md", "---\ntitle: 树\n---\n\n本篇讲树。\n"),
                        Write(PATH, "---\ntitle: 二叉树\n---\n\n每个节点至多两个孩子。\n")],
               Author("Admin", "admin@college.example", "school"), "A part in a folder", base=lib.resolve("main"))
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "nested-browser-test"})
    _created, accounts = prepare_instance(app)
    with serving(app) as url:
        yield url, {a.username: a.password for a in accounts}, lib


def test_a_picture_pasted_into_a_chapter_in_a_folder_is_linked_from_that_folder_and_previewed(page, nested_server):
    url, passwords, lib = nested_server
    page.goto(f"{url}/login")
    page.fill("#username", "teacher")
    page.fill("#password", passwords["teacher"])
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/books/{BOOK}/chapters/{NESTED}/edit")
    if "/change-requests/new" in page.url:  # an author starts a change request first
        page.click("form:has(#cr-title) button[type=submit]")
        page.wait_for_url(f"**/chapters/{NESTED}/edit**")
    assert page.locator("#title").input_value() == "二叉树"
    page.wait_for_selector("#preview p")
    page.locator(".jb-visual p", has_text="每个节点").click()
    page.keyboard.press("End")
    page.evaluate("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'tree.png', {type: 'image/png'}));
        document.querySelector('.jb-visual .ProseMirror').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", PNG_B64)
    wait_until(page, "() => document.getElementById('body').value.includes('](../../assets/tree.png)')")
    page.wait_for_selector(f"#preview img[src^='/books/{BOOK}/assets/raw/tree.png']")
    page.wait_for_selector(f".jb-visual img[src^='/books/{BOOK}/assets/raw/tree.png']")  # the visual mode shows it
    page.click("#save")
    page.wait_for_selector(".flash-success")
    branch = next(b for b in lib.branches() if b.startswith("cr/"))
    _meta, text = parse_chapter(lib.read_text(branch, PATH), PATH)
    assert "](../../assets/tree.png)" in text
    assert lib.read(branch, f"books/{BOOK}/assets/tree.png") == base64.b64decode(PNG_B64)
