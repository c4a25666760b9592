"""Branch and tag names, and compare-and-swap updates of refs.

Ref updates take a kernel file lock (released by the kernel if the writer dies,
so a killed process never leaves the library locked) and then follow git's own
``<ref>.lock`` + rename protocol, so git commands see a consistent state and a
reader never sees half a ref.
"""
from __future__ import annotations

import fcntl
import functools
import os
import re
from contextlib import contextmanager
from pathlib import Path

from .errors import InvalidRefName, RefExists, RefMoved
from .gitcommand import DEFAULT_TIMEOUT, GitCommand, run_git

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/@+-]{0,199}$")
ZERO = "0" * 40
SHA = re.compile(r"^[0-9a-f]{40}$")


@functools.lru_cache(maxsize=4096)
def _git_accepts(full: str) -> bool:
    return run_git(GitCommand("check-ref-format").value(full), check=False).returncode == 0


def validate_ref_name(name: str, kind: str = "branch") -> str:
    """Refuse names git would refuse or that could be read as an option."""
    if (not isinstance(name, str) or not _NAME.match(name) or ".." in name or "//" in name
            or name.endswith(("/", ".", ".lock")) or "/." in name or "@{" in name
            or name in ("HEAD", "@")):
        raise InvalidRefName(f"'{name}' is not a valid {kind} name", name=str(name), kind=kind)
    full = ("refs/heads/" if kind == "branch" else "refs/tags/") + name
    if not _git_accepts(full):
        raise InvalidRefName(f"'{name}' is not a valid {kind} name", name=name, kind=kind)
    return name


class RefStore:
    """Reads and swaps refs of one bare repository."""

    def __init__(self, git_dir: Path, *, git_timeout: float = DEFAULT_TIMEOUT):
        self.git_dir = Path(git_dir)
        self.git_timeout = git_timeout
        self._lock_path = self.git_dir / "jointbook-refs.lock"
        self._packed_cache: tuple[float, dict[str, str]] | None = None

    # -- reading ---------------------------------------------------------
    def _packed(self) -> dict[str, str]:
        path = self.git_dir / "packed-refs"
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._packed_cache and self._packed_cache[0] == mtime:
            return self._packed_cache[1]
        refs: dict[str, str] = {}
        for line in path.read_text().splitlines():
            if not line or line[0] in "#^":
                continue
            sha, _, ref = line.partition(" ")
            refs[ref] = sha
        self._packed_cache = (mtime, refs)
        return refs

    def get(self, ref: str) -> str | None:
        """The commit a ref holds now, or None."""
        for _ in range(5):
            try:
                value = (self.git_dir / ref).read_text().strip()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return self._packed().get(ref)
            if value.startswith("ref: "):
                ref = value[5:]
                continue
            return value or None
        return None

    def list(self, prefix: str) -> dict[str, str]:
        """Every ref below ``prefix`` (e.g. ``refs/heads/``), loose and packed."""
        found = {r: s for r, s in self._packed().items() if r.startswith(prefix)}
        root = self.git_dir / prefix
        if root.is_dir():
            for dirpath, _dirs, files in os.walk(root):
                for f in files:
                    if f.endswith(".lock"):
                        continue
                    full = os.path.relpath(os.path.join(dirpath, f), self.git_dir).replace(os.sep, "/")
                    value = self.get(full)
                    if value:
                        found[full] = value
        return found

    # -- writing ---------------------------------------------------------
    @contextmanager
    def locked(self):
        """Hold the library's ref lock; the kernel drops it if this process dies."""
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def swap(self, ref: str, new: str, expected: str | None) -> None:
        """Point ``ref`` at ``new`` only if it still holds ``expected`` (None: must not exist)."""
        assert SHA.match(new), new
        with self.locked():
            current = self.get(ref)
            if current != expected:
                if expected is None:
                    raise RefExists(f"{ref} already exists", ref=ref)
                raise RefMoved(f"{ref} moved", ref=ref, expected=expected, current=current)
            self._write_loose(ref, new)

    def delete(self, ref: str, expected: str | None = None) -> None:
        with self.locked():
            current = self.get(ref)
            if current is None:
                return
            if expected is not None and current != expected:
                raise RefMoved(f"{ref} moved", ref=ref, expected=expected, current=current)
            if ref in self._packed():
                # Rewriting packed-refs is git's business; it takes its own lock.
                run_git(GitCommand("update-ref", "-d").value(ref, current), git_dir=self.git_dir,
                        timeout=self.git_timeout)
            try:
                (self.git_dir / ref).unlink()
            except FileNotFoundError:
                pass
            self._prune_empty_dirs(ref)

    def _write_loose(self, ref: str, new: str) -> None:
        path = self.git_dir / ref
        lock = path.with_name(path.name + ".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise InvalidRefName(f"{ref} clashes with an existing name", name=ref, kind="ref") from exc
        if path.is_dir():
            raise InvalidRefName(f"{ref} clashes with an existing name", name=ref, kind="ref")
        # We hold the kernel lock, so a leftover .lock is from a writer that died.
        try:
            lock.unlink()
        except FileNotFoundError:
            pass
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            # No fsync, as git's own update-ref: the rename is atomic, and a
            # process killed here leaves the old value, never half a ref.
            os.write(fd, (new + "\n").encode())
        finally:
            os.close(fd)
        os.replace(lock, path)

    def _prune_empty_dirs(self, ref: str) -> None:
        parent = (self.git_dir / ref).parent
        stop = {self.git_dir / "refs" / "heads", self.git_dir / "refs" / "tags", self.git_dir / "refs"}
        while parent not in stop and parent != self.git_dir:
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent
