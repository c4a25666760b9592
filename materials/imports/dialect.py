"""A pandoc document tree written as the book's Markdown dialect.

The books are read by Python-Markdown with the MkDocs Material extensions
(``materials.rendering``), not by pandoc, so pandoc's own Markdown writers do
not fit as they are: their footnotes, admonitions (none), wide tables, display
math and lettered lists are not that dialect, and text that the pymdownx
extensions read as syntax (``==``, ``~``, ``^``, ``++``, ``{…}``, a leading
``!!!``) is not escaped. So pandoc's strict Markdown writer (plus pipe tables
and dollar math, for their escaping) writes the plain parts, and what it
cannot say is written here around it: footnotes as ``[^n]`` definitions,
admonitions as ``!!! kind "title"`` with four-space-indented content, display
math as ``$$`` blocks, tables with merged or multi-paragraph cells as HTML
tables whose cells are Markdown again (``md_in_html``).

Every such part is a *piece*: all pieces of all chapters go to pandoc in one
run, each after a separator paragraph, and are put together afterwards by
replacing placeholder tokens with the pieces' text, indented like the token.
One run, because starting pandoc costs more than writing a chapter.
"""
from __future__ import annotations

import itertools
import re
import secrets
import subprocess

PANDOC_TIMEOUT = 120  # seconds, for one run
WRITER = "markdown_strict+four_space_rule+pipe_tables+tex_math_dollars"  # four spaces: Python-Markdown nests so

# Characters that a pymdownx extension of the book's dialect reads as syntax where pandoc's writer leaves them.
# A backslash too: pandoc's writer drops the character after one that precedes full-width punctuation (\，).
_ALWAYS = {"~": "\\~", "^": "\\^", "{": "\\{", "}": "\\}", "\\": "\\\\"}
_SPECIAL = re.compile(r"[~^{}\\]|={2,}|\+{2,}|&(?=#?[A-Za-z0-9]+;)")  # and "&amp;" that would read as an entity
# Openings of a line that a block syntax would take (admonition, details, definition, the [TOC] marker, a rule,
# a setext underline): their first character is written as an entity.
_OPENING = re.compile(r"^(?:!!!|\?\?\?|:|\[TOC\]|(?:-\s*){3,}$|=+\s*$|-+\s*$)")
_ENTITIES = {"!": "&#33;", "?": "&#63;", ":": "&#58;", "[": "&#91;", "-": "&#45;", "=": "&#61;"}


def raw(text: str) -> dict:
    return {"t": "RawInline", "c": ["markdown", text]}


def raw_block(text: str) -> dict:
    """Markdown written as it is; the final newline keeps a blank line before the next block."""
    return {"t": "RawBlock", "c": ["markdown", text.rstrip("\n") + "\n"]}


def stringify(inlines: list) -> str:
    """The plain text of inlines, as a reader sees it (footnotes left out)."""
    out: list[str] = []
    for x in inlines:
        t, c = x["t"], x.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t in ("Code", "Math"):
            out.append(c[1])
        elif t == "RawInline":
            continue
        elif t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            out.append(stringify(c))
        elif t == "Quoted":
            out.append("“" + stringify(c[1]) + "”")
        elif t in ("Span", "Cite"):
            out.append(stringify(c[1]))
        elif t in ("Link", "Image"):
            out.append(stringify(c[1]))
    return "".join(out)


def is_pipe_table(table: dict) -> bool:
    """Whether a pandoc table can be a Markdown pipe table: one header row, plain single-line cells, no spans."""
    _attr, _caption, _specs, head, bodies, foot = table["c"]
    head_rows = head[1]
    if len(head_rows) != 1 or foot[1]:
        return False
    rows = head_rows + [row for body in bodies for row in body[2] + body[3]]
    if any(body[1] or body[2] for body in bodies):  # row-head columns, intermediate head rows
        return False
    for row in rows:
        for cell in row[1]:
            _a, _align, rowspan, colspan, blocks = cell
            if rowspan != 1 or colspan != 1 or len(blocks) > 1:
                return False
            if blocks and (blocks[0]["t"] not in ("Plain", "Para") or not _pipe_safe(blocks[0]["c"])):
                return False
    return True


def _pipe_safe(inlines: list) -> bool:
    for x in inlines:
        t, c = x["t"], x.get("c")
        if t == "LineBreak" or t == "Note":
            return False
        if t in ("Math", "Code") and "|" in c[1]:
            return False  # a pipe would end the cell, and escaping it changes TeX (\| is ‖) and code
        if t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps") \
                and not _pipe_safe(c):
            return False
        if t in ("Span", "Link") and not _pipe_safe(c[1]):
            return False
    return True


class _Pieces:
    """The pieces of one pandoc run and how each is put together once written."""

    def __init__(self):
        self.nonce = secrets.token_hex(6)
        self.blocks: list[list] = []
        self.frames: list[tuple[str, str]] = []  # (text before the piece's own text, indentation of that text)

    def add(self, blocks: list, before: str = "", indent: str = "") -> int:
        self.blocks.append(blocks)
        self.frames.append((before, indent))
        return len(self.blocks) - 1

    def token(self, index: int) -> str:
        return f"JBPIECE{self.nonce}X{index}Z"

    def separator(self, index: int) -> str:
        return f"JBSEP{self.nonce}X{index}Z"


class _Chapter:
    def __init__(self, pieces: _Pieces):
        self.pieces = pieces
        self.notes: list[int] = []  # piece of footnote n+1
        self.body: int | None = None


def write_chapters(chapters: list[list], api_version: list, pandoc: str) -> list[str]:
    """The Markdown body of each chapter (a list of pandoc blocks), all written in one pandoc run."""
    pieces = _Pieces()
    states = []
    for blocks in chapters:
        chapter = _Chapter(pieces)
        body = _Writer(chapter).blocks(blocks)
        chapter.body = pieces.add(body)
        states.append(chapter)
    texts = _run(pieces, api_version, pandoc)
    resolved: dict[int, str] = {}

    def resolve(index: int) -> str:
        if index not in resolved:
            text = texts[index]
            for match in sorted(set(re.findall(rf"JBPIECE{pieces.nonce}X(\d+)Z", text)), key=int):
                text = _replace_token(text, pieces.token(int(match)), resolve(int(match)))
            before, indent = pieces.frames[index]
            if indent:
                text = "\n".join(indent + line if line else "" for line in text.split("\n"))
            resolved[index] = before + text
        return resolved[index]

    out = []
    for chapter in states:
        text = resolve(chapter.body).strip("\n")
        notes = [_footnote(n, resolve(piece)) for n, piece in enumerate(chapter.notes, start=1)]
        out.append("\n\n".join([text] + notes if text else notes) + "\n")
    return out


_LIST_MARKER = re.compile(r" *(?:[-*+]|\d+[.)]) +")


def _footnote(number: int, text: str) -> str:
    lines = text.strip("\n").split("\n")
    return "\n".join([f"[^{number}]: {lines[0]}"] + [("    " + line) if line else "" for line in lines[1:]])


def _replace_token(text: str, token: str, replacement: str) -> str:
    """``text`` with ``token`` replaced, every further line of the replacement indented like the token's line
    (or like the token itself, after a list item's marker: there the item's content starts)."""
    out = []
    for line in text.split("\n"):
        if token in line:
            before = line[:line.index(token)]
            indent = " " * len(before) if _LIST_MARKER.fullmatch(before) else line[:len(line) - len(line.lstrip(" "))]
            body = replacement.replace("\n", "\n" + indent)
            body = "\n".join(row.rstrip(" ") if not row.strip() else row for row in body.split("\n"))
            line = line.replace(token, body)
        out.append(line)
    return "\n".join(out)


def _run(pieces: _Pieces, api_version: list, pandoc: str) -> list[str]:
    import json

    blocks: list = []
    for index, piece in enumerate(pieces.blocks):
        blocks.append({"t": "Para", "c": [{"t": "Str", "c": pieces.separator(index)}]})
        blocks.extend(piece)
    document = {"pandoc-api-version": api_version, "meta": {}, "blocks": blocks}
    result = subprocess.run([pandoc, "+RTS", "-M2048m", "-RTS", "--sandbox", "--from", "json", "--to", WRITER,
                             "--wrap=none"], input=json.dumps(document).encode("utf-8"), capture_output=True,
                            timeout=PANDOC_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError("pandoc could not write Markdown: " + result.stderr.decode("utf-8", "replace")[:500])
    text = result.stdout.decode("utf-8")
    parts = re.split(rf"^JBSEP{pieces.nonce}X(\d+)Z$", text, flags=re.M)
    texts = [""] * len(pieces.blocks)
    for i in range(1, len(parts), 2):
        texts[int(parts[i])] = parts[i + 1].strip("\n")
    return texts


class _Writer:
    """One chapter's blocks in the form pandoc's writer turns into the dialect; pieces for the rest."""

    def __init__(self, chapter: _Chapter):
        self.chapter = chapter
        self.pieces = chapter.pieces

    # -- blocks --------------------------------------------------------------
    def blocks(self, blocks: list) -> list:
        out: list = []
        for block in blocks:
            written = self.block(block)
            if written and out and _is_list(out[-1]) and _is_list(written[0]):
                out.append(raw_block("<!-- -->"))  # Python-Markdown would join two adjacent lists into one
            out.extend(written)
        return out

    def block(self, block: dict) -> list:
        t, c = block["t"], block.get("c")
        if t in ("Para", "Plain"):
            return self.paragraph(t, c)
        if t == "Header":
            return [{"t": "Header", "c": [c[0], ["", [], []], self.inlines(c[2])]}]
        if t == "BulletList":
            return [{"t": t, "c": [self.blocks(item) for item in c]}]
        if t == "OrderedList":
            start = c[0][0]
            return [{"t": t, "c": [[start, {"t": "Decimal"}, {"t": "Period"}], [self.blocks(item) for item in c[1]]]}]
        if t == "BlockQuote":
            return [{"t": t, "c": self.blocks(c)}]
        if t == "CodeBlock":
            return [{"t": t, "c": [["", [], []], c[1]]}]
        if t == "HorizontalRule":
            return [block]
        if t == "LineBlock":
            return [{"t": "LineBlock", "c": [self.inlines(line) for line in c]}]
        if t == "Table":
            return self.table(c)
        if t == "Admonition":
            kind, title, inner = c
            title = title.replace('"', "＂")
            piece = self.pieces.add(self.blocks(inner), before=f'!!! {kind} "{title}"\n\n', indent="    ")
            return [raw_block(self.pieces.token(piece))]
        if t == "RawBlock" and c[0] == "markdown":
            return [block]
        if t == "Div":
            return self.blocks(c[1])
        return []

    def paragraph(self, t: str, inlines: list) -> list:
        """A paragraph; a display formula in it becomes a ``$$`` block of its own between the text around it."""
        out, run = [], []
        for x in inlines:
            if x["t"] == "Math" and x["c"][0]["t"] == "DisplayMath":
                if _has_text(run):
                    out.append({"t": t, "c": self.inlines(_trim(run), first=True)})
                out.append(raw_block("$$\n" + x["c"][1].strip() + "\n$$"))
                run = []
            else:
                run.append(x)
        if _has_text(run) or not out:
            out.append({"t": t, "c": self.inlines(_trim(run), first=True)})
        return out

    def table(self, c: list) -> list:
        attr, caption, specs, head, bodies, foot = c
        out = []
        caption_blocks = caption[1] if caption and len(caption) > 1 else []
        out.extend(self.blocks(caption_blocks))
        if is_pipe_table({"c": c}):
            specs = [[align, {"t": "ColWidthDefault"}] for align, _width in specs]

            def rows(rows):
                return [[["", [], []], [[["", [], []], cell[1], 1, 1, self.blocks(cell[4])] for cell in row[1]]]
                        for row in rows]

            bodies = [[["", [], []], 0, [], rows(body[3])] for body in bodies]
            out.append({"t": "Table", "c": [["", [], []], [None, []], specs, [["", [], []], rows(head[1])],
                                            bodies, [["", [], []], []]]})
            return out
        lines = ['<table markdown="1">']
        for tag, rows, cell_tag in (("thead", head[1], "th"),
                                    ("tbody", [r for body in bodies for r in body[2] + body[3]], "td"),
                                    ("tfoot", foot[1], "td")):
            if not rows:
                continue
            lines.append(f'<{tag} markdown="1">')
            for row in rows:
                lines.append('<tr markdown="1">')
                for cell in row[1]:
                    lines.append(self.html_cell(cell_tag, cell))
                lines.append("</tr>")
            lines.append(f"</{tag}>")
        lines.append("</table>")
        out.append(raw_block("\n".join(lines)))
        return out

    def html_cell(self, tag: str, cell: list) -> str:
        _attr, _align, rowspan, colspan, blocks = cell
        spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
        if not blocks:
            return f"<{tag}{spans}></{tag}>"
        if len(blocks) == 1 and blocks[0]["t"] in ("Plain", "Para") and not any(
                x["t"] == "Math" and x["c"][0]["t"] == "DisplayMath" for x in blocks[0]["c"]):
            piece = self.pieces.add([{"t": "Plain", "c": self.inlines(blocks[0]["c"], first=True)}])
            return f'<{tag}{spans} markdown="span">{self.pieces.token(piece)}</{tag}>'
        piece = self.pieces.add(self.blocks(blocks))
        return f'<{tag}{spans} markdown="block">\n\n{self.pieces.token(piece)}\n\n</{tag}>'

    # -- inlines -------------------------------------------------------------
    def inlines(self, inlines: list, *, first: bool = False) -> list:
        out: list = []
        for x in inlines:
            out.extend(self.inline(x))
        if first:
            for i, x in enumerate(out):
                if i == 0 or out[i - 1]["t"] == "LineBreak":
                    out[i:i + 1] = _line_start(out, i)
        return out

    def inline(self, x: dict) -> list:
        t, c = x["t"], x.get("c")
        if t == "Str":
            return _escape(c)
        if t in ("Space", "SoftBreak", "LineBreak"):
            return [x]
        if t in ("Emph", "Strong"):
            return [{"t": t, "c": self.inlines(c)}]
        if t == "Underline":
            return [raw("^^"), *self.inlines(c), raw("^^")]
        if t == "Strikeout":
            return [raw("~~"), *self.inlines(c), raw("~~")]
        if t in ("Superscript", "Subscript"):
            mark, tag = ("^", "sup") if t == "Superscript" else ("~", "sub")
            text = stringify(c)
            if text and all(y["t"] == "Str" for y in c) and not re.search(r"\s", text):
                return [raw(mark), *self.inlines(c), raw(mark)]
            return [raw(f"<{tag}>"), *self.inlines(c), raw(f"</{tag}>")]
        if t == "SmallCaps":
            return self.inlines(c)
        if t == "Quoted":
            left, right = ("‘", "’") if c[0]["t"] == "SingleQuote" else ("“", "”")
            return [{"t": "Str", "c": left}, *self.inlines(c[1]), {"t": "Str", "c": right}]
        if t == "Span":
            if "mark" in c[0][1]:
                return [raw("=="), *self.inlines(c[1]), raw("==")]
            return self.inlines(c[1])
        if t == "Cite":
            return self.inlines(c[1])
        if t == "Code":
            return [{"t": "Code", "c": [["", [], []], c[1]]}]
        if t == "Math":  # a display formula here (a heading, a table cell's line) is written in the line
            return [raw("$" + c[1] + "$")]
        if t == "Link":
            return [{"t": "Link", "c": [["", [], []], self.inlines(c[1]), c[2]]}]
        if t == "Image":
            return [{"t": "Image", "c": [["", [], []], _escape_all(c[1]), c[2]]}]
        if t == "Note":
            self.chapter.notes.append(-1)
            number = len(self.chapter.notes)
            self.chapter.notes[number - 1] = self.pieces.add(self.blocks(c))
            return [raw(f"[^{number}]")]
        if t == "RawInline" and c[0] == "markdown":
            return [x]
        return []


def clean_tex(tex: str) -> str:
    """pandoc's TeX of a formula as arithmatex and KaTeX read it.

    On one line; without a trailing control space (``\\ ``: before the closing
    ``$`` it would escape it); Chinese in ``\\text{}`` (KaTeX sets CJK in math
    mode only with a warning), unless the formula already has text parts.
    """
    tex = " ".join(tex.split())
    while re.search(r"(?<!\\)(?:\\\\)*\\$", tex):
        tex = tex[:-1].rstrip()
    if "\\text" not in tex:
        tex = _CJK.sub(lambda m: "\\text{" + m.group(0) + "}", tex)
    return tex


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")


def _escape(text: str) -> list:
    """A text run, with what the dialect's extensions would read as syntax escaped."""
    if not _SPECIAL.search(text):
        return [{"t": "Str", "c": text}]
    out: list = []
    at = 0
    for match in _SPECIAL.finditer(text):
        if match.start() > at:
            out.append({"t": "Str", "c": text[at:match.start()]})
        found = match.group(0)
        if found in _ALWAYS:
            out.append(raw(_ALWAYS[found]))
        elif found == "&":
            out.append(raw("&amp;"))
        else:
            out.append(raw("".join("\\" + ch for ch in found)))
        at = match.end()
    if at < len(text):
        out.append({"t": "Str", "c": text[at:]})
    return out


def _line_start(inlines: list, i: int) -> list:
    """The inline that starts a line, its first character an entity if the line would read as block syntax."""
    x = inlines[i]
    if x["t"] != "Str":
        return [x]
    rest = "".join(y["c"] if y["t"] == "Str" else " " if y["t"] == "Space" else "\0"
                   for y in itertools.takewhile(lambda y: y["t"] != "LineBreak", inlines[i:]))
    if not _OPENING.match(rest):
        return [x]
    text = x["c"]
    return [raw(_ENTITIES[text[0]])] + ([{"t": "Str", "c": text[1:]}] if text[1:] else [])


def _escape_all(inlines: list) -> list:
    return [y for x in inlines for y in (_escape(x["c"]) if x["t"] == "Str" else [x])]


def _is_list(block: dict) -> bool:
    return block["t"] in ("BulletList", "OrderedList")


def _has_text(inlines: list) -> bool:
    return any(x["t"] not in ("Space", "SoftBreak", "LineBreak") for x in inlines)


def _trim(inlines: list) -> list:
    while inlines and inlines[0]["t"] in ("Space", "SoftBreak", "LineBreak"):
        inlines = inlines[1:]
    while inlines and inlines[-1]["t"] in ("Space", "SoftBreak", "LineBreak"):
        inlines = inlines[:-1]
    return inlines
