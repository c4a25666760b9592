"""An import report said in the reader's language: each entry of ``materials.imports`` by its code.

The converter words its entries in English with their ``params``; here each
code has its own translated sentence filled with the same params, so a
Chinese teacher reads the report in Chinese. An unknown code falls back to
the converter's own English message.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from server.errors import _Params

OUTCOME_LABELS = {"carried": _l("Carried over"), "changed": _l("Changed on the way"), "lost": _l("Could not come over")}

ENTRY_MESSAGES: dict[str, Any] = {
    "chapter": _l("Chapter “%(title)s” (%(filename)s)"),
    "chapter.untitled": _l("Text without a heading of level %(level)s above it became the chapter “%(title)s”"),
    "part": _l("The heading “%(title)s” became a part of the book"),
    "title.shortened": _l("The chapter title was shortened to %(limit)s characters"),
    "footnote.in_title": _l("A footnote in a chapter title was left out"),
    "heading.style": _l("Paragraphs of the style “%(style)s” became headings of level %(level)s (%(count)s)"),
    "heading.outline": _l("Paragraphs with outline level %(level)s became headings of level %(level)s (%(count)s)"),
    "style.plain": _l("The paragraph style “%(style)s” came over as plain paragraphs"),
    "toc": _l("The table of contents was left out: the book's site makes its own"),
    "tracked_changes": _l("%(count)s tracked change(s) were accepted"),
    "comments": _l("%(count)s comment(s) did not come over"),
    "page_headers": _l("Page headers and footers did not come over"),
    "formatting": _l("Fonts, colours, sizes and page layout did not come over: the book's theme sets them"),
    "admonition": _l("“%(style)s” paragraphs became a “%(kind)s” box"),
    "list.numbering": _l("A list numbered with letters or Roman numerals is numbered 1, 2, 3 in the book"),
    "list.start": _l("A numbered list that starts at %(start)s is numbered from 1 in the book"),
    "list.continued": _l("%(paragraphs)s paragraph(s) between numbered steps went into the step before them"),
    "table": _l("A table (%(columns)s columns)"),
    "table.html": _l("A table (%(columns)s columns) with merged cells or content Markdown cannot hold, written as an HTML table"),
    "equation": _l("A formula, as LaTeX: %(latex)s"),
    "equation.lost": _l("A formula could not be converted to LaTeX"),
    "equation.image": _l("A formula (an old equation object) was kept as a picture: it cannot become LaTeX"),
    "image": _l("Picture %(name)s with the description “%(alt)s”"),
    "image.no_alt": _l("Picture %(name)s has no description in the document: add one"),
    "image.lost": _l("A picture could not come over (%(format)s)"),
    "link.internal": _l("A cross-reference inside the document (“%(text)s”) came over as text"),
    "link.target": _l("A link to “%(url)s” was left out, its text kept"),
    # MkDocs projects
    "mkdocs.nav_invalid": _l("The nav of mkdocs.yml is not a list: the pages are in name order"),
    "mkdocs.redirects": _l("%(count)s old page address(es) lead to their chapters in the published site"),
    "mkdocs.redirect_lost": _l("The old address of %(file)s cannot be kept: its name cannot be a page of the published site"),
    "mkdocs.history": _l("%(count)s commit(s) of the project's history touched the docs: they are replayed with their authors, dates and messages"),
    "markdown.no_config": _l("There is no mkdocs.yml: the Markdown files are in name order, a part per folder"),
    "mkdocs.no_nav": _l("mkdocs.yml has no nav: the pages are in name order, a part per folder"),
    "mkdocs.not_in_nav": _l("%(file)s is not in the nav and was left out"),
    "mkdocs.nav_entry": _l("A nav entry that is neither a page nor a section was left out: %(entry)s"),
    "mkdocs.nav_nested": _l("The section “%(section)s” inside “%(part)s” was flattened into the part"),
    "mkdocs.nav_link": _l("The nav link “%(title)s” to %(url)s was left out"),
    "mkdocs.nav_missing": _l("The nav names %(file)s, which is not in the project"),
    "mkdocs.nav_twice": _l("%(file)s is in the nav twice: it was imported once"),
    "mkdocs.front_matter_invalid": _l("The front matter is not valid YAML and was left out"),
    "mkdocs.key_mapped": _l("The front matter key “%(key)s” became “%(to)s”"),
    "mkdocs.key_unknown": _l("The front matter key “%(key)s” is not part of a chapter's information and was left out"),
    "mkdocs.key_invalid": _l("The front matter key “%(key)s” has a value a chapter cannot hold and was left out"),
    "mkdocs.first_heading": _l("The page's first heading (“%(heading)s”) became the chapter's title"),
    "mkdocs.title_cleaned": _l("The title “%(original)s” is written “%(title)s”"),
    "mkdocs.snippets": _l("Snippets (--8<--) are not read by the book's pages: the line was kept as text"),
    "mkdocs.links": _l("%(count)s link(s) to other pages now lead to their chapters"),
    "mkdocs.images": _l("%(count)s picture(s) moved into the book's pictures"),
    "mkdocs.link_absolute": _l("The link %(url)s starts at the site's root and was kept as it is"),
    "mkdocs.link_outside": _l("The link %(url)s leads outside the docs folder and was kept as it is"),
    "mkdocs.link_not_imported": _l("The link %(url)s leads to a page that was not imported"),
    "mkdocs.file_unsupported": _l("%(file)s is neither a page nor a picture (.png, .jpg, .gif, .webp, .svg) and was left out; its link is kept"),
    "mkdocs.link_broken": _l("The link %(url)s leads to nothing in the project"),
    "mkdocs.image_renamed": _l("The picture %(file)s is stored as %(name)s: another picture has its name"),
    "mkdocs.page_failed": _l("%(file)s could not be imported"),
    "mkdocs.config": _l("The site settings of mkdocs.yml were not carried over (the platform writes the site's configuration from the book's settings): %(keys)s"),
    "mkdocs.renamed": _l("%(file)s is the chapter %(chapter)s: the book's chapter names are in ASCII letters and digits, at most four folders deep"),
    "mkdocs.part_page": _l("%(file)s is the own page of the part “%(part)s”"),
}


@dataclass(frozen=True)
class ReportRow:
    outcome: str
    code: str
    message: str
    where: str
    chapter: str | None


def entry_message(entry: dict[str, Any]) -> str:
    template = ENTRY_MESSAGES.get(entry["code"])
    if template is None:
        return entry["message"]
    params = dict(entry.get("params") or {})
    if "image" in params:
        params.setdefault("name", str(params["image"]).rsplit("/", 1)[-1])
    return str(template) % _Params({k: v for k, v in params.items() if v is not None})


def entry_place(entry: dict[str, Any]) -> str:
    place = entry.get("place") or {}
    parts = []
    if place.get("heading"):
        parts.append(f"“{place['heading']}”")
    if place.get("paragraph"):
        parts.append(str(_l("paragraph %(number)s", number=place["paragraph"])))
    if place.get("excerpt"):
        parts.append(f"“{place['excerpt']}”")
    return ", ".join(parts) or str(_l("whole document"))


def report_rows(report: dict[str, Any], outcome: str | None = None) -> list[ReportRow]:
    """The entries of a stored report (``ImportReport.to_dict()``), in the document's order."""
    return [ReportRow(e["outcome"], e["code"], entry_message(e), entry_place(e), (e.get("place") or {}).get("chapter"))
            for e in report.get("entries", []) if outcome is None or e["outcome"] == outcome]


def report_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown, for the change request's description: what a reviewer checks."""
    lines = []
    for outcome, label in OUTCOME_LABELS.items():
        rows = report_rows(report, outcome)
        if not rows:
            continue
        lines += ["", f"**{label}** ({len(rows)})", ""]
        lines += [f"- {row.message} — {row.where}" for row in rows]
    return "\n".join(lines).strip()
