"""One book alone as a Git repository: the library's history split to the book's folder.

Power users clone a book, not the library: in its repository the book's folder
(``books/<book>/``) is the root, and its history is the library's history
restricted to that folder, as ``git subtree split --prefix books/<book>`` gives
it. Each library commit that changes the book becomes a book commit with the
same tree (the book's folder), author, committer, date and message; a commit
that leaves the book as it was is skipped, and a merge is kept only where the
book's history really forks. The same library history always gives the same
book commits.

The book's repository (a *mirror*) is a bare repository of its own holding the
book's objects only (copied from the library by ``git pack-objects``, only those
it lacks), never the rest of the library: git's protocol v2 serves any object a
repository holds to whoever asks for its id, so another book's text must not be
there, not even through ``objects/info/alternates``. It remembers which book
commit each library commit became, in ``jointbook/split-map`` (one
``<library commit> <book commit or ->`` line each, appended), so bringing it up
to date after one new save costs one commit, not the whole history.

A commit pushed to the mirror and replayed into the library (with the pusher's
name and side) is a different library commit; ``hint`` tells the mirror that it
came from the pushed one, and the split then keeps the pushed commit itself
(when tree and parents are the same), so the pusher's branch moves forward
instead of being rewritten.

Hand-written rather than running ``git subtree split``: that script walks the
whole history on every call and keeps its cache in a temporary folder.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import MaterialsError
from .gitcommand import GitCommand, run_git
from .objects import BLOB, EXECUTABLE, Entry, ObjectStore, Person, decode_commit
from .paths import validate_book_slug
from .refs import SHA, ZERO, RefStore, validate_ref_name

STATE = "jointbook"  # the mirror's own files, beside git's
MAP_FILE = "split-map"
TIPS_FILE = "split-tips"
HINTS_FILE = "split-hints"
BRANCHES_FILE = "branches.json"
LOCK_FILE = "lock"

# The mirror's settings, all written here: objects are checked on receipt, nothing is collected
# (a book commit the map names must stay), no reflogs.
MIRROR_CONFIG = (
    ("receive.fsckObjects", "true"),
    ("transfer.fsckObjects", "true"),
    ("receive.autogc", "false"),
    ("gc.auto", "0"),
    ("core.logAllRefUpdates", "false"),
    ("http.receivepack", "true"),
    ("http.uploadpack", "true"),
    ("receive.denyDeleteCurrent", "true"),
)


@dataclass(frozen=True)
class PushedCommit:
    """A commit received by the mirror and not yet in the library: what it changes in the book."""

    sha: str
    parents: tuple[str, ...]
    tree: str
    author: Person
    message: str
    changes: tuple[tuple[str, Entry | None], ...]  # book-relative path -> new entry (None: deleted)


class BookMirror:
    """The repository of one book, split from the library."""

    def __init__(self, lib, book: str, path: str | Path):
        self.lib = lib
        self.book = validate_book_slug(book)
        self.path = Path(path)
        self.state = self.path / STATE
        self.objects = ObjectStore(self.path)
        self.refs = RefStore(self.path, git_timeout=lib.git_timeout)

    # -- creating ------------------------------------------------------------------
    @classmethod
    def open(cls, lib, book: str, root: str | Path, hook: str | None = None) -> "BookMirror":
        """The mirror of ``book`` in ``root`` (``<root>/<book>.git``), created on first use; ``hook``
        is the text of its ``pre-receive`` hook (kept up to date)."""
        validate_book_slug(book)
        path = Path(root) / f"{book}.git"
        if not (path / "HEAD").exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            draft = Path(root) / f".{book}.{os.getpid()}.{os.urandom(4).hex()}.git"
            run_git(GitCommand("init", "--quiet", "--bare", "--initial-branch=main").paths(str(draft.absolute())))
            for key, value in MIRROR_CONFIG:
                run_git(GitCommand("config").option(key, value), git_dir=draft)
            (draft / STATE).mkdir()
            try:
                os.rename(draft, path)
            except OSError:
                if not (path / "HEAD").exists():
                    raise
                run_git(GitCommand("version"))  # another process made it first: theirs is as good
        mirror = cls(lib, book, path)
        if hook is not None:
            mirror._install_hook(hook)
        return mirror

    def _install_hook(self, text: str) -> None:
        hook = self.path / "hooks" / "pre-receive"
        if hook.exists() and hook.read_text(errors="replace") == text:
            return
        hook.parent.mkdir(parents=True, exist_ok=True)
        draft = hook.with_name(f".pre-receive.{os.getpid()}")
        draft.write_text(text)
        draft.chmod(0o755)
        os.replace(draft, hook)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One writer of the mirror at a time (an update, a push); the kernel drops it if the process dies.

        A lock file of its own, not ``RefStore.locked``: the update swaps refs inside it, and a second
        ``flock`` of the same file by the same process would wait for itself."""
        fd = os.open(self.state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # -- the map --------------------------------------------------------------------
    def _pairs(self, name: str) -> list[tuple[str, str | None]]:
        try:
            text = (self.state / name).read_text()
        except FileNotFoundError:
            return []
        pairs = []
        for line in text.splitlines():
            left, _, right = line.partition(" ")
            if SHA.match(left) and (SHA.match(right) or right == "-"):
                pairs.append((left, None if right == "-" else right))
        return pairs  # a line cut short by a crash is left out, and its commit split again

    def _append(self, name: str, pairs: list[tuple[str, str | None]]) -> None:
        if pairs:
            with open(self.state / name, "a") as fh:
                fh.write("".join(f"{a} {b or '-'}\n" for a, b in pairs))

    def split_map(self) -> dict[str, str | None]:
        """Library commit -> the book commit it became (None: the book was not there)."""
        return dict(self._pairs(MAP_FILE))

    def library_commit(self, book_commit: str, split: dict[str, str | None] | None = None) -> str | None:
        """A library commit whose book is ``book_commit``'s tree and history (None if unknown here)."""
        for library, book in (split if split is not None else self.split_map()).items():
            if book == book_commit:
                return library
        return None

    def hint(self, library_commit: str, book_commit: str) -> None:
        """``library_commit`` was replayed from the pushed ``book_commit``: split it to that commit."""
        self._append(HINTS_FILE, [(library_commit, book_commit)])

    # -- splitting ------------------------------------------------------------------
    def _book_tree(self, library_tree: str) -> str | None:
        books = self.lib.objects.tree(library_tree).get("books")
        if books is None or not books.is_tree:
            return None
        entry = self.lib.objects.tree(books.sha).get(self.book)
        return entry.sha if entry is not None and entry.is_tree else None

    def _is_ancestor(self, ancestor: str, descendant: str) -> bool:
        result = run_git(GitCommand("merge-base", "--is-ancestor").value(ancestor, descendant), git_dir=self.path,
                         check=False, timeout=self.lib.git_timeout)
        return result.returncode == 0

    def split(self, tips: list[str]) -> dict[str, str | None]:
        """Split every library commit reachable from ``tips`` not split yet; the whole map."""
        known = self.split_map()
        hints = dict(self._pairs(HINTS_FILE))
        new_tips = sorted({t for t in tips if t not in known})
        if not new_tips:
            return known
        command = GitCommand("rev-list", "--topo-order", "--reverse", "--parents").value(*new_tips)
        previous = [t for t, _ in self._pairs(TIPS_FILE) if t in known]
        if previous:
            command.option("--not").value(*previous)
        listing = self.lib.git(command)
        trees: dict[str, str] = {}

        def tree_of(book_commit: str) -> str:
            if book_commit not in trees:
                trees[book_commit] = self.objects.commit(book_commit).tree
            return trees[book_commit]

        added: list[tuple[str, str | None]] = []
        copied: list[str] = []
        for line in listing.splitlines():
            sha, *parents = line.split()
            if sha in known:
                continue
            commit = self.lib.objects.commit(sha)
            tree = self._book_tree(commit.tree)
            mapped = list(dict.fromkeys(known[p] for p in parents if known.get(p)))
            if tree is None:
                result = None
            else:
                result = self._same_as_a_parent(tree, mapped, tree_of)
                if result is None:
                    result = self._hinted(hints.get(sha), tree, mapped)
                if result is None:
                    result = self.objects.write_commit(tree, mapped, commit.author, commit.committer, commit.message)
                    copied.append(tree)
                trees[result] = tree
            known[sha] = result
            added.append((sha, result))
        present = [tree_of(known[t]) for t in previous if known.get(t)]
        self._copy_trees(list(dict.fromkeys(copied)), present)
        self._append(MAP_FILE, added)
        self._write_tips(sorted(set(tips)))
        return known

    def _copy_trees(self, trees: list[str], present: list[str]) -> None:
        """Copy into the mirror every object of ``trees`` that the trees it has (``present``) lack."""
        if not trees:
            return
        listing = GitCommand("rev-list", "--objects", "--no-object-names").value(*trees)
        if present:
            listing.option("--not").value(*present)
        wanted = self.lib.git(listing)
        count = len(wanted.split())
        pack = run_git(GitCommand("pack-objects", "--stdout", "-q"), git_dir=self.lib.path, input=wanted.encode(),
                       timeout=max(self.lib.git_timeout, 300)).stdout
        # A few objects (one save) stay loose; a history's worth becomes one pack.
        receive = GitCommand("unpack-objects", "-q") if count < 100 else GitCommand("index-pack", "--stdin")
        run_git(receive, git_dir=self.path, input=pack, timeout=max(self.lib.git_timeout, 300))

    def _same_as_a_parent(self, tree: str, mapped: list[str], tree_of) -> str | None:
        """The parent book commit this one adds nothing to (as ``git subtree split`` skips commits)."""
        identical = next((m for m in mapped if tree_of(m) == tree), None)
        if identical is None:
            return None
        others = [m for m in mapped if m != identical]
        if all(self._is_ancestor(o, identical) for o in others):
            return identical
        return None  # a merge whose other side brought book commits of its own: kept

    def _hinted(self, pushed: str | None, tree: str, mapped: list[str]) -> str | None:
        if pushed is None or not self.objects.exists(pushed):
            return None
        commit = self.objects.commit(pushed)
        return pushed if commit.tree == tree and list(commit.parents) == mapped else None

    def _write_tips(self, tips: list[str]) -> None:
        draft = self.state / f".{TIPS_FILE}.{os.getpid()}"
        draft.write_text("".join(f"{t} -\n" for t in tips))
        os.replace(draft, self.state / TIPS_FILE)

    # -- the mirror's branches ------------------------------------------------------
    def update(self, branches: dict[str, str], *, prune: bool = True,
               tags: dict[str, str] | None = None) -> dict[str, str]:
        """Bring the mirror up to date: ``branches`` maps each of its branch names to the library branch
        it shows (``{"main": "main", "cr/7": "cr/7"}``), ``tags`` each of its tag names to a library commit
        (a release); others are removed (with ``prune``). Call it holding ``locked``. Returns branch ->
        book commit."""
        wanted: dict[str, str] = {}
        for name, library_branch in branches.items():
            validate_ref_name(name)
            head = self.lib.branch_head(library_branch)
            if head:
                wanted[name] = head
        marked = {name: sha for name, sha in (tags or {}).items() if validate_ref_name(name, "tag")}
        split = self.split(list(wanted.values()) + list(marked.values()))
        shown = {name: split[head] for name, head in wanted.items() if split.get(head)}
        self._set_refs("refs/heads/", shown, prune)
        if tags is not None:
            self._set_refs("refs/tags/", {n: split[s] for n, s in marked.items() if split.get(s)}, prune)
        self._pack_now_and_then()
        return shown

    LOOSE_LIMIT = 1000  # loose objects worth a pack (a clone reads one pack far faster)

    def _pack_now_and_then(self) -> None:
        """Pack the loose objects once there are many, as ``Library.maintain`` does: no ``-a`` and no prune,
        so a book commit only the map names (a closed change request's) stays."""
        out = run_git(GitCommand("count-objects"), git_dir=self.path, timeout=self.lib.git_timeout).stdout
        if out.strip() and int(out.split()[0]) >= self.LOOSE_LIMIT:
            run_git(GitCommand("repack", "-d", "-q"), git_dir=self.path, timeout=max(self.lib.git_timeout, 300))

    def _set_refs(self, prefix: str, shown: dict[str, str], prune: bool) -> None:
        current = self.refs.list(prefix) if prune else {}
        for ref, sha in current.items():
            if ref[len(prefix):] not in shown:
                self.refs.delete(ref, sha)
        for name, sha in shown.items():
            ref = prefix + name
            old = self.refs.get(ref)
            if old != sha:
                self.refs.swap(ref, sha, old)

    def branches(self) -> dict[str, int]:
        """The branch names people pushed, each with the number of the change request it opened."""
        try:
            data = json.loads((self.state / BRANCHES_FILE).read_text())
        except (FileNotFoundError, ValueError):
            return {}
        return {k: int(v) for k, v in data.items() if isinstance(k, str) and isinstance(v, int)}

    def set_branches(self, names: dict[str, int]) -> None:
        draft = self.state / f".{BRANCHES_FILE}.{os.getpid()}"
        draft.write_text(json.dumps(dict(sorted(names.items())), ensure_ascii=False))
        os.replace(draft, self.state / BRANCHES_FILE)

    # -- taking it out ----------------------------------------------------------------
    def bundle(self, target: str | Path) -> Path:
        """Write ``git bundle`` of the book's main branch and its whole history to ``target``."""
        if self.refs.get("refs/heads/main") is None:
            raise MaterialsError(f"the book {self.book} has no history on main", book=self.book)
        target = Path(target).absolute()
        run_git(GitCommand("bundle", "create", "--quiet").value(str(target)).option("HEAD", "refs/heads/main"),
                git_dir=self.path, timeout=max(self.lib.git_timeout, 300))
        return target

    # -- receiving --------------------------------------------------------------------
    def pushed_commits(self, old: str, new: str, quarantine: str | None) -> list[PushedCommit]:
        """The commits ``new`` brings that the mirror has no branch for, oldest first, read while the push
        is still in quarantine (``quarantine``: its object folder, which git names to the hook)."""
        objects = (quarantine, self.path / "objects") if quarantine else None
        command = GitCommand("rev-list", "--topo-order", "--reverse").value(new).option("--not", "--all")
        if old != ZERO:
            command.value(old)
        listing = run_git(command, git_dir=self.path, objects=objects, timeout=self.lib.git_timeout).stdout.split()
        shas = [s.decode() for s in listing]
        raw = _batch(self.path, shas, objects, self.lib.git_timeout)
        out = []
        for sha in shas:
            commit = decode_commit(sha, raw[sha])
            against = commit.parents[0] if commit.parents else None
            changes = self._diff(against, sha, objects)
            out.append(PushedCommit(sha, commit.parents, commit.tree, commit.author, commit.message, changes))
        return out

    def _diff(self, parent: str | None, sha: str, objects) -> tuple[tuple[str, Entry | None], ...]:
        command = GitCommand("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", "--no-ext-diff")
        command.option("--root").value(sha) if parent is None else command.value(parent, sha)
        out = run_git(command, git_dir=self.path, objects=objects, timeout=self.lib.git_timeout).stdout
        fields = out.split(b"\0")
        changes = []
        for i in range(0, len(fields) - 1, 2):
            meta, path = fields[i].decode(), fields[i + 1].decode("utf-8", "surrogateescape")
            _old_mode, new_mode, _old_sha, new_sha, _status = meta.lstrip(":").split(" ")
            entry = None if new_sha == ZERO else Entry(int(new_mode, 8), new_sha)
            changes.append((path, entry))
        return tuple(changes)

    def read_blobs(self, shas: list[str], quarantine: str | None) -> dict[str, bytes]:
        """The content of blobs of a push still in quarantine."""
        objects = (quarantine, self.path / "objects") if quarantine else None
        return _batch(self.path, shas, objects, self.lib.git_timeout)

    def is_ancestor_pushed(self, old: str, new: str, quarantine: str | None) -> bool:
        objects = (quarantine, self.path / "objects") if quarantine else None
        result = run_git(GitCommand("merge-base", "--is-ancestor").value(old, new), git_dir=self.path,
                         objects=objects, check=False, timeout=self.lib.git_timeout)
        return result.returncode == 0


FILE_MODES = (BLOB, EXECUTABLE)  # what a book's file may be in a pushed tree (no links, no submodules)


def _batch(git_dir: Path, shas: list[str], objects, timeout: float) -> dict[str, bytes]:
    """Objects' contents through one ``git cat-file --batch``."""
    shas = list(dict.fromkeys(shas))
    if not shas:
        return {}
    out = run_git(GitCommand("cat-file", "--batch"), git_dir=git_dir, objects=objects, timeout=timeout,
                  input="".join(s + "\n" for s in shas).encode()).stdout
    found: dict[str, bytes] = {}
    at = 0
    for sha in shas:
        end = out.index(b"\n", at)
        header = out[at:end].split(b" ")
        if len(header) != 3:
            raise MaterialsError(f"object {sha} is missing", sha=sha)
        size = int(header[2])
        found[sha] = out[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return found
