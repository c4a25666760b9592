"""What happened to a book: log, diff, blame and revert.

Log and blame are git's own (``--follow`` and ``blame --porcelain``), read with
fixed option lists; the side of each commit comes from its trailer, read from
the object cache. A revert is a save of the parent's version of the changed
files with the reverted commit as its base — the same three-way rules as any
save, so it merges with later edits or stops on the ones it collides with.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .changes import SIDE_TRAILER, Author, Delete, Write
from .errors import MaterialsError, NotFound
from .gitcommand import GitCommand
from .merging import tree_changes
from .paths import validate_path
from .trailers import trailer

_FIELD = "\x1f"
_RECORD = "\x1e"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # git's id of a tree with nothing in it


def parsed_command(subcommand: str, *options: str) -> GitCommand:
    """A git command whose output is parsed: paths printed as they are, in UTF-8."""
    return GitCommand(subcommand, *options).config("core.quotePath", "false").config("i18n.logOutputEncoding",
                                                                                      "UTF-8")


def diff_command(subcommand: str, *options: str) -> GitCommand:
    """A command printing patches the parsers here read: ``a/`` and ``b/`` prefixes, no colour,
    no external or converted diffs, whatever any configuration says."""
    return parsed_command(subcommand, *options).option(
        "--no-color", "--no-ext-diff", "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/")


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    side: str | None
    authored_at: datetime
    message: str
    paths: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return self.message.split("\n", 1)[0]


@dataclass
class DiffLine:
    kind: str  # " ", "+", "-"
    old_no: int | None
    new_no: int | None
    text: str


@dataclass
class Hunk:
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    header: str
    lines: list[DiffLine] = field(default_factory=list)


@dataclass
class FileDiff:
    old_path: str | None
    new_path: str | None
    status: str  # added, deleted, modified, renamed
    binary: bool = False
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def added(self) -> int:
        return sum(1 for h in self.hunks for l in h.lines if l.kind == "+")

    @property
    def removed(self) -> int:
        return sum(1 for h in self.hunks for l in h.lines if l.kind == "-")


@dataclass
class Diff:
    files: list[FileDiff]
    text: str


@dataclass(frozen=True)
class BlameLine:
    number: int
    text: str
    sha: str
    author_name: str
    author_email: str
    side: str | None
    authored_at: datetime


def _when(timestamp: int, offset: str) -> datetime:
    sign = -1 if offset.startswith("-") else 1
    minutes = int(offset[1:3] or 0) * 60 + int(offset[3:5] or 0)
    return datetime.fromtimestamp(timestamp, timezone(timedelta(minutes=sign * minutes)))


def side_of(lib, sha: str) -> str | None:
    return lib.objects.commit(sha).trailer(SIDE_TRAILER)


def log(lib, rev: str = "main", path: str | None = None, limit: int | None = None, *, follow: bool = True) -> list[CommitInfo]:
    """Commits reachable from ``rev``, newest first; of one file, following renames."""
    head = lib.resolve(rev)
    command = parsed_command(
        "log", "--no-color", "--no-show-signature",
        f"--format={_RECORD}%H{_FIELD}%P{_FIELD}%an{_FIELD}%ae{_FIELD}%at %ad{_FIELD}%B", "--date=format:%z")
    if limit:
        command.option(f"--max-count={int(limit)}")
    if path:
        path = validate_path(path)
        entry = lib._entry_in_tree(lib.objects.commit(head).tree, path)
        if follow and entry is not None and not entry.is_tree:  # git follows renames of one file only
            command.option("--follow")
        command.option("--name-only").value(head).paths(path)
    else:
        command.value(head)
    out = lib.git(command)
    commits = []
    for record in out.split(_RECORD)[1:]:
        sha, parents, name, email, when, rest = record.split(_FIELD, 5)
        message, paths = rest, ()
        if path:
            # --name-only puts the touched paths after the message, one per line
            body, _, names = rest.rpartition("\n\n")
            message, paths = body, tuple(n for n in names.strip().splitlines() if n)
        ts, _, off = when.partition(" ")
        commits.append(CommitInfo(sha, tuple(parents.split()), name, email,
                                  trailer(message, SIDE_TRAILER), _when(int(ts), off or "+0000"),
                                  message.strip("\n"), paths))
    return commits


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


def parse_unified(text: str) -> list[FileDiff]:
    files: list[FileDiff] = []
    current: FileDiff | None = None
    hunk: Hunk | None = None
    old_no = new_no = 0
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            current = FileDiff(None, None, "modified")
            files.append(current)
            hunk = None
            continue
        if current is None:
            continue
        if hunk is None:
            if line.startswith(("--- ", "+++ ")):
                name = line[4:].removesuffix("\t")  # git ends a name that holds a space with a tab
                path = None if name == "/dev/null" else _unquote(name)[2:]
                if line[0] == "-":
                    current.old_path = path
                else:
                    current.new_path = path
            elif line.startswith("rename from "):
                current.old_path, current.status = _unquote(line[12:]), "renamed"
            elif line.startswith("rename to "):
                current.new_path = _unquote(line[10:])
            elif line.startswith("new file mode"):
                current.status = "added"
            elif line.startswith("deleted file mode"):
                current.status = "deleted"
            elif line.startswith("Binary files"):
                current.binary = True
        m = _HUNK.match(line)
        if m:
            hunk = Hunk(int(m[1]), int(m[2] or 1), int(m[3]), int(m[4] or 1), m[5].strip())
            current.hunks.append(hunk)
            old_no, new_no = hunk.old_start, hunk.new_start
            continue
        if hunk is None or not line or line.startswith("\\"):
            continue
        kind, body = line[0], line[1:]
        if kind == " ":
            hunk.lines.append(DiffLine(" ", old_no, new_no, body))
            old_no += 1
            new_no += 1
        elif kind == "-":
            hunk.lines.append(DiffLine("-", old_no, None, body))
            old_no += 1
        elif kind == "+":
            hunk.lines.append(DiffLine("+", None, new_no, body))
            new_no += 1
    return files


def _unquote(s: str) -> str:
    if s.startswith('"') and s.endswith('"'):
        raw = s[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
        return raw.decode("utf-8", "replace")
    return s


def diff(lib, a: str | None, b: str, paths: list[str] | None = None, *, context: int = 3) -> Diff:
    """The changes from ``a`` to ``b`` (from nothing when ``a`` is None), as unified text and as
    files, hunks and lines."""
    old, new = EMPTY_TREE if a is None else lib.resolve(a), lib.resolve(b)
    command = diff_command("diff", "-M", f"-U{int(context)}").value(old, new)
    text = lib.git(command.paths(*(validate_path(p) for p in (paths or []))))
    return Diff(parse_unified(text), text)


def blame(lib, rev: str, path: str) -> list[BlameLine]:
    """Each line of a file with the commit, author and side that last changed it."""
    path = validate_path(path)
    head = lib.resolve(rev)
    if lib.entry(head, path) is None:
        raise NotFound(f"{path} does not exist at {rev}", path=path)
    out = lib.git(parsed_command("blame", "--porcelain").value(head).paths(path))
    lines: list[BlameLine] = []
    info: dict[str, dict[str, str]] = {}
    sha = None
    final_no = 0
    for raw in out.split("\n"):
        if not raw:
            continue
        if raw.startswith("\t"):
            meta = info[sha]
            lines.append(BlameLine(final_no, raw[1:], sha, meta.get("author", ""),
                                   meta.get("author-mail", "").strip("<>"), side_of(lib, sha),
                                   _when(int(meta.get("author-time", 0)), meta.get("author-tz", "+0000"))))
            continue
        parts = raw.split(" ")
        if len(parts[0]) == 40 and re.match(r"^[0-9a-f]{40}$", parts[0]):
            sha, final_no = parts[0], int(parts[2])
            info.setdefault(sha, {})
        elif sha:
            key, _, value = raw.partition(" ")
            info[sha][key] = value
    return lines


def revert(lib, branch: str, sha: str, author: Author, message: str | None = None) -> str:
    """Undo one commit on ``branch`` as a new commit, keeping later edits."""
    commit = lib.objects.commit(lib.resolve(sha))
    if len(commit.parents) != 1:
        raise MaterialsError("only a commit with one parent can be reverted", reason="merge_commit")
    parent = lib.objects.commit(commit.parents[0])
    changes = []
    # The parent's version of every file the commit changed, saved with the commit as base.
    for path, (_in_commit, in_parent) in tree_changes(lib.objects, commit.tree, parent.tree).items():
        if in_parent is None:
            changes.append(Delete(path))
        else:
            changes.append(Write(path, lib.objects.read(in_parent.sha)[1]))
    message = message or f'Revert "{commit.message.splitlines()[0] if commit.message else commit.sha[:8]}"\n\nThis reverts commit {commit.sha}.'
    return lib.commit(branch, changes, author, message, base=commit.sha).sha
