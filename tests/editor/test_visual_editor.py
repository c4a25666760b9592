"""The chapter editor's visual and source modes, in a real Chromium.

The editor bundle (server/static/vendor/editor) runs in a bare page (tests/editor/harness) served
by a small local server: the platform's static files plus Markdown rendering by the platform's one
pipeline (materials.rendering). What is checked is what an author would notice: opening a chapter
and switching modes changes no byte, and each edit writes exactly the Markdown it should.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import wait_until
from materials.frontmatter import split_front_matter

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "tests" / "editor_corpus").glob("*.md"))
STARTER = sorted((ROOT / "materials" / "starter" / "library" / "books").glob("*/chapters/**/*.md"))
BRAKE = ROOT / "materials/starter/library/books/locomotive-maintenance/chapters/03-brake-test.md"

_spec = importlib.util.spec_from_file_location("editor_harness", Path(__file__).parent / "harness" / "server.py")
harness_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness_server)


def textarea_text(path: Path) -> str:
    """A chapter's body as the chapter page's textarea holds it (HTML drops the newline that opens a textarea)."""
    _, body, _ = split_front_matter(path.read_text(encoding="utf-8"))
    return body[1:] if body.startswith("\n") else body


@pytest.fixture(scope="module")
def harness():
    with harness_server.serving() as base:
        yield base


@pytest.fixture
def editor(page, harness):
    """Open the harness; ``editor(text)`` starts the chapter editor over ``text`` and returns the page."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def start(text: str, person: str = "teacher"):
        page.goto(harness + "/")
        wait_until(page, "() => Boolean(window.JointbookEditor && window.harness && window.katex)")
        page.evaluate("([t, p]) => harness.start(t, {person: p})", [text, person])
        return page

    start.problems = problems
    yield start
    assert problems == [], "the page reported errors (a CSP violation is one)"


def markdown(page) -> str:
    return page.evaluate("harness.markdown()")


def field(page) -> str:
    return page.evaluate("harness.field()")


def mode(page, name: str) -> None:
    page.click(f"button.jb-mode[data-mode={name}]")
    expect(page.locator(f".jb-editor[data-mode={name}]")).to_be_visible()


def tool(page, name: str) -> None:
    page.click(f".md-toolbar button[data-md={name}]")


# ---------------------------------------------------------------------------------- round trip

@pytest.mark.parametrize("path", CORPUS + STARTER, ids=lambda p: p.parent.name + "/" + p.name)
def test_opening_switching_modes_and_saving_leaves_the_text_byte_identical(editor, path):
    text = textarea_text(path) if path in STARTER else path.read_text(encoding="utf-8")
    page = editor(text)
    expect(page.locator(".jb-visual .ProseMirror")).to_be_visible()
    assert markdown(page) == text
    assert field(page) == text
    mode(page, "source")
    assert markdown(page) == text
    assert field(page) == text
    mode(page, "visual")
    assert markdown(page) == text
    page.click("#save")
    wait_until(page, "() => window.submitted !== undefined")  # the form is sent after the editor writes it
    assert page.evaluate("window.submitted") == text


FUZZ = r"""([texts, seed, cases]) => {
  // Seeded, so a failure is repeatable: pieces of the corpus mixed with syntax characters.
  const ve = editor.editor('visual');
  const schema = ve.editor.schema;
  const EditorState = ve.editor.state.constructor;
  let state = seed;
  const rnd = (n) => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state % n; };
  const lines = texts.join('\n').split('\n');
  const bits = ['*', '**', '_', '`', '$', '\\', '|', '[', ']', '(', ')', '!', '#', '-', ' ', '    ', '\t', '==', '^', '~',
                '++', ':', '>', '<', '\n', '\n\n', '1. ', '- ', '!!! note', '=== "x"', '```', '$$', '{#a}', '[^1]', '字'];
  const typed = ['*', '_', '`', '$', '\\', '|', '[', ']', '!', '#', '-', ' ', '=', '^', '~', '+', ':', '<', 'a', '字', '1.', '**', '~~', '  '];
  const shown = (doc) => { const p = []; doc.descendants((n) => { if (n.isText) p.push(n.text); else if (n.type.name === 'escape') p.push(n.attrs.char);
    else if (n.isLeaf && n.isInline) p.push('<' + n.type.name + '>'); else if (n.isBlock) p.push('¶'); return true; }); return p.join('').replace(/¶+/g, '¶'); };
  const failures = [];
  for (let k = 0; k < cases; k++) {
    let text = '';
    for (let i = 0, n = 1 + rnd(12); i < n; i++) {
      text += rnd(3) === 0 ? bits[rnd(bits.length)] : lines[rnd(lines.length)] + '\n';
      if (rnd(4) === 0) { text += '    '.repeat(rnd(3)) + lines[rnd(lines.length)] + '\n'; }
    }
    const md = new JointbookEditor.BookMarkdown(schema);
    const doc = schema.nodeFromJSON(md.parse(text));
    md.adopt(doc);
    if (md.serialise(doc) !== text) { failures.push(['round trip', text]); continue; }
    // an edit (characters typed anywhere) is written so that it reads back as what the author sees
    let st = EditorState.create({ doc });
    const at = [];
    st.doc.descendants((n, p) => { if (n.isTextblock && n.type.name !== 'codeBlock') { for (let i = 0; i <= n.content.size; i++) { at.push(p + 1 + i); } } return true; });
    if (!at.length) { continue; }
    for (let e = 0, n = 1 + rnd(3); e < n; e++) { st = st.apply(st.tr.insertText(typed[rnd(typed.length)], Math.min(at[rnd(at.length)], st.doc.content.size))); }
    const out = md.serialise(st.doc);
    const again = schema.nodeFromJSON(new JointbookEditor.BookMarkdown(schema).parse(out));
    let before = 0, after = 0;
    st.doc.descendants((n) => { if (n.type.name === 'protected') { before++; } });
    again.descendants((n) => { if (n.type.name === 'protected') { after++; } });
    if (before === after && shown(st.doc) !== shown(again)) { failures.push(['edit', out]); }
  }
  return failures.slice(0, 3);
}"""


def test_any_mixture_of_the_corpus_round_trips_and_every_edit_reads_back_as_shown(editor):
    texts = [p.read_text(encoding="utf-8") for p in CORPUS] + [textarea_text(p) for p in STARTER]
    page = editor("")
    assert page.evaluate(FUZZ, [texts, 20261201, 2000]) == []


def test_the_starter_course_is_all_visual(editor):
    for path in STARTER:
        page = editor(textarea_text(path))
        expect(page.locator(".jb-visual .ProseMirror")).to_be_visible()
        assert page.locator(".md-protected").count() == 0, path.name


def test_constructs_the_visual_mode_cannot_show_are_protected_and_rendered_by_the_platform(editor):
    page = editor((ROOT / "tests/editor_corpus/05-images-html.md").read_text(encoding="utf-8"))
    protected = page.locator(".md-protected")
    expect(protected).to_have_count(7)  # grid cards div, details, comment, html table, quote, indented code, <p>
    details = protected.filter(has_text="HTML 的折叠块")
    expect(details.locator("details summary")).to_have_text("HTML 的折叠块")  # rendered, not shown as source
    expect(page.locator(".jb-visual figure.image-figure")).to_have_count(4)
    page.locator(".jb-visual .math-block").scroll_into_view_if_needed()
    expect(page.locator(".jb-visual .math-block .katex")).to_have_count(1)  # \begin{align}, typeset once on screen


def test_nested_constructs_are_shown_as_the_students_see_them(editor):
    page = editor((ROOT / "tests/editor_corpus/03-containers.md").read_text(encoding="utf-8"))
    box = page.locator(".jb-visual .admonition").filter(has_text="表后的段落。")
    expect(box.locator(".admonition-title-input")).to_have_value("表格在提示里")
    expect(box.locator("table td").filter(has_text="电子制动阀")).to_be_visible()
    expect(box.locator("table .math-inline .katex")).to_be_visible()
    tabs = page.locator(".jb-visual .md-tabs").first
    expect(tabs.locator("[role=tab]")).to_have_text(["学校视角", "企业视角", "紧挨着的标签"])
    expect(tabs.locator("ol li")).to_have_count(2)
    tabs.locator("[role=tab]", has_text="企业视角").click()
    expect(tabs.locator(".md-tab:visible .code-block code")).to_have_text('echo "手比、眼看、口呼"')
    expect(page.locator(".jb-visual .md-protected")).to_have_count(0)
    assert markdown(page) == (ROOT / "tests/editor_corpus/03-containers.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------- visual edits

def test_typing_in_a_paragraph_changes_only_that_paragraph(editor):
    text = textarea_text(BRAKE)
    page = editor(text)
    paragraph = page.locator(".jb-visual p", has_text="HXD3 型机车每轴装有单元制动器")
    paragraph.click(position={"x": 1, "y": 5})
    page.keyboard.press("Home")
    page.keyboard.type("新增：")
    expected = text.replace("HXD3 型机车每轴装有单元制动器", "新增：HXD3 型机车每轴装有单元制动器")
    assert markdown(page) == expected
    assert field(page) == expected


def test_typed_letters_take_the_marks_at_the_caret_and_replace_the_selection(editor):
    # the visual mode puts typed letters in itself, not through the browser (visual.js): they must
    # still carry the bold switched on, go where the caret is, and replace what is selected
    # (in a second paragraph: a caret put at the very start of the chapter within 200 ms of focusing
    # it is taken by ProseMirror for the browser resetting the selection, and moved back)
    page = editor("第一段。\n\n定压值为 500 kPa。\n")
    page.locator(".jb-visual p", has_text="定压值").click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Control+b")
    page.keyboard.type("（必须）")
    page.keyboard.press("Control+b")
    page.keyboard.type(" ok")
    for _ in range(len(" kPa（必须） ok")):
        page.keyboard.press("ArrowLeft")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowLeft")  # 500
    page.keyboard.type("600")
    page.keyboard.press("Home")
    page.keyboard.type("A")
    assert markdown(page) == "第一段。\n\nA定压值为 600 kPa**（必须）** ok。\n"
    page.keyboard.press("Control+z")
    assert "A" not in markdown(page), "undo takes back what was typed last"


def test_text_typed_over_a_selected_picture_takes_its_place_and_keeps_the_paragraphs_around(editor):
    # typed through an input method (no key press: Playwright inserts the text), which the browser
    # used to apply itself across the picture, merging the paragraphs on either side
    page = editor("第一段。\n\n![牵引电机](../assets/motor.png)\n\n第二段。\n")
    page.evaluate("""() => { const ve = editor.editor('visual'); let at = null;
      ve.editor.state.doc.descendants((n, offset) => { if (n.type.name === 'figure') { at = offset; } });
      ve.editor.commands.setNodeSelection(at); ve.editor.view.focus(); }""")
    page.keyboard.type("牵引")
    page.keyboard.type("ab")
    assert markdown(page) == "第一段。\n\n牵引ab\n\n第二段。\n"


def test_adding_a_table_row_writes_one_new_row_and_nothing_else(editor):
    text = textarea_text(BRAKE)
    page = editor(text)
    expect(page.locator(".md-toolbar button[data-md=addRow]")).to_be_hidden()
    page.locator(".jb-visual td", has_text="RIM").click()
    tool(page, "addRow")
    page.keyboard.press("ArrowDown")  # into the new row's first cell
    page.keyboard.type("BCU")
    page.keyboard.press("Tab")
    page.keyboard.type("制动控制单元")
    row = "| RIM | 继电器接口模块 | 连接机车控制电路，输出惩罚制动等信号 |"
    assert markdown(page) == text.replace(row, row + "\n| BCU | 制动控制单元 |  |")


def test_a_warning_inserted_from_the_toolbar_has_its_text_selected_to_be_typed_over(editor):
    page = editor("第一段。\n")
    page.locator(".jb-visual p").click()
    tool(page, "warning")
    page.keyboard.type("必须先停电、验电、接地。")
    assert markdown(page) == '第一段。\n\n!!! warning "警告"\n    必须先停电、验电、接地。\n'


def test_an_admonition_type_title_and_folding_are_changed_in_place(editor):
    page = editor('!!! note "注意"\n    内容。\n')
    box = page.locator(".jb-visual .admonition")
    box.locator("select").first.select_option("danger")
    box.locator("input.admonition-title-input").fill("危险：高压")
    box.locator("select").nth(1).select_option("???")
    assert markdown(page) == '??? danger "危险：高压"\n    内容。\n'


def test_a_formula_from_the_toolbar_is_typeset_and_written_as_dollar_math(editor):
    page = editor("制动距离为。\n")
    page.locator(".jb-visual p").click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    tool(page, "math")
    panel = page.locator(".atom-panel")
    expect(panel).to_be_visible()
    page.keyboard.type("S_z = S_k + S_e")
    expect(panel.locator(".atom-preview .katex")).to_be_visible()
    page.keyboard.press("Enter")
    expect(panel).to_be_hidden()
    expect(page.locator(".jb-visual .math-inline .katex")).to_be_visible()
    assert markdown(page) == "制动距离为$S_z = S_k + S_e$。\n"


def test_marks_lists_and_keys_from_the_toolbar(editor):
    page = editor("\n")
    page.locator(".jb-visual .ProseMirror").click()
    tool(page, "h2")
    page.keyboard.type("试验步骤")
    page.keyboard.press("Enter")
    tool(page, "ol")
    page.keyboard.type("按下")
    tool(page, "bold")
    page.keyboard.type("制动")
    tool(page, "bold")
    page.keyboard.type("按钮")
    page.keyboard.press("Enter")
    page.keyboard.type("水的化学式是 H")
    tool(page, "sub")
    page.keyboard.type("2")
    tool(page, "sub")
    page.keyboard.type("O，按 ")
    tool(page, "keys")
    page.keyboard.type("ctrl+s")
    page.keyboard.press("Enter")
    assert markdown(page) == "## 试验步骤\n\n1. 按下**制动**按钮\n2. 水的化学式是 H~2~O，按 ++ctrl+s++\n"


def test_a_table_pasted_from_a_spreadsheet_becomes_a_markdown_table(editor):
    page = editor("下表列出易损件：\n")
    page.locator(".jb-visual p").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    excel = ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>td {mso-number-format:General}</style></head>'
             '<body><table border=0 cellpadding=0 cellspacing=0 width=216><col width=72 span=3>'
             '<tr height=19><td height=19 class=xl65 width=72>部件</td><td class=xl65 width=72>数量</td><td width=72>周期</td></tr>'
             '<tr height=19><td height=19>闸瓦</td><td align=right>8</td><td>每月</td></tr>'
             '<tr height=19><td height=19>滤网 | 总风</td><td align=right>2</td><td>每季</td></tr></table></body></html>')
    page.evaluate("""html => {
        const data = new DataTransfer();
        data.setData('text/html', html);
        data.setData('text/plain', '部件\\t数量\\t周期');
        document.querySelector('.jb-visual .ProseMirror').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", excel)
    expect(page.locator(".jb-visual table td", has_text="闸瓦")).to_be_visible()
    assert markdown(page) == ("下表列出易损件：\n\n| 部件 | 数量 | 周期 |\n|---|---|---|\n| 闸瓦 | 8 | 每月 |\n"
                              "| 滤网 \\| 总风 | 2 | 每季 |\n")


def test_an_image_from_the_picker_gets_alt_text_width_and_a_line_of_its_own(editor, tmp_path):
    picture = tmp_path / "pantograph.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    page = editor("受电弓的结构如下。\n")
    page.locator(".jb-visual p").click()
    tool(page, "image")  # opens the file picker
    page.set_input_files("#image-file", str(picture))
    alt = page.locator(".jb-visual figure .figure-alt")
    expect(alt).to_be_focused()
    page.keyboard.type("受电弓结构示意图")
    page.locator(".jb-visual figure .figure-width").fill("300")
    page.locator(".jb-visual figure .figure-caption").fill("图 4-1 受电弓结构")
    assert markdown(page) == ('受电弓的结构如下。\n\n<figure markdown="span">\n  ![受电弓结构示意图](../assets/pantograph.png){ width="300" }\n'
                              '  <figcaption>图 4-1 受电弓结构</figcaption>\n</figure>\n')
    page.locator(".jb-visual figure .figure-caption").fill("")
    assert markdown(page) == '受电弓的结构如下。\n\n![受电弓结构示意图](../assets/pantograph.png){ width="300" }\n'


def test_a_link_to_another_chapter_is_picked_by_its_title(editor):
    page = editor("详见制动试验。\n")
    paragraph = page.locator(".jb-visual p")
    paragraph.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")  # 制动试验
    tool(page, "chapterLink")
    dialog = page.locator("dialog.jb-dialog")
    dialog.get_by_label("章节").select_option(label="受电弓的检查与维护")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog).to_have_count(0)
    assert markdown(page) == "详见[制动试验](parts/04-pantograph.md)。\n"


def test_a_footnote_and_a_definition_from_the_toolbar(editor):
    page = editor("定压\n")
    page.locator(".jb-visual p").click()
    page.keyboard.press("End")
    tool(page, "footnote")
    page.keyboard.type("以货物列车为例。")
    assert markdown(page) == "定压[^1]\n\n[^1]: 以货物列车为例。\n"
    page.locator(".jb-visual p", has_text="定压").first.click()
    tool(page, "deflist")
    page.keyboard.type("减压量")
    page.locator(".jb-visual dd p").click()
    page.keyboard.press("End")
    for _ in range(2):
        page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.type("列车管压力下降的数值")
    assert markdown(page) == "定压[^1]\n\n减压量\n:   列车管压力下降的数值\n\n[^1]: 以货物列车为例。\n"


def test_a_code_block_gets_its_language_in_place(editor):
    page = editor("命令如下：\n")
    page.locator(".jb-visual p").click()
    page.keyboard.press("End")
    tool(page, "code")
    page.keyboard.type('echo "ok"')
    page.locator(".jb-visual .code-language").fill("bash")
    assert markdown(page) == '命令如下：\n\n```bash\necho "ok"\n```\n'


def test_a_tab_is_added_and_titled_in_place(editor):
    text = '=== "学校视角"\n\n    原理。\n\n=== "企业视角"\n\n    程序。\n'
    page = editor(text)
    page.locator(".jb-visual .md-tabs-add").click()
    page.keyboard.type("考核要点。")
    title = page.locator(".jb-visual .md-tab:visible .md-tab-title")
    title.fill("考核视角")
    expect(page.locator(".jb-visual [role=tab]")).to_have_text(["学校视角", "企业视角", "考核视角"])
    assert markdown(page) == text + '\n=== "考核视角"\n\n    考核要点。\n'


def test_editing_a_heading_keeps_its_anchor(editor):
    text = "## 五步闸试验 {#five-step-test}\n\n正文。\n"
    page = editor(text)
    page.locator(".jb-visual h2").click(position={"x": 2, "y": 5})
    page.keyboard.press("Home")
    page.keyboard.type("制动机")
    assert markdown(page) == "## 制动机五步闸试验 {#five-step-test}\n\n正文。\n"


def test_a_picture_dropped_on_the_text_is_uploaded_and_placed(editor):
    page = editor("第一段。\n\n第二段。\n")
    target = page.locator(".jb-visual p", has_text="第一段。")
    box = target.bounding_box()
    page.evaluate("""([x, y]) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], 'motor.png', {type: 'image/png'}));
        const el = document.elementFromPoint(x, y);
        el.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true, clientX: x, clientY: y}));
    }""", [box["x"] + box["width"] - 2, box["y"] + box["height"] / 2])
    expect(page.locator(".jb-visual figure img")).to_be_visible()
    page.keyboard.type("牵引电机")
    assert markdown(page) == "第一段。\n\n![牵引电机](../assets/motor.png)\n\n第二段。\n"


def test_a_protected_block_is_edited_as_markdown_in_place_and_the_rest_is_kept(editor):
    text = (ROOT / "tests/editor_corpus/05-images-html.md").read_text(encoding="utf-8")
    page = editor(text)
    block = page.locator(".md-protected").filter(has_text="HTML 的折叠块")
    expect(block.locator("details")).to_be_attached()
    block.get_by_role("button", name="以 Markdown 编辑").click()
    source = block.locator("textarea")
    expect(source).to_be_focused()
    assert source.input_value() == "<details>\n<summary>HTML 的折叠块</summary>\n\n里面是 **Markdown**。\n\n</details>"
    page.keyboard.press("Control+End")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("End")
    page.keyboard.type("再加一句。")
    assert markdown(page) == text.replace("里面是 **Markdown**。", "里面是 **Markdown**。再加一句。")
    block.get_by_role("button", name="完成").click()
    expect(block.locator("details")).to_contain_text("再加一句。")


def test_the_bundle_carries_the_licence_of_every_package_in_it():
    """Checked without npm: the committed bundle was built from the locked versions, each with its licence."""
    import json
    lock = json.loads((ROOT / "frontend/package-lock.json").read_text())["packages"]
    notices = (ROOT / "server/static/vendor/editor/LICENSES.txt").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^- (@?[^@\s]+)@(\S+) — ", notices, re.M))
    for name in ("@tiptap/core", "prosemirror-view", "prosemirror-model", "prosemirror-tables", "@codemirror/view", "@lezer/markdown"):
        assert name in listed, name
    for name, version in listed.items():
        assert lock[f"node_modules/{name}"]["version"] == version, name
        assert notices.count(f"{name}@{version} — ") == 2  # in the list, then above its licence text
    assert "Permission is hereby granted" in notices


def test_the_harness_has_the_chapter_page_toolbar():
    """The tests drive the toolbar the chapter page has: the same buttons, in the same order."""
    def buttons(path: Path) -> list[tuple[str, str]]:
        return re.findall(r'data-md="(\w+)"(?: data-when="(\w+)")?', path.read_text(encoding="utf-8"))
    assert buttons(Path(__file__).parent / "harness" / "index.html") == buttons(ROOT / "templates/ui/editor/edit.html")


# ---------------------------------------------------------------------------------- source mode

def test_source_toolbar_selects_only_the_placeholder_so_typing_keeps_the_marks(editor):
    page = editor("")
    mode(page, "source")
    page.locator(".jb-source .cm-content").click()
    tool(page, "bold")
    page.keyboard.type("严禁")
    page.keyboard.press("End")
    tool(page, "h2")
    page.keyboard.type("安全提示")
    page.keyboard.press("End")
    tool(page, "warning")
    page.keyboard.type("先停电。")
    assert markdown(page) == '**严禁**\n\n## 安全提示\n\n!!! warning "警告"\n    先停电。\n'


def test_source_toolbar_wraps_the_selection(editor):
    page = editor("")
    mode(page, "source")
    page.locator(".jb-source .cm-content").click()
    page.keyboard.type("总风缸压力")
    page.keyboard.press("Shift+Home")
    tool(page, "mark")
    page.keyboard.press("End")
    page.keyboard.type("。")
    assert markdown(page) == "==总风缸压力==。"


def test_a_picture_in_source_mode_comes_after_a_blank_line_with_its_alt_text_to_type(editor, tmp_path):
    picture = tmp_path / "wheel.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    page = editor("轮对踏面检查：")
    mode(page, "source")
    page.locator(".jb-source .cm-content").click()
    page.keyboard.press("Control+End")
    tool(page, "image")
    page.set_input_files("#image-file", str(picture))
    expect(page.locator(".jb-source .cm-content")).to_contain_text("wheel.png")
    page.keyboard.type("轮对踏面")
    assert markdown(page) == "轮对踏面检查：\n\n![轮对踏面](../assets/wheel.png)\n"


# ---------------------------------------------------------------------------------- keyboard, modes

def test_the_toolbar_is_one_tab_stop_with_arrow_keys_inside(editor):
    page = editor("正文。\n")
    page.locator("button.jb-mode[data-mode=source]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.md") == "h2"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.md") == "h3"
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.dataset.md") == "image"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.md") == "h2"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Tab")  # out of the toolbar, into the text
    assert page.evaluate("document.activeElement.classList.contains('ProseMirror')")
    page.keyboard.press("Shift+Tab")  # back: to the button used last
    assert page.evaluate("document.activeElement.dataset.md") == "image"
    tabbable = page.evaluate("[...document.querySelectorAll('.md-toolbar button')].filter(b => b.tabIndex === 0).length")
    assert tabbable == 1
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_tab_goes_from_the_text_past_the_boxes_except_the_one_being_written_in(editor):
    page = editor('正文。\n\n!!! note "一"\n    甲。\n\n!!! tip "二"\n    乙。\n\n![图](../assets/a.png)\n\n- [ ] 任务\n')
    page.locator(".jb-visual p", has_text="正文。").click()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "save"
    page.locator(".jb-visual p", has_text="乙。").click()
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.closest('.admonition').textContent.includes('乙。')]")
    assert focused == ["SELECT", True]
    page.keyboard.press("Tab")
    expect(page.locator(".jb-visual .admonition-title-input").nth(1)).to_be_focused()


def test_a_new_author_starts_in_visual_mode_and_the_choice_is_remembered_per_person(editor, harness):
    page = editor("正文。\n", person="wang")
    expect(page.locator(".jb-editor[data-mode=visual]")).to_be_visible()
    expect(page.locator("button.jb-mode[data-mode=visual]")).to_have_attribute("aria-pressed", "true")
    mode(page, "source")
    editor("正文。\n", person="wang")
    expect(page.locator(".jb-editor[data-mode=source]")).to_be_visible()
    expect(page.locator(".jb-source .cm-content")).to_have_text("正文。")
    editor("正文。\n", person="li")
    expect(page.locator(".jb-editor[data-mode=visual]")).to_be_visible()


def test_text_changed_outside_the_editor_is_shown(editor):
    """A draft restored by the page sets the form field: both modes show it."""
    page = editor("旧的。\n")
    page.evaluate("""() => { const b = document.getElementById('body'); b.value = '恢复的 **草稿**。\\n';
                       b.dispatchEvent(new Event('input', {bubbles: true})); }""")
    expect(page.locator(".jb-visual strong")).to_have_text("草稿")
    assert markdown(page) == "恢复的 **草稿**。\n"
    mode(page, "source")
    assert markdown(page) == "恢复的 **草稿**。\n"


def test_only_edited_blocks_are_rewritten_when_the_text_has_unusual_spacing(editor):
    text = "段落一\n\n\n\n段落二  \n继续\n\n- a\n-   b\n\n|a|b|\n|-|-|\n|1|2|\n"
    page = editor(text)
    page.locator(".jb-visual p", has_text="段落一").click()
    page.keyboard.press("End")
    page.keyboard.type("！")
    assert markdown(page) == text.replace("段落一", "段落一！")
    page.locator(".jb-visual td", has_text="2").click()
    page.keyboard.press("End")
    page.keyboard.type("0")
    assert markdown(page) == text.replace("段落一", "段落一！").replace("|1|2|", "|1|20|")
    assert re.search(r"-   b", markdown(page))


# ------------------------------------------------------------------- runs of blocks

def paragraphs(n: int) -> str:
    return "\n\n".join(f"第{i}段。" for i in range(1, n + 1)) + "\n"


def test_blocks_in_runs_read_as_one_column_and_backspace_and_delete_reach_across_a_run(editor):
    # the visual document holds its blocks in runs of 16 (schema.js: chunk), for speed: the author
    # must not meet their edges, in the spacing or in the keys that join paragraphs
    text = paragraphs(40)
    page = editor(text)
    assert page.locator(".jb-visual .jb-chunk").count() == 3
    gaps = page.evaluate("""() => { const ps = [...document.querySelectorAll('.jb-visual .jb-chunk > p')];
      const r = (i) => ps[i].getBoundingClientRect(); return [r(15).top - r(14).bottom, r(16).top - r(15).bottom]; }""")
    assert gaps[0] == pytest.approx(gaps[1], abs=0.5), "the gap between the runs is the gap between any two paragraphs"
    page.locator(".jb-visual p", has_text="第17段。").click()
    page.keyboard.press("Home")
    page.keyboard.press("Backspace")  # the first paragraph of the second run joins the last of the first
    assert markdown(page) == text.replace("第16段。\n\n第17段。", "第16段。第17段。")
    page.keyboard.press("Control+z")
    assert markdown(page) == text, "one undo takes the join back"
    page.locator(".jb-visual p", has_text="第32段。").click()
    page.keyboard.press("End")
    page.keyboard.press("Delete")  # the last paragraph of a run takes in the first of the next
    page.keyboard.type("接上")
    assert markdown(page) == text.replace("第32段。\n\n第33段。", "第32段。接上第33段。")
    assert page.evaluate("harness.field()") == markdown(page)


def test_a_selection_across_runs_is_replaced_by_what_is_typed(editor):
    text = paragraphs(20)
    page = editor(text)
    page.locator(".jb-visual p", has_text="第15段。").click()
    page.keyboard.press("End")
    for _ in range(3):
        page.keyboard.press("Shift+ArrowDown")  # into the second run
    page.keyboard.type("新")
    out = markdown(page)
    assert out.startswith(paragraphs(14) + "\n第15段。新")
    assert out.endswith("第20段。\n") and "第16段。" not in out and "第17段。" not in out
