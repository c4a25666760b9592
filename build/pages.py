"""The pages the platform writes into every site.

Home, standards alignment, contributors and changes since the previous
release. They are Markdown files with HTML blocks; every value that comes
from authors or standards is escaped here, and the hooks sanitize the result
like any chapter.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from materials.coverage import Coverage

from .contributors import Contributors
from .downloads import DOWNLOADS_DIR, Download

GENERATED_DIR = "jointbook"  # = config.GENERATED_DIR, where these pages go

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~^=])")


def e(value: Any) -> str:
    return html.escape(str(value if value is not None else ""), quote=True)


def heading(value: Any) -> str:
    """Text safe inside a Markdown heading (escaped for HTML and for Markdown)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False).replace("\n", " "))


def chapter_href(filename: str) -> str:
    """Link from a generated page (one folder deep) to a chapter."""
    return "../chapters/" + e(filename[:-3] + ".html")


T = {
    "zh": {
        "edition": "版次", "license": "许可", "parts": "目录", "hours": "学时", "objectives": "学习目标",
        "alignment": "标准对标", "level": "等级", "skills": "技能要求", "knowledge": "相关知识要求",
        "coverage": "覆盖率", "weighted": "加权覆盖率", "gaps": "未覆盖条目", "none": "无",
        "matrix": "章节 × 标准条目", "item": "条目", "chapters": "覆盖章节", "covered": "已覆盖",
        "missing": "未覆盖", "unknown_std": "教材声明了资料库中没有的标准",
        "contributors": "编写团队", "commits": "提交", "wrote": "编写的章节", "reviewed": "审阅",
        "unknown_side": "未标明", "changes": "版本变化", "since": "自上一版本",
        "first": "这是本教材的第一个发布版本。", "added": "新增章节", "removed": "删除章节",
        "changed": "修改章节", "renamed": "更名章节", "config": "教材设置（book.yml）已修改。",
        "assets": "图片与媒体文件变化", "history": "修改记录", "no_changes": "与上一版本相比没有内容变化。",
        "summary": "本版新增 {a} 章，删除 {r} 章，修改 {c} 章。", "lines": "（+{add} / −{rem} 行）",
        "table": {"skill": "技能", "knowledge": "知识"},
    },
    "en": {
        "edition": "Edition", "license": "License", "parts": "Contents", "hours": "Hours",
        "objectives": "Objectives", "alignment": "Standards alignment", "level": "Level",
        "skills": "Skills", "knowledge": "Knowledge", "coverage": "Coverage", "weighted": "Weighted",
        "gaps": "Items not covered", "none": "none", "matrix": "Chapters × standard items", "item": "Item",
        "chapters": "Chapters", "covered": "covered", "missing": "missing",
        "unknown_std": "The book declares standards missing from the library",
        "contributors": "Contributors", "commits": "commits", "wrote": "Chapters", "reviewed": "reviews",
        "unknown_side": "Side not recorded", "changes": "Changes", "since": "Since",
        "first": "This is the first release of this book.", "added": "Chapters added",
        "removed": "Chapters removed", "changed": "Chapters changed", "renamed": "Chapters renamed",
        "config": "The book settings (book.yml) changed.", "assets": "Images and media changed",
        "history": "History", "no_changes": "No change in content since the previous release.",
        "summary": "{a} chapter(s) added, {r} removed, {c} changed.", "lines": " (+{add} / −{rem} lines)",
        "table": {"skill": "skill", "knowledge": "knowledge"},
    },
}

DOWNLOAD_TEXT = {
    "zh": {"title": "下载", "intro": "本教材 {version} 版可以下载：印刷版 PDF 供打印，书中的二维码通向本网站的对应页面；"
                                    "EPUB 供手机和电子阅读器离线阅读。",
           "tasks": "活页任务单按工作任务分页编号，可单独打印装订。",
           "note": "下载文件在版本发布后生成，可能需要几分钟；尚未生成的文件会注明。"},
    "en": {"title": "Download", "intro": "Version {version} of this book can be downloaded: the printed book as a PDF, "
                                         "whose QR codes lead to the pages of this site, and an EPUB for phones and "
                                         "e-readers.",
           "tasks": "The loose-leaf task sheets are numbered per work task, to be printed and filed one by one.",
           "note": "The files are made after the version is published, which may take a few minutes; "
                   "a file not made yet says so."},
}


def downloads_page(book: str, version: str, downloads: list[Download], lang: str) -> str:
    """A release's downloads, linked where the release's jobs put them (``build.downloads``).

    The files come after the site, so the page cannot know their sizes: the
    site's script asks the server for each one and says which are not there yet.
    """
    t = DOWNLOAD_TEXT[lang]
    out = [f"# {t['title']}", "", f"<p>{e(t['intro'].format(version=version))}</p>", ""]
    if any(d.format == "sheets" for d in downloads):
        out += [f"<p>{e(t['tasks'])}</p>", ""]
    out.append('<ul class="jb-downloads">')
    for d in downloads:
        href = f"../{DOWNLOADS_DIR}/{d.filename(book, version)}"
        out.append(f'<li><a class="jb-download" href="{e(href)}">{e(d.label(lang == "zh"))}</a> '
                   f'<span class="jb-download-size"></span></li>')
    out += ["</ul>", "", f'<p class="jb-download-note">{e(t["note"])}</p>', ""]
    return "\n".join(out) + "\n"


MATRIX_COLUMNS = 30  # beyond this many chapters the matrix lists chapters per item instead


def home_page(config: Any, chapters: list[Any], lang: str, downloads: list[Download] | None = None) -> str:
    """The site's first page; a release's also leads to its downloads."""
    t = T[lang]
    out = [f"# {heading(config.title)}", ""]
    if getattr(config, "subtitle", None):
        out += [f'<p class="jb-subtitle">{e(config.subtitle)}</p>', ""]
    if getattr(config, "description", None):
        out += [f"<p>{e(config.description)}</p>", ""]
    out += [f'<p class="jb-meta">{t["edition"]}: {e(config.edition)} · {t["license"]}: {e(config.license)}</p>', ""]
    if downloads:
        kinds = " / ".join(dict.fromkeys(d.suffix.rsplit(".", 1)[-1].upper() for d in downloads))
        out += [f'<p class="jb-download-link"><a href="{GENERATED_DIR}/downloads.html">{DOWNLOAD_TEXT[lang]["title"]} '
                f'{e(kinds)}</a></p>', ""]
    out += [f"## {t['parts']}", ""]
    by_file = {c.filename: c for c in chapters}
    for part in config.navigation:
        own = by_file.get(part.page or "")  # the part's own page: its title leads to it
        title = f'<a href="chapters/{e(own.filename[:-3])}.html">{heading(part.title)}</a>' if own \
            else heading(part.title)
        out += [f"### {title}", "", "<ul>"]
        for name in part.chapters:
            chapter = by_file.get(name)
            if chapter is None:
                continue
            meta = chapter.meta
            extra = f' <small>({t["hours"]}: {e(meta.hours)})</small>' if meta.hours else ""
            summary = f"<br><small>{e(meta.summary)}</small>" if meta.summary else ""
            out.append(f'<li><a href="chapters/{e(name[:-3])}.html">{e(meta.title)}</a>{extra}{summary}</li>')
        out += ["</ul>", ""]
    return "\n".join(out) + "\n"


def alignment_page(cov: Coverage, standards: Mapping[str, Any], chapters: list[Any], lang: str) -> str:
    t = T[lang]
    out = [f"# {t['alignment']}", ""]
    if cov.unknown_standards:
        out += [f'<p class="jb-warning">{t["unknown_std"]}: {e(", ".join(cov.unknown_standards))}</p>', ""]
    titles = {c.filename: c.meta.title for c in chapters}
    order = [c.filename for c in chapters]
    for sid, sc in cov.standards.items():
        std = standards[sid]
        items = std.by_key() if callable(getattr(std, "by_key", None)) else {i.key: i for i in std.items}
        out += [f"## {heading(std.title)}", "", f'<p class="jb-meta">{e(sid)}</p>', ""]
        out += ['<table class="jb-coverage">', "<thead><tr>"
                f"<th>{t['level']}</th><th>{t['skills']}</th><th>{t['knowledge']}</th>"
                f"<th>{t['coverage']}</th><th>{t['weighted']}</th></tr></thead><tbody>"]
        for lv in sc.levels:
            s_tot = len(lv.skills_covered) + len(lv.skills_missing)
            k_tot = len(lv.knowledge_covered) + len(lv.knowledge_missing)
            pct = "—" if lv.percent is None else f"{lv.percent:.0f}%"
            weighted = "，".join(f"{e(t['table'].get(k, k))} {v:.0f}%" for k, v in lv.weighted.items()) or "—"
            out.append(f'<tr data-level="{e(lv.level)}"><td>{e(lv.label)}</td>'
                       f"<td>{len(lv.skills_covered)}/{s_tot}</td><td>{len(lv.knowledge_covered)}/{k_tot}</td>"
                       f"<td>{pct}</td><td>{weighted}</td></tr>")
        out += ["</tbody></table>", ""]
        for lv in sc.levels:
            gaps = lv.gaps() if callable(getattr(lv, "gaps", None)) else lv.skills_missing + lv.knowledge_missing
            out += [f"### {t['gaps']} · {heading(lv.label)}", ""]
            if not gaps:
                out += [f"<p>{t['none']}</p>", ""]
                continue
            out.append(f'<ul class="jb-gaps" data-level="{e(lv.level)}">')
            for key in gaps:
                item = items.get(key)
                label = f"{e(item.code)} {e(item.text)}" if item else e(key)
                out.append(f'<li data-item="{e(key)}"><code>{e(key)}</code> {label}</li>')
            out += ["</ul>", ""]
        out += [f"### {t['matrix']}", ""]
        wide = len(order) > MATRIX_COLUMNS
        head = "".join(f'<th title="{e(titles[f])}"><a href="{chapter_href(f)}">{n}</a></th>'
                       for n, f in enumerate(order, 1)) if not wide else f"<th>{t['chapters']}</th>"
        out += ['<table class="jb-matrix">', f"<thead><tr><th>{t['item']}</th>{head}</tr></thead><tbody>"]
        for item in std.items:
            if item.kind not in ("S", "K"):
                continue
            chapters_of = cov.by_item.get((sid, item.key), [])
            state = "covered" if chapters_of else "missing"
            cell = f'<td title="{e(item.text)}"><code>{e(item.key)}</code> {e(item.code)} {e(item.text)}</td>'
            if wide:
                links = "、".join(f'<a href="{chapter_href(f)}">{e(titles.get(f, f))}</a>' for f in chapters_of)
                cols = f"<td>{links or '—'}</td>"
            else:
                cols = "".join(f'<td class="jb-{"yes" if f in chapters_of else "no"}">'
                               f'{"✓" if f in chapters_of else ""}</td>' for f in order)
            out.append(f'<tr class="jb-{state}" data-item="{e(item.key)}">{cell}{cols}</tr>')
        out += ["</tbody></table>", ""]
    return "\n".join(out) + "\n"


def contributors_page(people: Contributors, sides: Mapping[str, str], titles: Mapping[str, str],
                      lang: str) -> str:
    t = T[lang]
    out = [f"# {t['contributors']}", ""]
    grouped = people.sides()
    order = [s for s in sides if s in grouped] + [s for s in grouped if s not in sides]
    for side in order:
        label = sides.get(side) if side else t["unknown_side"]
        out += [f"## {heading(label or side)}", "", f'<ul class="jb-people" data-side="{e(side or "")}">']
        for p in grouped[side]:
            chapters = "、".join(f'<a href="{chapter_href(c)}">{e(titles[c])}</a>'
                                 for c in sorted(p.chapters) if c in titles)
            facts = [f"{p.commits} {t['commits']}"] if p.commits else []
            if p.reviewed:
                facts.append(f"{p.reviewed} {t['reviewed']}")
            out.append(f"<li><strong>{e(p.name)}</strong> <small>{'，'.join(facts)}</small>"
                       + (f"<br>{t['wrote']}: {chapters}" if chapters else "") + "</li>")
        out += ["</ul>", ""]
    return "\n".join(out) + "\n"


@dataclass
class ChangeSummary:
    previous: str | None                       # previous release version, None for the first
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, int, int]] = field(default_factory=list)   # file, +lines, -lines
    renamed: list[tuple[str, str]] = field(default_factory=list)
    config_changed: bool = False
    assets: list[str] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)                   # CommitInfo, newest first


def changes_page(ch: ChangeSummary, titles: Mapping[str, str], old_titles: Mapping[str, str],
                 sides: Mapping[str, str], lang: str) -> str:
    t = T[lang]
    out = [f"# {t['changes']}", ""]
    if ch.previous is None:
        return "\n".join(out + [f"<p>{t['first']}</p>", ""]) + "\n"
    out += [f'<p class="jb-meta">{t["since"]} <strong>{e(ch.previous)}</strong></p>', ""]
    nothing = not (ch.added or ch.removed or ch.changed or ch.renamed or ch.config_changed or ch.assets)
    if nothing:
        return "\n".join(out + [f"<p>{t['no_changes']}</p>", ""]) + "\n"
    out += [f'<p class="jb-summary">{e(t["summary"].format(a=len(ch.added), r=len(ch.removed), c=len(ch.changed)))}</p>', ""]
    if ch.config_changed:
        out += [f"<p>{t['config']}</p>", ""]

    def section(title: str, rows: list[str], kind: str) -> None:
        if rows:
            out.extend([f"## {title}", "", f'<ul class="jb-{kind}">', *rows, "</ul>", ""])

    section(t["added"], [f'<li><a href="{chapter_href(f)}">{e(titles.get(f, f))}</a></li>' for f in ch.added], "added")
    section(t["removed"], [f"<li>{e(old_titles.get(f, f))} <small>({e(f)})</small></li>" for f in ch.removed], "removed")
    section(t["renamed"], [f'<li>{e(old)} → <a href="{chapter_href(new)}">{e(titles.get(new, new))}</a></li>'
                           for old, new in ch.renamed], "renamed")
    section(t["changed"], [f'<li><a href="{chapter_href(f)}">{e(titles.get(f, f))}</a>'
                           f'{e(t["lines"].format(add=a, rem=r))}</li>' for f, a, r in ch.changed], "changed")
    section(t["assets"], [f"<li><code>{e(a)}</code></li>" for a in ch.assets], "assets")
    rows = []
    for c in ch.history:
        side = sides.get(c.side, c.side) if c.side else ""
        rows.append(f"<li>{e(c.authored_at.date().isoformat())} · {e(c.summary)} "
                    f"<small>— {e(c.author_name)}{' (' + e(side) + ')' if side else ''}</small></li>")
    section(t["history"], rows, "history")
    return "\n".join(out) + "\n"
