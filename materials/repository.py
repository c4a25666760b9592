"""The textbook library: one bare Git repository, read at any revision, written
as one commit per save without a working tree.

A save names the commit the author started from. If the branch moved since,
other people's edits to other files are kept as they are, edits to the same
file are merged three ways, and only overlapping passages stop the save, with
every version of the text handed back in ``EditConflict``. The branch is moved
by compare-and-swap, so of two writers racing neither is lost: the loser
re-reads the branch and tries again.
"""
from __future__ import annotations

import enum
import fcntl
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import history
from .books import list_books, load_book, load_library_config, load_standards
from .changes import SIDE_TRAILER, Author, Change, Delete, Rename, Write
from .errors import ConflictedFile, EditConflict, InvalidPath, MaterialsError, NotFound, RefMoved
from .gitcommand import DEFAULT_TIMEOUT, GitCommand, run_git
from .merging import is_text, merge_text, tree_changes
from .objects import BLOB, SYMLINK, TREE, Entry, ObjectStore, Person
from .paths import check_no_collision, validate_path
from .refs import SHA, RefStore, validate_ref_name
from .review_records import check_records_kept, install_push_guard
from .starter import initial_commits
from .text import stored_form
from .trailers import with_trailers

_REV_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/@+-]{0,250}$")
MAX_SAVE_ATTEMPTS = 200


class Overwrite(enum.Enum):
    """``base=OVERWRITE``: save on top of the branch as it is, replacing what others wrote since.

    Only for writers that mean it (the first commit of a library, scripts that
    regenerate a file); an author's edit names the commit it started from.
    """

    OVERWRITE = "overwrite"


OVERWRITE = Overwrite.OVERWRITE


@dataclass(frozen=True)
class Saved:
    sha: str
    merged_paths: tuple[str, ...] = ()
    unchanged: bool = False


class Library:
    """A library of textbooks and standards in one bare Git repository."""

    def __init__(self, path: str | Path, *, git_timeout: float | None = None):
        self.path = Path(path)
        if not (self.path / "objects").is_dir() or not (self.path / "HEAD").exists():
            raise NotFound(f"no library at {self.path}", path=str(self.path))
        self.git_timeout = DEFAULT_TIMEOUT if git_timeout is None else git_timeout  # seconds, every git call
        self.objects = ObjectStore(self.path)
        self.refs = RefStore(self.path, git_timeout=self.git_timeout)

    # -- creating ------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, *, starter: bool = False, name: str = "Jointbook") -> "Library":
        """Create a bare library with ``library.yml`` on ``main`` (and the starter course)."""
        path = Path(path)
        if path.exists() and any(path.iterdir()):
            raise MaterialsError(f"{path} is not empty", path=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        run_git(GitCommand("init", "--quiet", "--bare", "--initial-branch=main").paths(str(path.absolute())))
        lib = cls(path)
        install_push_guard(path)
        base = OVERWRITE  # the first commit: there is nothing to overwrite
        for author, message, files in initial_commits(starter=starter, name=name):
            base = lib.commit("main", [Write(p, d) for p, d in files], author, message, base=base,
                              create=base is OVERWRITE).sha
        return lib

    # -- resolving -------------------------------------------------------------
    def git(self, command: GitCommand, *, input: bytes | None = None, check: bool = True) -> str:
        """git's output for ``command`` on the library, run isolated and within ``git_timeout``."""
        if not isinstance(command, GitCommand):
            raise TypeError("Library.git takes a GitCommand (options and values kept apart)")
        result = run_git(command, git_dir=self.path, input=input, check=check, timeout=self.git_timeout)
        return result.stdout.decode("utf-8", "surrogateescape")

    def branch_head(self, branch: str) -> str | None:
        validate_ref_name(branch)
        return self.refs.get("refs/heads/" + branch)

    def resolve(self, rev: str) -> str:
        """The commit a branch, tag or commit id names."""
        if not isinstance(rev, str) or not rev or rev.startswith("-"):
            raise NotFound(f"unknown revision {rev!r}", rev=str(rev))
        if SHA.match(rev):
            kind, _ = self.objects.read(rev)
            if kind == "commit":
                return rev
            if kind == "tag":
                return self._peel(rev)
            raise NotFound(f"{rev} is not a commit", rev=rev)
        if not _REV_NAME.match(rev) or ".." in rev or "//" in rev or rev.endswith((".lock", "/")):
            raise NotFound(f"unknown revision {rev!r}", rev=rev)  # never a path outside refs/
        for ref in (rev, "refs/heads/" + rev, "refs/tags/" + rev):
            if not ref.startswith("refs/"):
                continue
            sha = self.refs.get(ref)
            if sha:
                return self._peel(sha)
        if re.match(r"^[0-9a-f]{4,39}$", rev):
            command = GitCommand("rev-parse", "--verify", "--quiet", "--end-of-options").value(rev + "^{commit}")
            out = self.git(command, check=False).strip()
            if SHA.match(out):
                return out
        raise NotFound(f"unknown revision {rev!r}", rev=rev)

    def _peel(self, sha: str) -> str:
        for _ in range(10):
            kind, data = self.objects.read(sha)
            if kind == "commit":
                return sha
            if kind != "tag":
                break
            sha = data.split(b"\n", 1)[0].split(b" ", 1)[1].decode()
        raise NotFound(f"{sha} is not a commit", rev=sha)

    def tree_of(self, rev: str) -> str:
        return self.objects.commit(self.resolve(rev)).tree

    # -- reading ---------------------------------------------------------------
    def entry(self, rev: str, path: str) -> Entry | None:
        """The tree entry at ``path`` (None if absent); refuses to pass through symlinks."""
        path = validate_path(path)
        return self._entry_in_tree(self.tree_of(rev), path)

    def _entry_in_tree(self, tree: str | None, path: str) -> Entry | None:
        parts = path.split("/")
        for i, part in enumerate(parts):
            if tree is None:
                return None
            entry = self.objects.tree(tree).get(part)
            if entry is None:
                return None
            if entry.mode == SYMLINK:
                raise InvalidPath("symbolic links are not allowed in a book", path=path, reason="symlink")
            if i == len(parts) - 1:
                return entry
            if not entry.is_tree:
                return None
            tree = entry.sha
        return None

    def read(self, rev: str, path: str) -> bytes:
        entry = self.entry(rev, path)
        if entry is None or entry.is_tree:
            raise NotFound(f"{path} does not exist at {rev}", path=path, rev=rev)
        return self.objects.read(entry.sha)[1]

    def read_text(self, rev: str, path: str) -> str:
        return self.read(rev, path).decode("utf-8")

    def exists(self, rev: str, path: str) -> bool:
        return self.entry(rev, path) is not None

    def files(self, rev: str, prefix: str = "") -> dict[str, str]:
        """Every file under ``prefix`` at ``rev``: path -> blob id."""
        root = self.tree_of(rev)
        prefix = prefix.strip("/")
        if prefix:
            entry = self._entry_in_tree(root, validate_path(prefix))
            if entry is None or not entry.is_tree:
                return {}
            root, base = entry.sha, prefix + "/"
        else:
            base = ""
        out: dict[str, str] = {}
        stack = [(root, base)]
        while stack:
            tree, at = stack.pop()
            for name, e in self.objects.tree(tree).items():
                if e.is_tree:
                    stack.append((e.sha, at + name + "/"))
                elif e.mode != SYMLINK:
                    out[at + name] = e.sha
        return out

    def snapshot(self, rev: str, prefix: str = "") -> dict[str, bytes]:
        """Every file under ``prefix`` with its content: a book as of one revision."""
        return {p: self.objects.read(s)[1] for p, s in self.files(rev, prefix).items()}

    def subtree(self, rev: str, prefix: str) -> str | None:
        """The tree id of a folder at ``rev``: equal ids mean equal content."""
        entry = self._entry_in_tree(self.tree_of(rev), validate_path(prefix.strip("/")))
        return entry.sha if entry and entry.is_tree else None

    # -- writing ---------------------------------------------------------------
    def commit(self, branch: str, changes: Iterable[Change], author: Author, message: str, *,
               base: str | Overwrite, create: bool = False, parents_extra: tuple[str, ...] = (),
               authored_at: tuple[int, str] | None = None, committer: Author | None = None) -> Saved:
        """Write ``changes`` as one commit on ``branch``, on top of the author's ``base``.

        ``base`` is required: the commit the author started from (edits made on
        the branch since are merged, or stop the save), or ``OVERWRITE``.
        ``authored_at`` (unix seconds, ``"+0800"``) and ``committer`` are for a
        commit replayed from another repository: its author and date stay its
        own, the person who brought it in is its committer, as in ``git rebase``.
        """
        if base is None or not isinstance(base, (str, Overwrite)):
            raise TypeError("Library.commit needs base=: the commit the author started from, or OVERWRITE")
        validate_ref_name(branch)
        author = author.validated()
        changes = [self._validated(c) for c in changes]
        if not changes:
            raise MaterialsError("nothing to save", reason="empty")
        ref = "refs/heads/" + branch
        overwrite = base is OVERWRITE
        if not overwrite:
            base = self.resolve(base)
        message = with_trailers(message, {SIDE_TRAILER: author.side or ""})
        for _ in range(MAX_SAVE_ATTEMPTS):
            head = self.refs.get(ref)
            if head is None and not create:
                raise NotFound(f"branch {branch} does not exist", branch=branch)
            head_tree = self.objects.commit(head).tree if head else None
            start = head if overwrite else base
            base_tree = self.objects.commit(start).tree if start else None
            edits, merged = self._resolve_edits(changes, base_tree, head_tree, head)
            new_tree = self._apply(head_tree, edits, "")
            if new_tree is None:
                new_tree = self.objects.write_tree({})
            if new_tree == head_tree and not parents_extra:
                return Saved(head, merged, unchanged=True)
            person = author.person()
            writer = committer.validated().person() if committer else person
            if authored_at is not None:
                person = Person(person.name, person.email, int(authored_at[0]), authored_at[1])
            check_records_kept(self.objects, head_tree, new_tree)
            sha = self.objects.write_commit(new_tree, ([head] if head else []) + list(parents_extra),
                                            person, writer, message)
            try:
                self.refs.swap(ref, sha, head)
            except RefMoved:
                continue
            self._after_save()
            return Saved(sha, merged)
        raise RefMoved(f"{branch} is too busy; try again", ref=ref)

    def _validated(self, change: Change) -> Change:
        if isinstance(change, Write):
            path = validate_path(change.path)
            return Write(path, stored_form(path, change.data))
        if isinstance(change, Delete):
            return Delete(validate_path(change.path))
        if isinstance(change, Rename):
            return Rename(validate_path(change.old), validate_path(change.new))
        raise TypeError(change)

    def _blob_at(self, tree: str | None, path: str) -> Entry | None:
        entry = self._entry_in_tree(tree, path) if tree else None
        return None if entry is None or entry.is_tree else entry

    def _resolve_edits(self, changes, base_tree, head_tree, head):
        """Turn changes made against ``base`` into edits of ``head``: path -> Entry or None."""
        edits: dict[str, Entry | None] = {}
        conflicts: list[ConflictedFile] = []
        merged: list[str] = []
        stale = base_tree != head_tree

        def text(entry):
            return None if entry is None else self.objects.read(entry.sha)[1]

        for change in changes:
            if isinstance(change, Rename):
                h_old = self._blob_at(head_tree, change.old)
                if h_old is None:
                    raise NotFound(f"{change.old} does not exist", path=change.old)
                if stale and self._blob_at(base_tree, change.new) != self._blob_at(head_tree, change.new):
                    conflicts.append(self._conflict(change.new, None, text(self._blob_at(head_tree, change.new)), text(h_old)))
                    continue
                if self._blob_at(head_tree, change.new) is not None and change.new != change.old:
                    raise InvalidPath(f"{change.new} already exists", path=change.new, reason="exists")
                edits[change.old] = None
                edits[change.new] = h_old  # the current text moves, others' edits included
            elif isinstance(change, Delete):
                h = self._blob_at(head_tree, change.path)
                if h is None and change.path not in edits:
                    raise NotFound(f"{change.path} does not exist", path=change.path)
                b = self._blob_at(base_tree, change.path)
                if stale and b != h:
                    conflicts.append(self._conflict(change.path, text(b), text(h), None))
                    continue
                edits[change.path] = None
            else:
                data = change.content
                mine = Entry(BLOB, self.objects.write_blob(data))
                h = self._blob_at(head_tree, change.path)
                if h is not None and h.mode == SYMLINK:
                    raise InvalidPath("symbolic links are not allowed in a book", path=change.path, reason="symlink")
                b = self._blob_at(base_tree, change.path) if stale else h
                if not stale or b == h or (h is not None and h.sha == mine.sha):
                    edits[change.path] = Entry(h.mode if h else BLOB, mine.sha)
                    continue
                b_data, h_data = text(b), text(h)
                if b_data is not None and h_data is not None and all(map(is_text, (b_data, h_data, data))):
                    result, clean = merge_text(b_data.decode(), h_data.decode(), data.decode(),
                                               timeout=self.git_timeout)
                    if clean:
                        edits[change.path] = Entry(h.mode, self.objects.write_blob(result.encode()))
                        merged.append(change.path)
                        continue
                conflicts.append(self._conflict(change.path, b_data, h_data, data))
        if conflicts:
            raise EditConflict(conflicts, head=head)
        return edits, tuple(merged)

    def _conflict(self, path: str, base: bytes | None, theirs: bytes | None, yours: bytes | None) -> ConflictedFile:
        def dec(b):
            if b is None:
                return None
            return b.decode("utf-8", "replace")
        b, t, y = dec(base), dec(theirs), dec(yours)
        if t is not None and y is not None and all(is_text(x) for x in (base or b"", theirs, yours)):
            merged, _ = merge_text(b or "", t, y, timeout=self.git_timeout)
        else:
            merged = y if y is not None else (t or "")
        return ConflictedFile(path, b, t, y, merged)

    def _apply(self, tree: str | None, edits: dict[str, Entry | None], at: str) -> str | None:
        entries = dict(self.objects.tree(tree)) if tree else {}
        direct: dict[str, Entry | None] = {}
        nested: dict[str, dict[str, Entry | None]] = {}
        for path, value in edits.items():
            head, _, rest = path.partition("/")
            if rest:
                nested.setdefault(head, {})[rest] = value
            else:
                direct[head] = value
        added = [n for n in list(direct) + list(nested) if n not in entries]
        if added:
            existing = set(entries)
            for name in added:
                check_no_collision(existing, name, at + name)
                existing.add(name)
        for name, value in direct.items():
            current = entries.get(name)
            if current is not None and current.is_tree:
                raise InvalidPath(f"{at + name} is a folder", path=at + name, reason="is_folder")
            if value is None:
                entries.pop(name, None)
            else:
                entries[name] = value
        for name, sub in nested.items():
            current = entries.get(name)
            if current is not None and not current.is_tree:
                raise InvalidPath(f"{at + name} is a file, not a folder", path=at + name, reason="not_folder")
            new = self._apply(current.sha if current else None, sub, at + name + "/")
            if new is None:
                entries.pop(name, None)
            else:
                entries[name] = Entry(TREE, new)
        if not entries:
            return None
        if (tree and not added and all(v is not None for v in direct.values())
                and all(name in entries for name in nested)):
            replaced = {name: entries[name] for name in list(direct) + list(nested)}
            original = self.objects.tree(tree)
            if all(original[n].mode == e.mode for n, e in replaced.items()):
                return self.objects.write_tree_replacing(tree, entries, replaced)
        return self.objects.write_tree(entries)

    # -- branches and tags -------------------------------------------------------
    def branches(self) -> dict[str, str]:
        return {r[len("refs/heads/"):]: s for r, s in self.refs.list("refs/heads/").items()}

    def create_branch(self, name: str, start: str = "main") -> str:
        validate_ref_name(name)
        sha = self.resolve(start)
        self.refs.swap("refs/heads/" + name, sha, None)
        return sha

    def delete_branch(self, name: str, expected: str | None = None) -> None:
        validate_ref_name(name)
        if name == "main":
            raise MaterialsError("main cannot be deleted", reason="main")
        if self.refs.get("refs/heads/" + name) is None:
            raise NotFound(f"branch {name} does not exist", branch=name)
        self.refs.delete("refs/heads/" + name, expected)

    def tags(self) -> dict[str, str]:
        """Tag name -> the commit it marks."""
        return {r[len("refs/tags/"):]: self._peel(s) for r, s in self.refs.list("refs/tags/").items()}

    def tag_message(self, name: str) -> str:
        validate_ref_name(name, "tag")
        sha = self.refs.get("refs/tags/" + name)
        if sha is None:
            raise NotFound(f"tag {name} does not exist", tag=name)
        kind, data = self.objects.read(sha)
        return data.partition(b"\n\n")[2].decode("utf-8", "replace") if kind == "tag" else ""

    def create_tag(self, name: str, rev: str, tagger: Author, message: str) -> str:
        """An annotated tag (a release); refuses to move an existing one."""
        validate_ref_name(name, "tag")
        target = self.resolve(rev)
        tag = self.objects.write_tag(target, name, tagger.validated().person(), message)
        self.refs.swap("refs/tags/" + name, tag, None)
        return tag

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        a, d = self.resolve(ancestor), self.resolve(descendant)
        if a == d:
            return True
        result = run_git(GitCommand("merge-base", "--is-ancestor").value(a, d), git_dir=self.path, check=False,
                         timeout=self.git_timeout)
        return result.returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        out = self.git(GitCommand("merge-base").value(self.resolve(a), self.resolve(b)), check=False).strip()
        return out if SHA.match(out) else None

    def compare(self, base: str, head: str) -> tuple[int, int]:
        """(ahead, behind): commits ``head`` has that ``base`` lacks, and the reverse."""
        both = f"{self.resolve(base)}...{self.resolve(head)}"
        out = self.git(GitCommand("rev-list", "--left-right", "--count").value(both))
        behind, ahead = (int(x) for x in out.split())
        return ahead, behind

    def merge(self, source: str, into: str, author: Author, message: str, *, squash: bool = False,
              expected: str | None = None, fast_forward: bool = True) -> str:
        """Merge ``source`` into branch ``into``; overlapping edits raise ``EditConflict``.

        With ``expected`` the branch must still be at that commit (``RefMoved`` otherwise);
        without it, a branch that moves meanwhile is merged again on its new head.
        """
        validate_ref_name(into)
        author = author.validated()
        src = self.resolve(source)
        ref = "refs/heads/" + into
        body = with_trailers(message, {SIDE_TRAILER: author.side or ""})
        for _ in range(MAX_SAVE_ATTEMPTS):
            head = self.refs.get(ref)
            if head is None:
                raise NotFound(f"branch {into} does not exist", branch=into)
            if expected is not None and head != expected:
                raise RefMoved(f"{into} moved", ref=ref, expected=expected, current=head)
            if self.is_ancestor(src, head):
                return head
            base = self.merge_base(src, head)
            if base == head and fast_forward and not squash:
                new = src
            else:
                edits = self._merge_edits(base, src, head)
                new_tree = self._apply(self.objects.commit(head).tree, edits, "") or self.objects.write_tree({})
                person = author.person()
                parents = [head] if squash else [head, src]
                new = self.objects.write_commit(new_tree, parents, person, person, body)
            check_records_kept(self.objects, self.objects.commit(head).tree, self.objects.commit(new).tree)
            try:
                self.refs.swap(ref, new, head)
            except RefMoved:
                if expected is not None:
                    raise
                continue
            return new
        raise RefMoved(f"{into} is too busy; try again", ref=ref)

    def _merge_edits(self, base: str | None, theirs: str, ours: str) -> dict[str, Entry | None]:
        base_tree = self.objects.commit(base).tree if base else None
        their_tree = self.objects.commit(theirs).tree
        our_tree = self.objects.commit(ours).tree
        theirs_changed = tree_changes(self.objects, base_tree, their_tree)
        ours_changed = tree_changes(self.objects, base_tree, our_tree)
        edits: dict[str, Entry | None] = {}
        conflicts = []
        for path, (old, new) in theirs_changed.items():
            if path not in ours_changed or ours_changed[path][1] == new:
                edits[path] = new
                continue
            mine = ours_changed[path][1]
            datas = [None if e is None else self.objects.read(e.sha)[1] for e in (old, mine, new)]
            if all(d is not None and is_text(d) for d in datas):
                text, clean = merge_text(datas[0].decode(), datas[1].decode(), datas[2].decode(),
                                         timeout=self.git_timeout)
                if clean:
                    edits[path] = Entry(mine.mode, self.objects.write_blob(text.encode()))
                    continue
            # "yours" is the branch being merged in; "theirs" is what the target has now.
            conflicts.append(self._conflict(path, datas[0], datas[1], datas[2]))
        if conflicts:
            raise EditConflict(conflicts, head=ours)
        return edits

    # -- the library's content -----------------------------------------------------
    def books(self, rev: str = "main") -> list[str]:
        return list_books(self, rev)

    def book(self, name: str, rev: str = "main", *, chapters: bool = True):
        return load_book(self, name, rev, chapters=chapters)

    def standards(self, rev: str = "main") -> dict:
        return load_standards(self, rev)

    def library_config(self, rev: str = "main"):
        return load_library_config(self, rev)

    # -- history ---------------------------------------------------------------------
    def log(self, rev: str = "main", path: str | None = None, limit: int | None = None, *, follow: bool = True):
        return history.log(self, rev, path, limit, follow=follow)

    def diff(self, a: str | None, b: str, paths: list[str] | None = None, *, context: int = 3):
        return history.diff(self, a, b, paths, context=context)

    def blame(self, rev: str, path: str):
        return history.blame(self, rev, path)

    def revert(self, branch: str, sha: str, author: Author, message: str | None = None) -> str:
        return history.revert(self, branch, sha, author, message)

    # -- upkeep ------------------------------------------------------------------------
    MAINTAIN_EVERY = 256  # saves by one Library object between looks at the loose objects
    MAINTAIN_LOOSE_LIMIT = 1000  # loose objects worth a pack

    def loose_objects(self) -> int:
        out = self.git(GitCommand("count-objects"))  # "N objects, M kilobytes"
        return int(out.split()[0]) if out.strip() else 0

    def maintain(self, loose_limit: int | None = None) -> bool:
        """Pack loose objects once there are many: git reads one pack far faster than
        thousands of files (a file's log over 2,000 commits: ~400 ms loose, ~25 ms packed).

        Safe beside writers: refs are never packed (saves own them through
        compare-and-swap), nothing is pruned (an object written by a save
        still in flight stays), and one maintainer runs at a time.
        """
        fd = os.open(self.path / "jointbook-maintenance.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # someone else is at it
            if self.loose_objects() < (self.MAINTAIN_LOOSE_LIMIT if loose_limit is None else loose_limit):
                return False
            packs = len(list((self.path / "objects" / "pack").glob("*.pack")))
            self.git(GitCommand("repack", "-d", "-q", *(["-a"] if packs >= 20 else [])))
            return True
        finally:
            os.close(fd)

    def _after_save(self) -> None:
        """Now and then, pack loose objects in the background (the save has already returned)."""
        self._saves = getattr(self, "_saves", 0) + 1
        if self._saves % self.MAINTAIN_EVERY == 0:
            threading.Thread(target=self._maintain_quietly, daemon=True, name="library-maintenance").start()

    def _maintain_quietly(self) -> None:
        try:
            self.maintain()
        except (MaterialsError, OSError):
            pass  # upkeep only: the next turn tries again

    def close(self) -> None:
        self.objects.close()
