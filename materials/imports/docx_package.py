"""What a .docx's own XML says that pandoc's document tree does not.

Read with defusedxml (no entities, no DTDs) for these facts only; the text
itself is pandoc's:

- the outline level of every paragraph, from its own properties or its
  style's (LibreOffice and WPS mark headings so, WPS with numeric style ids
  that pandoc does not take for Heading styles; pandoc then reads them as body
  text or as numbered list items);
- which pictures are previews of old equation objects (Equation Editor,
  MathType, WPS's KSEE), which cannot become LaTeX;
- comments, tracked changes and page headers, which do not come over;
- the document's title from its properties.

The package is checked first: a zip within size limits, with a main document.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeElementTree

from .errors import DocxUnreadable

MAX_DOCX_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024   # all parts of the package, unpacked: a zip bomb stops here
MAX_PARTS = 20_000
EQUATION_OBJECTS = ("equation", "mathtype", "ksee")  # OLE ProgIDs: Equation.3, Equation.DSMT4, Equation.KSEE3
HEADING_NAME = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_V = "{urn:schemas-microsoft-com:vml}"
_O = "{urn:schemas-microsoft-com:office:office}"
_DC = "{http://purl.org/dc/elements/1.1/}"


@dataclass
class _Style:
    id: str
    name: str
    based_on: str | None
    outline: int | None     # 0-8, as Word stores it; 9 is body text


@dataclass
class DocxPackage:
    files: zipfile.ZipFile
    styles: dict[str, _Style] = field(default_factory=dict)
    outlined: dict[str, dict[int, int]] = field(default_factory=dict)  # text → {occurrence: heading level}
    equation_previews: set[str] = field(default_factory=set)          # media paths, relative to word/
    comments: int = 0
    tracked_changes: int = 0
    page_furniture: bool = False
    title: str | None = None

    @classmethod
    def read(cls, data: bytes) -> "DocxPackage":
        if not isinstance(data, (bytes, bytearray)) or not data:
            raise DocxUnreadable("the upload is empty", reason="empty")
        if data[:4] == b"\xd0\xcf\x11\xe0":
            raise DocxUnreadable("this is an old .doc or .wps file or a password-protected document; "
                                 "save it as .docx without a password", reason="legacy_or_encrypted")
        if len(data) > MAX_DOCX_BYTES:
            raise DocxUnreadable("the document is too large to import", reason="too_large", limit=MAX_DOCX_BYTES)
        try:
            files = zipfile.ZipFile(io.BytesIO(data))
            infos = files.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise DocxUnreadable("the file is not a .docx document", reason="not_docx") from None
        if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise DocxUnreadable("the document is too large to import", reason="too_large",
                                 limit=MAX_UNPACKED_BYTES)
        names = {i.filename for i in infos}
        if "word/document.xml" not in names:
            raise DocxUnreadable("the file is not a .docx document", reason="not_docx")
        package = cls(files)
        try:
            package._read_styles(names)
            package._read_document()
            package._read_extras(names)
        except (SafeElementTree.ParseError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise DocxUnreadable("the document is damaged and cannot be read", reason="damaged",
                                 detail=str(exc)[:200]) from None
        except Exception as exc:  # defusedxml's refusals (entities, DTDs) and zlib errors
            raise DocxUnreadable("the document is damaged and cannot be read", reason="damaged",
                                 detail=type(exc).__name__) from None
        return package

    def _xml(self, name: str):
        return SafeElementTree.fromstring(self.files.read(name))

    def _read_styles(self, names: set[str]) -> None:
        if "word/styles.xml" not in names:
            return
        for style in self._xml("word/styles.xml").iter(_W + "style"):
            if style.get(_W + "type") not in ("paragraph", None):
                continue
            sid = style.get(_W + "styleId") or ""
            name = style.find(_W + "name")
            based = style.find(_W + "basedOn")
            level = style.find(f"{_W}pPr/{_W}outlineLvl")
            self.styles[sid] = _Style(sid, name.get(_W + "val", sid) if name is not None else sid,
                                      based.get(_W + "val") if based is not None else None,
                                      _int(level.get(_W + "val")) if level is not None else None)

    def chain(self, style_id: str | None) -> list[_Style]:
        """The style and those it is based on, nearest first."""
        out, seen = [], set()
        while style_id and style_id in self.styles and style_id not in seen:
            seen.add(style_id)
            out.append(self.styles[style_id])
            style_id = self.styles[style_id].based_on
        return out

    def style_named(self, name: str) -> _Style | None:
        for style in self.styles.values():
            if style.name == name:
                return style
        return None

    def _style_outline(self, style_id: str | None) -> int | None:
        """The outline level (0-8) a paragraph style gives, by its own or an inherited setting or its name."""
        for style in self.chain(style_id):
            match = HEADING_NAME.match(style.name.strip())
            if match:
                return int(match.group(1)) - 1
            if style.outline is not None:
                return style.outline
        return None

    def heading_level_of_style(self, name: str) -> int | None:
        """The heading level a style gives its paragraphs, by name (标题 2, heading 2) or outline level."""
        style = self.style_named(name)
        chain = self.chain(style.id) if style else []
        for s in chain or [_Style(name, name, None, None)]:
            match = HEADING_NAME.match(s.name.strip())
            if match:
                return int(match.group(1))
            if s.outline is not None:
                return s.outline + 1 if 0 <= s.outline <= 8 else None
        return None

    def _read_document(self) -> None:
        root = self._xml("word/document.xml")
        seen: dict[str, int] = defaultdict(int)
        for p in root.iter(_W + "p"):
            key = paragraph_key("".join(t.text or "" for t in p.iter(_W + "t")))
            if not key:
                continue
            seen[key] += 1
            ppr = p.find(_W + "pPr")
            style_id = None
            direct = None
            if ppr is not None:
                ps = ppr.find(_W + "pStyle")
                style_id = ps.get(_W + "val") if ps is not None else None
                ol = ppr.find(_W + "outlineLvl")
                direct = _int(ol.get(_W + "val")) if ol is not None else None
            level = direct if direct is not None else self._style_outline(style_id)
            if level is not None and 0 <= level <= 8:
                self.outlined.setdefault(key, {})[seen[key]] = level + 1
        rels = self._relationships("word/_rels/document.xml.rels")
        for obj in root.iter(_W + "object"):
            ole = obj.find(f".//{_O}OLEObject")
            image = obj.find(f".//{_V}imagedata")
            if ole is None or image is None:
                continue
            if any(word in (ole.get("ProgID") or "").lower() for word in EQUATION_OBJECTS):
                target = rels.get(image.get(_R + "id") or "")
                if target:
                    self.equation_previews.add(target)
        self.tracked_changes = sum(1 for _ in root.iter(_W + "ins")) + sum(1 for _ in root.iter(_W + "del"))

    def _relationships(self, name: str) -> dict[str, str]:
        try:
            root = self._xml(name)
        except KeyError:
            return {}
        return {r.get("Id"): (r.get("Target") or "").lstrip("/").removeprefix("word/")
                for r in root.iter(_REL + "Relationship") if r.get("TargetMode") != "External"}

    def _read_extras(self, names: set[str]) -> None:
        if "word/comments.xml" in names:
            self.comments = sum(1 for _ in self._xml("word/comments.xml").iter(_W + "comment"))
        for name in names:
            if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                if any((t.text or "").strip() for t in self._xml(name).iter(_W + "t")):
                    self.page_furniture = True
                    break
        if "docProps/core.xml" in names:
            title = self._xml("docProps/core.xml").find(_DC + "title")
            if title is not None and (title.text or "").strip():
                self.title = title.text.strip()

    def media(self, source: str) -> bytes | None:
        """The bytes of an image pandoc names ``media/x.png`` (relative to ``word/``)."""
        for name in (f"word/{source}", source):
            try:
                return self.files.read(name)
            except KeyError:
                continue
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def paragraph_key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))
