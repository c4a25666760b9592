"""Git objects read and written in-process.

Saves are the platform's hot path, so blobs, trees and commits are hashed and
written here as loose objects (temporary file, then an atomic rename into
``objects/``) instead of spawning git for each step. Reading packed objects is
left to git itself, through GitPython's long-lived ``cat-file --batch``, run
in the same isolated environment as every other git call (``gitcommand``).
Trees and commits are immutable, so parsed ones are cached by id (least recently
used ones go first).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import git
from cachetools import LRUCache
from git.db import GitCmdObjectDB

from .errors import NotFound
from .gitcommand import isolated_environment
from .trailers import trailer

TREE = 0o40000
BLOB = 0o100644
EXECUTABLE = 0o100755
SYMLINK = 0o120000
SUBMODULE = 0o160000


@dataclass(frozen=True)
class Entry:
    mode: int
    sha: str

    @property
    def is_tree(self) -> bool:
        return self.mode == TREE


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    timestamp: int
    offset: str  # "+0800"

    def encode(self) -> bytes:
        return f"{self.name} <{self.email}> {self.timestamp} {self.offset}".encode()

    @classmethod
    def decode(cls, raw: str) -> "Person":
        left, _, right = raw.rpartition(">")
        name, _, email = left.partition("<")
        parts = right.split()
        ts = int(parts[0]) if parts else 0
        off = parts[1] if len(parts) > 1 else "+0000"
        return cls(name.strip(), email.strip(), ts, off)


@dataclass(frozen=True)
class CommitObject:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str

    def trailer(self, key: str) -> str | None:
        """The value of a ``Key: value`` trailer of the message."""
        return trailer(self.message, key)


def decode_tree(data: bytes) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    i, n = 0, len(data)
    while i < n:
        sp = data.index(b" ", i)
        nul = data.index(b"\0", sp)
        name = data[sp + 1:nul].decode("utf-8", "surrogateescape")
        entries[name] = Entry(int(data[i:sp], 8), data[nul + 1:nul + 21].hex())
        i = nul + 21
    return entries


def _tree_sort_key(item: tuple[str, Entry]) -> bytes:
    name = item[0].encode("utf-8", "surrogateescape")
    return name + b"/" if item[1].mode == TREE else name


def encode_tree(entries: dict[str, Entry]) -> bytes:
    return b"".join(
        b"%o %s\0%s" % (e.mode, name.encode("utf-8", "surrogateescape"), bytes.fromhex(e.sha))
        for name, e in sorted(entries.items(), key=_tree_sort_key)
    )


def decode_commit(sha: str, data: bytes) -> CommitObject:
    head, _, message = data.partition(b"\n\n")
    tree, parents, author, committer = "", [], None, None
    for line in head.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key == "author":
            author = Person.decode(value)
        elif key == "committer":
            committer = Person.decode(value)
    empty = Person("", "", 0, "+0000")
    return CommitObject(sha, tree, tuple(parents), author or empty, committer or empty,
                        message.decode("utf-8", "replace"))


class ObjectStore:
    """The object database of one bare repository."""

    def __init__(self, git_dir: Path):
        self.git_dir = Path(git_dir)
        self.objects = self.git_dir / "objects"
        self._tmp = self.git_dir / "jointbook-tmp"
        self._local = threading.local()
        self._trees: LRUCache = LRUCache(maxsize=4096)
        self._raw_trees: LRUCache = LRUCache(maxsize=512)
        self._dirs: set[str] = set()
        self._commits: LRUCache = LRUCache(maxsize=16384)
        self._cache_lock = threading.Lock()  # a read reorders an LRU cache too

    # -- git's reader, one per thread and process --------------------------
    def _odb(self) -> GitCmdObjectDB:
        """GitPython's object database over this repository only (not ``git.Repo``, which also
        looks for ``GIT_DIR`` and ``GIT_OBJECT_DIRECTORY`` in the process environment)."""
        odb = getattr(self._local, "odb", None)
        pid = getattr(self._local, "pid", None)
        if odb is None or pid != os.getpid():
            git_dir = self.git_dir.absolute()
            command = git.cmd.Git(str(git_dir))
            # GitPython starts git from os.environ: override all that git would take from it.
            command.update_environment(**isolated_environment(), GIT_DIR=str(git_dir), GIT_COMMON_DIR=str(git_dir),
                                       GIT_OBJECT_DIRECTORY=str(git_dir / "objects"),
                                       GIT_ALTERNATE_OBJECT_DIRECTORIES="", GIT_CONFIG_PARAMETERS="",
                                       GIT_CONFIG_COUNT="0")
            odb = GitCmdObjectDB(str(git_dir / "objects"), command)
            self._local.odb, self._local.command, self._local.pid = odb, command, os.getpid()
        return odb

    def close(self) -> None:
        command = getattr(self._local, "command", None)
        if command is not None:
            command.clear_cache()  # ends the long-lived cat-file processes
            self._local.odb = self._local.command = None

    # -- reading -----------------------------------------------------------
    def read(self, sha: str) -> tuple[str, bytes]:
        """(type, content) of an object, loose or packed."""
        loose = self.objects / sha[:2] / sha[2:]
        try:
            raw = zlib.decompress(loose.read_bytes())
        except FileNotFoundError:
            try:
                stream = self._odb().stream(bytes.fromhex(sha))
            except (ValueError, git.BadObject, git.BadName) as exc:
                raise NotFound(f"no object {sha}", sha=sha) from exc
            kind = stream.type.decode() if isinstance(stream.type, bytes) else stream.type
            return kind, stream.read()
        header, _, body = raw.partition(b"\0")
        return header.split(b" ", 1)[0].decode(), body

    def exists(self, sha: str) -> bool:
        if (self.objects / sha[:2] / sha[2:]).exists():
            return True
        try:
            self._odb().info(bytes.fromhex(sha))
            return True
        except Exception:
            return False

    def tree_raw(self, sha: str) -> bytes:
        with self._cache_lock:
            cached = self._raw_trees.get(sha)
        if cached is not None:
            return cached
        kind, data = self.read(sha)
        if kind != "tree":
            raise NotFound(f"{sha} is not a tree", sha=sha)
        with self._cache_lock:
            self._raw_trees[sha] = data
        return data

    def tree(self, sha: str) -> dict[str, Entry]:
        with self._cache_lock:
            cached = self._trees.get(sha)
        if cached is not None:
            return cached
        entries = decode_tree(self.tree_raw(sha))
        with self._cache_lock:
            self._trees[sha] = entries
        return entries

    def commit(self, sha: str) -> CommitObject:
        with self._cache_lock:
            cached = self._commits.get(sha)
        if cached is not None:
            return cached
        kind, data = self.read(sha)
        if kind != "commit":
            raise NotFound(f"{sha} is not a commit", sha=sha)
        commit = decode_commit(sha, data)
        with self._cache_lock:
            self._commits[sha] = commit
        return commit

    # -- writing -----------------------------------------------------------
    def write(self, kind: str, data: bytes) -> str:
        header = f"{kind} {len(data)}\0".encode()
        h = hashlib.sha1(header)
        h.update(data)
        sha = h.hexdigest()
        target = self.objects / sha[:2] / sha[2:]
        if target.exists():
            return sha
        if "tmp" not in self._dirs:
            self._tmp.mkdir(exist_ok=True)
            self._dirs.add("tmp")
        fd, tmp = tempfile.mkstemp(dir=self._tmp, prefix="obj-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(zlib.compress(header + data, 1))
            if sha[:2] not in self._dirs:
                target.parent.mkdir(exist_ok=True)
                self._dirs.add(sha[:2])
            for attempt in range(5):
                try:
                    os.replace(tmp, target)
                    break
                except FileNotFoundError:  # packing removed the emptied folder meanwhile
                    if attempt == 4:
                        raise
                    target.parent.mkdir(exist_ok=True)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return sha

    def write_blob(self, data: bytes) -> str:
        return self.write("blob", data)

    def write_tree(self, entries: dict[str, Entry], *, raw: bytes | None = None) -> str:
        data = encode_tree(entries) if raw is None else raw
        sha = self.write("tree", data)
        with self._cache_lock:
            self._trees[sha] = dict(entries)
            self._raw_trees[sha] = data
        return sha

    def write_tree_replacing(self, sha: str, entries: dict[str, Entry], replaced: dict[str, Entry]) -> str:
        """Write a tree that differs from ``sha`` only in the ids of existing entries.

        Splices the new ids into the stored bytes instead of re-encoding every
        entry: a chapters folder of thousands of files costs one scan in C.
        """
        raw = self.tree_raw(sha)
        for name, new in replaced.items():
            marker = b"%o %s\0" % (new.mode, name.encode("utf-8", "surrogateescape"))
            at = raw.find(marker)
            # one occurrence only: a second could be inside some entry's binary id
            if at < 0 or raw.find(marker, at + 1) >= 0:
                return self.write_tree(entries)
            start = at + len(marker)
            raw = raw[:start] + bytes.fromhex(new.sha) + raw[start + 20:]
        return self.write_tree(entries, raw=raw)

    def write_commit(self, tree: str, parents: list[str], author: Person, committer: Person, message: str) -> str:
        lines = [f"tree {tree}".encode()]
        lines += [f"parent {p}".encode() for p in parents]
        lines.append(b"author " + author.encode())
        lines.append(b"committer " + committer.encode())
        if not message.endswith("\n"):
            message += "\n"
        return self.write("commit", b"\n".join(lines) + b"\n\n" + message.encode())

    def write_tag(self, target: str, name: str, tagger: Person, message: str) -> str:
        if not message.endswith("\n"):
            message += "\n"
        body = (f"object {target}\ntype commit\ntag {name}\n".encode() + b"tagger " + tagger.encode()
                + b"\n\n" + message.encode())
        return self.write("tag", body)
