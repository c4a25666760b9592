"""Caches of history walks, kept by the commit they were taken at.

The contribution figures walk a library's history (``git log``) once and
keep the result; when ``main`` moves from a cached commit ``T`` to ``R``,
only ``T..R`` is read and added to the walk at ``T``, so a new save costs one
short ``git log``, not a walk of the whole history. The keys name immutable
Git objects, so nothing is ever invalidated.
"""
from __future__ import annotations

import threading

from cachetools import LRUCache


def repository_key(lib) -> str:
    """The part of every cache key that says which library: its repository's real path."""
    return str(lib.path.resolve())


class Walks:
    """History walks kept by (repository, commit), and the walk of each repository used last.

    A walk at a later commit extends the one used last by the new commits
    instead of reading the whole history; cachetools' ``LRUCache`` keeps the
    walks but does not say which of a repository's was used last, hence
    ``latest``.
    """

    def __init__(self, size: int):
        self.walks: LRUCache = LRUCache(maxsize=size)
        self.latest: LRUCache = LRUCache(maxsize=64)  # repository -> the commit of its walk used last
        self._lock = threading.Lock()  # request threads share the walks: held to read or store, never to walk

    def get(self, repo: str, commit: str):
        with self._lock:
            walk = self.walks.get((repo, commit))
            if walk is not None:
                self.latest[repo] = commit
            return walk

    def put(self, repo: str, commit: str, walk) -> None:
        with self._lock:
            self.walks[(repo, commit)] = walk
            self.latest[repo] = commit

    def newest(self, repo: str):
        """(commit, walk) of the walk of ``repo`` used last, or None."""
        with self._lock:
            commit = self.latest.get(repo)
            walk = None if commit is None else self.walks.get((repo, commit))
            return None if walk is None else (commit, walk)

    def clear(self) -> None:
        with self._lock:
            self.walks.clear()
            self.latest.clear()

    def __len__(self) -> int:
        return len(self.walks)
