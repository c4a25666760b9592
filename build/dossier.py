"""The review dossier (送审材料) of a release: one PDF a committee reads without opening the platform.

Sections: the editors' statement (编写说明) from book.yml and the editors'
text; the authors and each side's share of the text, chapter by chapter
(the evidence of 校企双元 joint development); the alignment to each standard
by level, with its gaps; the changes since the previous edition; the
readers' feedback of the period (the 使用跟踪报告, handed in as plain data by
the platform, which holds it); and the signed review records of the release.

Everything comes from the library at the release tag (records from ``main``,
where they are kept), is written as JSON beside ``templates/print/dossier.typ``
and typeset by the print engine of ``build.pdf`` (the same Typst, the same
fonts). Authors' text is data in the template, never Typst markup.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from materials import MaterialsError, NotFound
from materials.authorship import UNKNOWN, text_by_author, text_share_by_side
from materials.coverage import coverage
from materials.review_records import RECORDS_DIR, split_record, verify

from .errors import BookNotFound
from .pdf import FONTS, TEMPLATE_DIR, typeset
from .pages import ChangeSummary
from .site import changes_since, previous_release, release_tag, side_labels

TEMPLATE = TEMPLATE_DIR / "dossier.typ"
CONCLUSIONS = {"passed": "通过", "resubmit": "重新送审", "rejected": "不予通过"}
VERDICTS = {"meets": "符合", "partly": "基本符合", "fails": "不符合"}
KINDS = {"error": "纠错", "suggestion": "建议", "question": "提问", "rating": "评分"}


@dataclass
class ReadersFeedback:
    """What readers sent about the book in the period (the platform's inbox, as plain data)."""

    since: str | None                  # YYYY-MM-DD, or None: from the first release
    until: str                         # YYYY-MM-DD
    by_kind: dict[str, int] = field(default_factory=dict)
    errors_fixed: int = 0              # errors closed by a merged change request
    questions_answered: int = 0
    average_rating: float | None = None
    items: list[dict[str, str]] = field(default_factory=list)   # {kind, chapter, text, state}


@dataclass
class DossierResult:
    path: Path
    pages: int
    duration: float
    data: dict[str, Any]


def dossier_data(lib, book: str, version: str, *, statement: str = "",
                 feedback: ReadersFeedback | None = None) -> dict[str, Any]:
    """Every figure and text of the dossier (also what a test compares with the dashboard's)."""
    tag = release_tag(book, version)
    try:
        commit = lib.resolve(tag)
        the_book = lib.book(book, commit)
    except NotFound:
        raise BookNotFound(f"no release {tag}", book=book, rev=tag) from None
    config = the_book.config
    sides = side_labels(lib, commit, "zh-CN")
    titles = {c.filename: c.meta.title for c in the_book.chapters}

    def side(key: str | None) -> str:
        return sides.get(key or "", "未注明" if not key or key == UNKNOWN else key)

    shares = text_share_by_side(lib, book, commit)
    authors = [{"name": a.name, "side": side(a.side), "lines": a.lines,
                "percent": round(100.0 * a.chars / max(1, sum(s.chars for s in shares.values())), 1)}
               for a in text_by_author(lib, book, commit)]
    chapters = []
    for chapter in the_book.chapters:
        rows: dict[str, int] = {}
        names: dict[str, str] = {}
        for line in lib.blame(commit, chapter.path):
            if not line.text.strip():
                continue
            rows[line.side or UNKNOWN] = rows.get(line.side or UNKNOWN, 0) + 1
            names.setdefault(line.author_name, side(line.side))
        total = sum(rows.values()) or 1
        chapters.append({"title": chapter.meta.title, "writers": [f"{n}（{s}）" for n, s in names.items()],
                         "shares": [{"side": side(k), "percent": round(100.0 * v / total, 1)}
                                    for k, v in sorted(rows.items(), key=lambda kv: -kv[1])]})

    standards = lib.standards(commit)
    cov = coverage(standards, config.standards, {c.filename: c.meta.standards for c in the_book.chapters})
    alignment = []
    for sid, sc in cov.standards.items():
        items = {i.key: i for i in standards[sid].items}
        alignment.append({"standard": sc.title, "id": sid, "levels": [{
            "label": level.label, "covered": level.covered, "total": level.total,
            "percent": None if level.percent is None else round(level.percent, 1),
            "gaps": [f"{items[k].code} {items[k].text}" if k in items else k for k in level.gaps()],
        } for level in sc.levels]})

    history = lib.log(commit, f"books/{book}", follow=False)
    earlier = previous_release(lib, book, commit, exclude=tag)   # not the release itself
    if earlier is None:
        summary, old_titles = ChangeSummary(previous=None), {}
    else:
        summary, old_titles = changes_since(lib, book, commit, release_tag(book, earlier[0]), history)
    changes = {"previous": summary.previous,
               "added": [titles.get(f, f) for f in summary.added],
               "removed": [old_titles.get(f, f) for f in summary.removed],
               "changed": [{"title": titles.get(f, f), "added": a, "removed": r} for f, a, r in summary.changed],
               "commits": [{"subject": (c.message or "").splitlines()[0] if c.message else c.sha[:8],
                            "author": c.author_name, "side": side(c.side)}
                           for c in summary.history[:40]]}

    return {
        "meta": {"title": config.title, "subtitle": config.subtitle or "", "edition": config.edition,
                 "version": version, "tag": tag, "commit": commit, "license": config.license,
                 "description": config.description or "", "statement": statement.strip(),
                 "institutions": [{"name": i.get("name", ""), "side": side(i.get("side"))}
                                  for i in config.institutions],
                 "editors": [{"name": e.get("name", ""), "role": e.get("role", ""), "side": side(e.get("side"))}
                             for e in config.editors],
                 "date": time.strftime("%Y-%m-%d", time.gmtime()), "fonts": list(FONTS)},
        "sides": [{"side": side(k), "lines": s.lines, "percent": round(s.percent, 1)} for k, s in shares.items()],
        "authors": authors,
        "chapters": chapters,
        "alignment": alignment,
        "changes": changes,
        "feedback": _feedback(feedback),
        "reviews": review_records(lib, book, version),
    }


def _feedback(feedback: ReadersFeedback | None) -> dict[str, Any] | None:
    if feedback is None:
        return None
    data = asdict(feedback)
    data["by_kind"] = [{"kind": KINDS.get(k, k), "count": n} for k, n in feedback.by_kind.items()]
    data["items"] = [{**item, "kind": KINDS.get(item.get("kind", ""), item.get("kind", ""))}
                     for item in feedback.items]
    return data


def review_records(lib, book: str, version: str) -> list[dict[str, Any]]:
    """The signed review records of ``version``, as the library keeps them on main."""
    out = []
    prefix = f"books/{book}/{RECORDS_DIR}/{version}"
    try:
        files = lib.files("main", prefix)
    except MaterialsError:
        return []
    for path in sorted(files, key=lambda p: int(p.rsplit("/", 1)[1].split(".")[0]) if p.rsplit("/", 1)[1]
                       .split(".")[0].isdigit() else 0):
        text = lib.read_text("main", path)
        signed, signatures = split_record(text)
        record = yaml.safe_load(signed) or {}
        meeting = record.get("meeting") or {}
        panel = {m.get("account"): m for m in record.get("panel") or []}
        out.append({
            "path": path, "number": (record.get("review") or {}).get("number"),
            "conclusion": CONCLUSIONS.get(record.get("conclusion"), record.get("conclusion") or ""),
            "date": meeting.get("date") or "", "minutes": meeting.get("minutes") or "",
            "tally": [{"conclusion": CONCLUSIONS.get(k, k), "votes": v} for k, v in (meeting.get("tally") or {}).items()],
            "panel": [{"name": m.get("name", ""), "institution": m.get("institution", ""),
                       "side": m.get("side", ""), "chair": bool(m.get("chair"))} for m in panel.values()],
            "readings": [{"name": (panel.get(r.get("account")) or {}).get("name", r.get("account", "")),
                          "verdicts": [f"{v.get('criterion')}：{VERDICTS.get(v.get('verdict'), v.get('verdict'))}"
                                       for v in r.get("verdicts") or []],
                          "opinion": r.get("opinion", "")} for r in record.get("readings") or []],
            "revisions": list(record.get("required_revisions") or []),
            "signatures": [{"name": (panel.get(s.get("account")) or {}).get("name", s.get("account", "")),
                            "at": s.get("signed_at", ""), "sha256": s.get("sha256", "")} for s in signatures],
            "verified": verify(text),
        })
    return out


def build_dossier(lib, book: str, version: str, out_path: str | Path, *, statement: str = "",
                  feedback: ReadersFeedback | None = None) -> DossierResult:
    """Typeset the dossier of ``<book>/v<version>`` into ``out_path`` (replaced when it succeeds)."""
    started = time.monotonic()
    data = dossier_data(lib, book, version, statement=statement, feedback=feedback)
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(prefix=".dossier-") as tmp:
        root = Path(tmp)
        shutil.copy(TEMPLATE, root / "dossier.typ")
        (root / "dossier.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        pdf, pages, _warnings = typeset(root / "dossier.typ", root)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.partial")
    partial.write_bytes(pdf)
    partial.replace(out_path)
    return DossierResult(out_path, pages, time.monotonic() - started, data)
