"""An MkDocs project's Git history, replayed into the book: every commit that touched the docs becomes a
commit of the import, with its author, date and message, and the side its author's e-mail maps to.

The source is a Git repository (a work tree or a bare one) or a ``git bundle``
file; either is first cloned, bare, into a folder the caller owns, so nothing
of the source's configuration or hooks is ever read and no network is used.
What the book ends up holding is the ordinary import of the project's current
state (``import_mkdocs``): the replay only writes, commit by commit, how the
chapters and pictures that import keeps came to be, under the names it gave
them. A last commit by the person importing adds the navigation and whatever
the replay could not (a merge that combined both branches' text): the book's
files after it are exactly those of an import without history.

Commits are taken oldest first (``git rev-list --topo-order --no-merges``); a
merge is not authorship, as in the contribution figures. A commit's side goes
into the ``Jointbook-Side`` trailer from ``sides`` (e-mail, any case -> side);
an author mapped to ``unknown`` or to nothing gets no trailer, which is how the
dashboards already count lines of an unknown side.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ..books import BookConfig
from ..changes import Author, Change, Delete, Write
from ..errors import MaterialsError
from ..gitcommand import GitCommand, run_git
from ..merging import tree_changes
from ..objects import SYMLINK, ObjectStore
from ..paths import fold
from ..trailers import one_line
from .errors import HistoryInvalid, MkDocsInvalid
from .mkdocs import CONFIG_NAMES, IMAGE_SUFFIXES, MkDocsImport, _Page, _Project, import_mkdocs
from .report import CHANGED, ImportReport

UNKNOWN_SIDE = "unknown"
BUNDLE_SIGNATURES = (b"# v2 git bundle\n", b"# v3 git bundle\n")
MAX_COMMITS = 20000
CLONE_SECONDS = 300.0


@dataclass(frozen=True)
class HistoryAuthor:
    """Someone whose commits the replay brings in, as the import asks for their side."""

    name: str
    email: str
    commits: int


@dataclass(frozen=True)
class ReplayedCommit:
    """One commit of the source, as it is written into the book."""

    source_sha: str
    author: Author
    authored_at: tuple[int, str]  # unix seconds, "+0800"
    message: str
    changes: tuple[Change, ...]


@dataclass
class SourceHistory:
    """A bare clone of the source repository, read at its ``HEAD``."""

    git_dir: Path
    head: str
    store: ObjectStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = ObjectStore(self.git_dir)

    def close(self) -> None:
        self.store.close()


def is_bundle(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(20).startswith(BUNDLE_SIGNATURES)
    except OSError:
        return False


def is_repository(path: Path) -> bool:
    """A Git work tree (``.git`` inside) or a bare repository (``HEAD`` and ``objects``)."""
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def clone_source(source: Path, into: Path) -> SourceHistory:
    """Clone the repository or bundle at ``source`` bare into the empty folder ``into``; its history."""
    source = Path(source).absolute()
    if not (is_bundle(source) or (source.is_dir() and is_repository(source))):
        raise HistoryInvalid("the history needs a Git repository or a git bundle", reason="no_history")
    into = Path(into).absolute()
    try:
        run_git(GitCommand("clone", "--bare", "--quiet", "--no-hardlinks").config("protocol.allow", "never")
                .config("protocol.file.allow", "always").value(str(source), str(into)), timeout=CLONE_SECONDS)
    except MaterialsError as error:
        raise HistoryInvalid(f"the Git history cannot be read: {error.message[:200]}", reason="history_unreadable") \
            from None
    return open_clone(into)


def open_clone(into: Path) -> SourceHistory:
    """The history of a clone ``clone_source`` made, read at its ``HEAD`` (a bundle without one: its
    ``main``, else its first branch)."""
    head = run_git(GitCommand("rev-parse", "--verify", "--quiet").value("HEAD^{commit}"), git_dir=into,
                   check=False).stdout.decode().strip()
    if not head:
        branches = run_git(GitCommand("for-each-ref", "--format=%(objectname)%09%(refname:short)",
                                      "refs/heads/"), git_dir=into).stdout.decode().split("\n")
        found = dict(reversed(line.split("\t", 1)) for line in branches if "\t" in line)
        head = found.get("main") or found.get("master") or next(iter(found.values()), "")
    if not head:
        raise HistoryInvalid("the Git repository has no commits", reason="history_empty")
    return SourceHistory(into, head)


def _docs_tree(history: SourceHistory, commit: str, docs_dir: str) -> str | None:
    tree = history.store.commit(commit).tree
    for name in [p for p in docs_dir.split("/") if p]:
        entry = history.store.tree(tree).get(name)
        if entry is None or not entry.is_tree:
            return None
        tree = entry.sha
    return tree


def project_files(history: SourceHistory) -> dict[str, bytes]:
    """The project's files at ``HEAD``, as ``read_folder`` would give them."""
    files: dict[str, bytes] = {}
    stack = [(history.store.commit(history.head).tree, "")]
    while stack:
        tree, at = stack.pop()
        for name, entry in history.store.tree(tree).items():
            if entry.is_tree:
                if at or name not in (".git", "site"):
                    stack.append((entry.sha, f"{at}{name}/"))
            elif entry.mode != SYMLINK:
                files[at + name] = history.store.read(entry.sha)[1]
    return files


def _docs_dir(files: dict[str, bytes]) -> tuple[str, tuple[str, ...]]:
    from .mkdocs import _load

    config_name = next((n for n in CONFIG_NAMES if n in files), None)
    if config_name is None:
        return "", ()
    config = _load(files[config_name].decode("utf-8-sig", "replace"))
    docs = str((config if isinstance(config, dict) else {}).get("docs_dir") or "docs").strip("/")
    return docs, (config_name,)


def _commits(history: SourceHistory, docs_dir: str, config: tuple[str, ...]) -> list[str]:
    command = GitCommand("rev-list", "--reverse", "--topo-order", "--no-merges").value(history.head)
    command.paths(*([docs_dir] if docs_dir else []), *config)
    shas = run_git(command, git_dir=history.git_dir, timeout=CLONE_SECONDS).stdout.decode().split()
    if len(shas) > MAX_COMMITS:
        raise MkDocsInvalid("the project's history is too long to replay", reason="too_large")
    return shas


def authors(history: SourceHistory, files: dict[str, bytes] | None = None) -> list[HistoryAuthor]:
    """Everyone whose commits touched the docs, most commits first: whose side the import asks."""
    docs_dir, config = _docs_dir(files if files is not None else project_files(history))
    seen: Counter[str] = Counter()
    names: dict[str, str] = {}
    for sha in _commits(history, docs_dir, config):
        person = history.store.commit(sha).author
        email = person.email.strip().lower()
        names.setdefault(email, person.name.strip())
        seen[email] += 1
    return [HistoryAuthor(names[email], email, n) for email, n in seen.most_common()]


def _author(name: str, email: str, sides: dict[str, str]) -> Author:
    side = sides.get(email.strip().lower())
    clean_name = one_line(name)[:200] or email or "unknown"
    clean_email = "".join(one_line(email).split())[:200] or "unknown@invalid"
    return Author(clean_name, clean_email, None if side in (None, "", UNKNOWN_SIDE) else side)


def replay(history: SourceHistory, *, book: str, source: str, sides: dict[str, str],
           book_config: BookConfig | None = None, existing: Iterable[str] = (),
           final: MkDocsImport | None = None) -> tuple[MkDocsImport, Iterator[ReplayedCommit]]:
    """The import of the project at ``HEAD`` and, lazily, the commits that led to it, oldest first.

    ``final`` is that import when the caller has made it already. Commits whose
    changes reach no chapter or picture of the import are left out.
    """
    files = project_files(history)
    if final is None:
        final = import_mkdocs(files, book=book, source=source, book_config=book_config, existing=existing)
    docs_dir, config = _docs_dir(files)
    shas = _commits(history, docs_dir, config)
    sides = {email.strip().lower(): side for email, side in sides.items()}
    final.report.add(CHANGED, "mkdocs.history", f"{len(shas)} commit(s) of the project's history touched the docs "
                     "and are replayed with their authors, dates and messages", count=len(shas))
    taken = {fold(p) for p in existing} | {fold(i.path) for i in final.images}
    return final, _replayed(history, final, files, docs_dir, shas, sides, book, source, taken,
                            book_config.language if book_config else "zh-CN")


def _replayed(history: SourceHistory, final: MkDocsImport, files: dict[str, bytes], docs_dir: str,
              shas: list[str], sides: dict[str, str], book: str, source: str, taken: set[str],
              language: str) -> Iterator[ReplayedCommit]:
    project = _Project(files, book, ImportReport(source), language, taken, source)
    chapters = {c.filename: c for c in final.chapters}
    pages = {src: _Page(src, chapters[name].part, None, name) for src, name in final.redirects.items()}
    for page in project.pages():  # the nav's titles, as the import read them
        if page.source in pages:
            pages[page.source].nav_title = page.nav_title
    by_source = dict(final.redirects)
    assets = dict(final.image_sources)  # docs path -> asset path in the book
    kept = {image.path: image for image in final.images}
    for src, path in assets.items():
        project.images[src] = kept[path]
        project.image_names[fold(path.rsplit("/", 1)[-1])] = src
    docs: dict[str, bytes] = {}
    project.docs = docs
    written: dict[str, bytes] = {}  # book path -> what the replay has it hold
    for sha in shas:
        commit = history.store.commit(sha)
        parent = commit.parents[0] if commit.parents else None
        changed = tree_changes(history.store, _docs_tree(history, parent, docs_dir) if parent else None,
                               _docs_tree(history, sha, docs_dir))
        for path, (_old, new) in changed.items():
            if new is None or new.mode == SYMLINK:
                docs.pop(path, None)
            else:
                docs[path] = history.store.read(new.sha)[1]
        changes: dict[str, Change] = {}
        for path in sorted(changed):
            if path.lower().endswith(IMAGE_SUFFIXES) and (path in assets or project.images.get(path)):
                target = assets.get(path) or project.images[path].path
                if path in docs:
                    changes[target] = Write(target, docs[path])
                elif target in written:
                    changes[target] = Delete(target)
            elif path in pages:
                target = f"books/{book}/chapters/{pages[path].filename}"
                if path not in docs:
                    if target in written:
                        changes[target] = Delete(target)
                    continue
                try:
                    chapter = project.chapter(pages[path], by_source)
                except MaterialsError:
                    continue  # this version of the page cannot be read: the next one, or the last commit, brings it
                changes[target] = Write(target, chapter.text)
                source_of = {i.path: s for s, i in project.images.items()} if chapter.images else {}
                for image in chapter.images:
                    src = source_of.get(image)
                    if image not in written and image not in changes and src in docs:
                        changes[image] = Write(image, docs[src])
        changes = {p: c for p, c in changes.items()
                   if not (isinstance(c, Write) and written.get(p) == c.content)}
        if not changes:
            continue
        for path, change in changes.items():
            if isinstance(change, Write):
                written[path] = change.content
            else:
                written.pop(path, None)
        author = commit.author
        yield ReplayedCommit(sha, _author(author.name, author.email, sides), (author.timestamp, author.offset),
                             commit.message.strip() or "Update", tuple(changes.values()))


def completing_changes(final: MkDocsImport, book_yml: str | None, replayed_paths: Iterable[str]) -> list[Change]:
    """The last commit of an import with history: the import's own files, and away with what the replay
    wrote that the import does not keep (a picture a page no longer shows)."""
    changes: list[Change] = list(final.changes(book_yml))
    keep = {c.path for c in changes}
    changes += [Delete(path) for path in sorted(set(replayed_paths) - keep)]
    return changes
