"""Checks that run on every new head of a change request.

A check reads the book at one revision (and, for comparisons, at the base
the change request started from) and reports findings that point at a file
and line, so the page can link straight to the mistake. ``front-matter`` and
``alignment`` live here; the server registers ``build`` (build/ is not
importable from review/).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from materials import Library, MaterialsError, NotFound, parse_chapter
from materials.books import parse_book_config
from materials.coverage import coverage
from materials.standards.editions import superseded_by
from materials.validation import validate_book

from review.errors import PolicyInvalid
from review.policy import ReviewPolicy

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One problem: where (path, 1-based line or None), what (code + params), and a message in English."""

    path: str
    line: int | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""
    severity: str = "error"  # error | warning

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "code": self.code, "params": dict(self.params),
                "message": self.message, "severity": self.severity}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Finding":
        return cls(data["path"], data.get("line"), data["code"], dict(data.get("params") or {}),
                   data.get("message", ""), data.get("severity", "error"))


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one head: passed, warning (not blocking), failed, or pending."""

    name: str
    status: str
    findings: tuple[Finding, ...] = ()
    head: str = ""

    @classmethod
    def from_findings(cls, name: str, head: str, findings: list[Finding]) -> "CheckResult":
        if any(f.severity == "error" for f in findings):
            status = "failed"
        elif findings:
            status = "warning"
        else:
            status = "passed"
        return cls(name, status, tuple(findings), head)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "head": self.head,
                "findings": [f.to_dict() for f in self.findings]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CheckResult":
        return cls(data["name"], data["status"], tuple(Finding.from_dict(f) for f in data.get("findings", ())),
                   data.get("head", ""))


@dataclass(frozen=True)
class CheckContext:
    """What a check runs on: a book at ``head``, compared with ``base`` when given."""

    lib: Library
    book: str
    head: str
    base: str | None = None


Runner = Callable[[CheckContext], list[Finding]]
_RUNNERS: dict[str, Runner] = {}


def register_check(name: str, runner: Runner) -> None:
    """Make a check available by name (the server registers ``build`` this way)."""
    _RUNNERS[name] = runner


def registered_checks() -> list[str]:
    return list(_RUNNERS)


def run_check(name: str, lib: Library, book: str, head: str, base: str | None = None) -> CheckResult:
    """Run one registered check at ``head`` (a commit id or branch; resolved first)."""
    sha = lib.resolve(head)
    base_sha = lib.resolve(base) if base else None
    runner = _RUNNERS.get(name)
    if runner is None:
        return CheckResult(name, "failed", (Finding("", None, "check.unknown", {"check": name},
                                                     f"no check named {name}"),), sha)
    return CheckResult.from_findings(name, sha, runner(CheckContext(lib, book, sha, base_sha)))


def run_checks(lib: Library, book: str, head: str, base: str | None = None,
               names: list[str] | tuple[str, ...] | None = None) -> list[CheckResult]:
    """Run the named checks (default: every registered one) at ``head``."""
    return [run_check(n, lib, book, head, base) for n in (names if names is not None else registered_checks())]


def _finding(exc: MaterialsError, default_path: str, severity: str = "error") -> Finding:
    params = {k: v for k, v in exc.params.items() if isinstance(v, (str, int, float, bool)) or v is None}
    return Finding(exc.path or default_path, exc.line, exc.code, params, exc.message, severity)


def _book_yml(book: str) -> str:
    return f"books/{book}/book.yml"


def _line_of(text: str, needle: str, limit: int | None = None) -> int | None:
    """The first line (1-based) containing ``needle``, looking at the first ``limit`` lines."""
    for number, line in enumerate(text.splitlines()[:limit], start=1):
        if needle in line:
            return number
    return None


def _policy_line(text: str, exc: PolicyInvalid) -> int | None:
    """The line of the policy mistake: the first mention of the culprit after ``review:``."""
    start = _line_of(text, "review:")
    if start is None:
        return None
    needle = next((str(exc.params[k]) for k in ("side", "check", "key") if k in exc.params), None)
    if needle:
        for number, line in enumerate(text.splitlines()[start - 1:], start=start):
            if needle in line:
                return number
    return start


def _read_text(lib: Library, rev: str, path: str) -> str:
    return lib.read(rev, path).decode("utf-8", "replace")


def _chapters(lib: Library, rev: str, book: str) -> dict[str, str]:
    """Chapter path -> text for every Markdown file in the book's chapters folder."""
    prefix = f"books/{book}/chapters"
    return {p: data.decode("utf-8", "replace") for p, data in sorted(lib.snapshot(rev, prefix).items())
            if p.endswith(".md")}


# --- front-matter ---------------------------------------------------------------

def check_front_matter(ctx: CheckContext) -> list[Finding]:
    """book.yml and every chapter's front matter validate, and the navigation names real chapters."""
    lib, book, rev = ctx.lib, ctx.book, ctx.head
    path = _book_yml(book)
    findings: list[Finding] = []
    try:
        text = _read_text(lib, rev, path)
    except NotFound:
        return [Finding(path, None, "book.missing", {"book": book}, f"{path} does not exist")]
    config = None
    try:
        config = parse_book_config(text, path)
    except MaterialsError as exc:
        findings.append(_finding(exc, path))
    if config is not None:
        try:
            sides = lib.library_config(rev).sides
        except MaterialsError as exc:
            findings.append(_finding(exc, "library.yml"))
            sides = None
        try:
            ReviewPolicy.from_config(config.review, sides=sides)
        except PolicyInvalid as exc:
            findings.append(Finding(path, _policy_line(text, exc), exc.code, exc.params, str(exc)))

    chapters = _chapters(lib, rev, book)
    for cpath, ctext in chapters.items():
        try:
            parse_chapter(ctext, cpath)
        except MaterialsError as exc:
            findings.append(_finding(exc, cpath))
    if config is not None:
        listed = set()
        for part in config.navigation:
            for filename in part.files():  # the part's own page too
                listed.add(filename)
                cpath = f"books/{book}/chapters/{filename}"
                if cpath not in chapters:
                    findings.append(Finding(path, _line_of(text, filename), "book.missing_chapter",
                                            {"chapter": filename},
                                            f"the navigation lists {filename}, which does not exist"))
        for cpath in chapters:
            filename = cpath[len(f"books/{book}/chapters/"):]  # sub-folders and all
            if filename not in listed:
                findings.append(Finding(cpath, None, "book.chapter_not_in_navigation", {"chapter": filename},
                                        f"{filename} is not in the navigation of book.yml", "warning"))
    return findings


# --- alignment ---------------------------------------------------------------------

def _chapter_refs(lib: Library, rev: str, book: str, loaded=None) -> dict[str, list[str]]:
    """Chapter filename -> its item refs, for the chapters that parse (the front-matter check reports the rest)."""
    if loaded is None:
        try:
            loaded = lib.book(book, rev)
        except MaterialsError:
            return {}
    return {c.filename: c.meta.all_refs() for c in loaded.chapters if c.problem is None}


def _declared(lib: Library, rev: str, book: str) -> tuple[list[str], str]:
    path = _book_yml(book)
    text = _read_text(lib, rev, path)
    return list(parse_book_config(text, path).standards), text


_TAG_CODES = {"standard.unknown_item", "standard.undeclared", "standard.ambiguous_ref"}


def check_alignment(ctx: CheckContext) -> list[Finding]:
    """Standard references resolve; declared editions exist and are current; coverage does not silently drop.

    Failures: an unknown item key, an item of a standard the book does not
    declare, an ambiguous key, a declared standard missing from the library,
    a newly declared superseded or withdrawn edition. Warnings: a superseded
    edition the base already declared, and every level whose coverage the
    change lowers compared with the base (listing the items lost).
    """
    lib, book, rev = ctx.lib, ctx.book, ctx.head
    book_path = _book_yml(book)
    try:
        declared, book_text = _declared(lib, rev, book)
        standards = lib.standards(rev)
    except NotFound:
        return [Finding(book_path, None, "book.missing", {"book": book}, f"{book_path} does not exist")]
    except MaterialsError as exc:
        return [_finding(exc, book_path)]

    findings: list[Finding] = []
    base_declared: list[str] = []
    if ctx.base is not None:
        try:
            base_declared, _ = _declared(lib, ctx.base, book)
        except MaterialsError:
            base_declared = []

    replaced = superseded_by(standards)
    for sid in declared:
        line = _line_of(book_text, sid)
        std = standards.get(sid)
        if std is None:
            findings.append(Finding(book_path, line, "standard.not_in_library", {"standard": sid},
                                    f"the book declares {sid}, which is not in the library"))
            continue
        newer = replaced.get(sid)
        if std.status != "current" or newer:
            severity = "warning" if sid in base_declared else "error"
            params = {"standard": sid, "status": std.status, "replaced_by": newer or ""}
            message = f"{sid} is {std.status}" + (f"; the current edition is {newer}" if newer else "")
            findings.append(Finding(book_path, line, "standard.superseded", params, message, severity))

    # Tags that name no item, or an item of a standard the book does not declare: the library's own
    # validation, with file and line. (A declared standard missing from the library is reported above.)
    loaded = lib.book(book, rev)
    for exc in validate_book(lib, book, rev, book=loaded):
        if exc.code in _TAG_CODES and exc.path != book_path:
            params = {k: v for k, v in exc.params.items() if isinstance(v, (str, int))}
            findings.append(Finding(exc.path or book_path, exc.line, exc.code, params, exc.message))
    refs = _chapter_refs(lib, rev, book, loaded)

    if ctx.base is not None:
        findings.extend(_coverage_drops(lib, ctx, standards, declared, refs))
    return findings


def _coverage_drops(lib: Library, ctx: CheckContext, standards, declared: list[str],
                    head_refs: dict[str, list[str]]) -> list[Finding]:
    """A warning per level whose own items the change stops covering."""
    try:
        base_declared, _ = _declared(lib, ctx.base, ctx.book)
        base_standards = lib.standards(ctx.base)
    except MaterialsError:
        return []
    base_refs = _chapter_refs(lib, ctx.base, ctx.book)
    before = coverage(base_standards, base_declared, base_refs)
    after = coverage(standards, declared, head_refs)
    out: list[Finding] = []
    for sid, base_sc in before.standards.items():
        head_sc = after.standards.get(sid)
        std = base_standards[sid]
        if head_sc is None:
            covered = [k for row in base_sc.levels for k in row.skills_covered + row.knowledge_covered]
            out.append(Finding(_book_yml(ctx.book), None, "coverage.standard_dropped",
                               {"standard": sid, "lost": list(dict.fromkeys(covered))},
                               f"the book no longer covers {sid}", "warning"))
            continue
        for base_row in base_sc.levels:
            try:
                head_row = head_sc.level(base_row.level)
            except KeyError:
                continue
            still = set(head_row.skills_covered + head_row.knowledge_covered)
            lost = [k for k in base_row.skills_covered + base_row.knowledge_covered
                    if k not in still and std.by_key[k].level == base_row.level]
            if not lost:
                continue
            chapters = sorted({c for k in lost for c in before.by_item.get((sid, k), [])})
            path = f"books/{ctx.book}/chapters/{chapters[0]}" if chapters else _book_yml(ctx.book)
            params = {
                "standard": sid, "level": base_row.level, "label": base_row.label, "lost": lost,
                "chapters": chapters,
                "before": round(base_row.percent or 0.0, 1), "after": round(head_row.percent or 0.0, 1),
            }
            message = (f"coverage of {base_row.label} ({sid}) drops from {params['before']}% to "
                       f"{params['after']}%: no chapter covers {', '.join(lost)} any more")
            out.append(Finding(path, None, "coverage.lowered", params, message, "warning"))
    return out


register_check("front-matter", check_front_matter)
register_check("alignment", check_alignment)
