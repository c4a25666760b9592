"""What a site build keeps between builds: rendered pages and segmented words.

A change request usually touches one chapter; the other pages of a
300-chapter book come out byte-identical, so a preview only renders what
changed. Two stores, both under the build's cache directory:

- ``PageCache``: one page's final HTML as a plain file (copied into the site
  on a hit) and a small JSON sidecar with its title and search entries,
  under a key naming everything the page is made of (see ``build.run``).
- ``Segmenter``: Chinese search needs jieba, whose dictionary takes seconds
  to load. Runs of Han characters already segmented by an earlier build of
  the book are remembered; the few new ones of a preview are segmented with
  only the dictionary entries they can touch, read from jieba's own word
  list. The result is jieba's, word for word; whenever that cannot be shown
  for a run, the full dictionary is loaded as MkDocs would.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any, Iterable

CACHE_DAYS = 14
# Beyond this many new characters, loading jieba's whole dictionary is cheaper.
PARTIAL_LIMIT = 20_000
# Runs remembered per book (a 300-chapter book has some 30 000).
MAX_RUNS = 200_000
_TAGS = re.compile(r"<[^>]*>")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class PageCache:
    """Rendered pages on disk: ``<key>.html`` plus ``<key>.json`` (title, search entries).

    Printed books are kept the same way, as ``<key>.pdf`` (``suffix``).
    """

    def __init__(self, root: Path, suffix: str = ".html"):
        self.root = Path(root) / "pages"
        self.suffix = suffix
        self.hits = 0
        self.misses = 0

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}{self.suffix}", folder / f"{key}.json"

    def load(self, key: str) -> dict | None:
        """The page's title and search entries, if its HTML is stored too."""
        page, meta = self._paths(key)
        try:
            entry = json.loads(meta.read_bytes())
            if not page.is_file():
                return None
            os.utime(meta)            # used: kept by prune()
        except (OSError, ValueError):
            return None
        return entry

    def copy_to(self, key: str, dest: str | Path) -> None:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._paths(key)[0], dest)

    def store(self, key: str, rendered: str | Path, entry: dict) -> None:
        """Keep a rendered page (the file MkDocs wrote) and its sidecar; HTML first, sidecar last."""
        page, meta = self._paths(key)
        page.parent.mkdir(parents=True, exist_ok=True)
        tmp = page.with_name(f".{page.name}.{os.getpid()}")
        shutil.copyfile(rendered, tmp)
        os.replace(tmp, page)
        _atomic_write(meta, json.dumps(entry, ensure_ascii=False).encode("utf-8"))

    def prune(self, days: int = CACHE_DAYS) -> None:
        """Forget pages no build has used for ``days`` days (and the JSON pages of older builds)."""
        for old in self.root.parent.glob("[0-9a-f][0-9a-f]"):
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        cutoff = time.time() - days * 86400
        for meta in self.root.glob("*/*.json"):
            try:
                if meta.stat().st_mtime < cutoff:
                    meta.unlink()
                    meta.with_suffix(self.suffix).unlink(missing_ok=True)
            except OSError:
                pass


class Unanswerable(LookupError):
    """A partial dictionary was asked about a word it was not built for."""


class PartialFreq:
    """jieba's prefix dictionary restricted to the substrings of some text.

    For any substring of that text, membership and frequency agree with the
    full dictionary wherever jieba's algorithm can tell the difference (see
    ``Segmenter._partial``); asked anything else, it raises ``Unanswerable``.
    """

    def __init__(self, freq: dict[str, int], candidates: set[str], longest: int):
        self.freq = freq
        self.candidates = candidates
        self.longest = longest

    def _known(self, key: str) -> bool:
        if len(key) > self.longest:
            return False                  # no word or prefix of a word is that long
        if key not in self.candidates:
            raise Unanswerable(key)
        return True

    def __contains__(self, key: str) -> bool:
        return self._known(key) and key in self.freq

    def __getitem__(self, key: str) -> int:
        if not self._known(key):
            raise KeyError(key)
        return self.freq[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.freq.get(key, default) if self._known(key) else default


class Segmenter:
    """Stands in for the ``jieba`` module in Material's search plugin (``cut`` only).

    Results are jieba's own: remembered from earlier builds of the same book
    (``<cache>/segments/<book>.json``, exact per run of Han characters), cut
    with a partial dictionary for a few new runs, or cut by jieba itself.
    """

    def __init__(self, root: Path, book: str):
        try:
            from jieba import __version__ as version
        except ImportError:
            version = ""
        # remembered runs are jieba's words: a new jieba starts afresh
        name = hashlib.sha256(f"{book}\0{version}".encode()).hexdigest()[:32]
        self.path = Path(root) / "segments" / f"{name}.json"
        self.dictionaries = Path(root) / "segments"     # facts about jieba's word list
        self.known: dict[str, str] = {}
        try:   # stored as the segmented runs only: a run is its words joined
            self.known = {seg.replace("\u200b", ""): seg for seg in json.loads(self.path.read_bytes())}
        except (OSError, ValueError, AttributeError, TypeError):
            self.known = {}
        self.used: dict[str, str] = {}
        self.tokenizer = None             # a partial-dictionary jieba.Tokenizer, when prepared
        self.full = False                 # jieba's own dictionary is loaded
        self.stats = {"remembered": 0, "partial": 0, "jieba": 0}

    # -- what Material calls -------------------------------------------------
    def cut(self, sentence: bytes | str, *args, **kwargs) -> list[str]:
        if args or kwargs:                # not the call Material makes: jieba itself
            return list(self._jieba().cut(sentence, *args, **kwargs))
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else sentence
        known = self.known.get(text)
        if known is not None:
            self.stats["remembered"] += 1
            words = known.split("\u200b")
        else:
            words = None
            if self.tokenizer is not None and not self.full:
                try:
                    words = list(self.tokenizer.cut(text))
                    self.stats["partial"] += 1
                except Unanswerable:
                    words = None
            if words is None:
                words = list(self._jieba().cut(text))
                self.stats["jieba"] += 1
            known = "\u200b".join(words)
        self.used[text] = known
        return words

    def _jieba(self):
        import jieba
        if not self.full:
            jieba.initialize()
            self.full = True
        return jieba

    # -- preparing for a preview ---------------------------------------------
    def prepare(self, texts: Iterable[str]) -> None:
        """Get ready to segment the pages about to be indexed (their HTML or titles).

        Few unknown characters: build the partial dictionary for them. Many:
        nothing to do, jieba will load its dictionary on the first new run.
        """
        if self.full or self.tokenizer is not None:
            return
        runs: set[str] = set()
        size = 0
        for text in texts:
            for run in _han_runs(html.unescape(_TAGS.sub("", text))):
                if run not in self.known and run not in runs:
                    runs.add(run)
                    size += len(run)
                    if size > PARTIAL_LIMIT:
                        return
        if not runs:
            return
        try:
            self.tokenizer = self._partial(runs)
        except (OSError, ValueError):
            self.tokenizer = None

    def _dictionary(self) -> tuple[str, int, int]:
        """jieba's word list as text, its total frequency and a bound on its word length.

        The two numbers are computed once per dictionary and kept beside the
        remembered runs (a line is never shorter than its word, so the
        longest line bounds the longest word).
        """
        import jieba
        with jieba.dt.get_dict_file() as f:
            data = f.read()
        digest = hashlib.sha256(data).hexdigest()[:32]
        meta_path = self.dictionaries / f"jieba-{digest}.json"
        text = data.decode("utf-8")
        try:
            meta = json.loads(meta_path.read_bytes())
            return text, int(meta["total"]), int(meta["longest"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        # jieba reads each line stripped, as "word frequency [tag]", and adds up every frequency
        total = sum(map(int, re.findall(r"(?m)^[ \t]*[^ \n]+ (\d+)", text)))
        longest = max(map(len, text.splitlines()), default=0)
        _atomic_write(meta_path, json.dumps({"total": total, "longest": longest}).encode())
        return text, total, longest

    def _partial(self, runs: set[str]):
        """A jieba.Tokenizer knowing only the dictionary entries inside ``runs``.

        jieba looks up substrings of the text it cuts: whether each is a word
        or a prefix of one (to extend the DAG), and word frequencies. Keeping
        every dictionary word that occurs in ``runs`` with all its prefixes
        gives the same DAG, the same route and the same words: a substring
        left out is not a word, and any longer word reached through it would
        itself occur in ``runs`` and have brought it in as a prefix.
        """
        import jieba
        text, total, longest = self._dictionary()
        candidates = {run[i:j] for run in runs for i in range(len(run))
                      for j in range(i + 1, min(len(run), i + longest) + 1)}
        firsts = "".join(sorted({c for run in runs for c in run}))
        freq: dict[str, int] = {}
        # only the lines whose word starts with a character of the runs, in dictionary order
        pattern = re.compile(rf"(?m)^[ \t]*([{re.escape(firsts)}][^ \n]*) (\d+)")
        for word, count in pattern.findall(text):
            if word in candidates:
                freq[word] = int(count)   # a repeated word: the last line wins, as in jieba
        for word in list(freq):
            for i in range(1, len(word)):
                freq.setdefault(word[:i], 0)
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = PartialFreq(freq, candidates, longest)
        tokenizer.total = total
        tokenizer.initialized = True
        return tokenizer

    def save(self) -> None:
        """Remember the runs of this build with the earlier ones (pages reused from the page
        cache were not segmented again); start afresh when that grows past ``MAX_RUNS``."""
        new = {run: seg for run, seg in self.used.items() if run not in self.known}
        if not new:
            return
        merged = {**self.known, **new}
        if len(merged) > MAX_RUNS:
            merged = self.used
        _atomic_write(self.path, json.dumps(list(merged.values()), ensure_ascii=False).encode("utf-8"))


_HAN = None


def _han_runs(text: str) -> list[str]:
    """Runs of Han characters, as Material's search plugin finds them."""
    global _HAN
    if _HAN is None:
        import backrefs.bre as bre
        _HAN = bre.compile(r"(\p{script: Han}+)", bre.UNICODE)
    return _HAN.findall(text)
