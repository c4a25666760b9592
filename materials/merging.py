"""Three-way merges of text and of trees.

Text is merged by ``git merge-file``: the same algorithm git users know, so a
clean merge here is a clean merge anywhere. Trees are compared in-process,
skipping every subtree whose id did not change.
"""
from __future__ import annotations

import os
import tempfile

from .gitcommand import GitCommand, run_git
from .objects import Entry, ObjectStore


def merge_text(base: str, theirs: str, yours: str, *, timeout: float | None = None) -> tuple[str, bool]:
    """(merged text, clean?) — overlapping edits leave conflict markers in the text."""
    if theirs == yours or base == theirs:
        return yours, True
    if base == yours:
        return theirs, True
    with tempfile.TemporaryDirectory(prefix="jb-merge-") as tmp:
        paths = []
        for name, text in (("yours", yours), ("base", base), ("theirs", theirs)):
            p = os.path.join(tmp, name)
            with open(p, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            paths.append(p)
        # Runs outside any repository, so no configuration changes the conflict markers.
        result = run_git(GitCommand("merge-file", "-p", "-L", "yours", "-L", "base", "-L", "theirs").paths(*paths),
                         check=False, timeout=timeout)
    if result.returncode < 0 or result.returncode > 127:
        raise RuntimeError(result.stderr.decode(errors="replace"))
    return result.stdout.decode("utf-8", "surrogateescape"), result.returncode == 0


def tree_changes(store: ObjectStore, old: str | None, new: str | None, prefix: str = "") -> dict[str, tuple[Entry | None, Entry | None]]:
    """Every file path whose entry differs between two trees: path -> (old, new)."""
    changes: dict[str, tuple[Entry | None, Entry | None]] = {}
    if old == new:
        return changes
    a = store.tree(old) if old else {}
    b = store.tree(new) if new else {}
    for name in a.keys() | b.keys():
        ea, eb = a.get(name), b.get(name)
        if ea == eb:
            continue
        path = prefix + name
        a_tree = ea.sha if ea and ea.is_tree else None
        b_tree = eb.sha if eb and eb.is_tree else None
        if a_tree or b_tree:
            changes.update(tree_changes(store, a_tree, b_tree, path + "/"))
        fa = ea if ea and not ea.is_tree else None
        fb = eb if eb and not eb.is_tree else None
        if fa != fb:
            changes[path] = (fa, fb)
    return changes


def is_text(data: bytes) -> bool:
    if b"\0" in data[:8000]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
