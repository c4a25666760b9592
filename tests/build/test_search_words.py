"""Chinese search words cut for a preview are jieba's own, word for word.

A preview segments the few new runs of Han characters with only the
dictionary entries they can touch (build.cache.Segmenter); what students
search must not depend on whether the page came from a preview or a full
build, so every cut is compared with jieba's with its whole dictionary.
"""
from __future__ import annotations

import random

import jieba
from hypothesis import HealthCheck, given, settings, strategies as st

from build.cache import Segmenter, _han_runs
from materials import Library

from .conftest import BOOK

# Words and pieces chosen to hit jieba's corner cases: words whose prefixes are
# only prefixes (电力机), words inside longer words, unknown names for the HMM,
# single characters, rare characters and characters outside jieba's Han range.
PIECES = ("电力机车", "电力机", "机车", "制动机", "五步闸", "副风缸", "受电弓", "接触网", "停电", "检修",
          "王小明", "张工", "的", "了", "和", "与", "龘", "㐀", "〇", "𠀀", "中华人民共和国", "南京市长江大桥",
          "结婚的和尚未结婚的", "研究生命的起源", "乒乓球拍卖完了", "作业前必须确认")


def jieba_words(text: str) -> list[str]:
    return list(jieba.cut(text.encode("utf-8")))


def partial_words(tmp_path, texts: list[str]) -> tuple[list[list[str]], dict]:
    segmenter = Segmenter(tmp_path, "book")
    segmenter.prepare(texts)
    assert segmenter.tokenizer is not None
    return [segmenter.cut(run.encode("utf-8")) for text in texts for run in _han_runs(text)], segmenter.stats


def test_starter_book_is_cut_as_jieba_cuts_it(tmp_path):
    lib = Library.init(tmp_path / "library.git", starter=True)
    texts = [c.body for c in lib.book(BOOK).chapters]
    cut, stats = partial_words(tmp_path / "cache", texts)
    assert cut == [jieba_words(run) for text in texts for run in _han_runs(text)]
    assert stats["partial"] == len(cut) and stats["jieba"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12), st.integers(0, 2**32))
def test_any_mix_of_words_is_cut_as_jieba_cuts_it(tmp_path, pieces, seed):
    rng = random.Random(seed)
    text = "".join(p if rng.random() < 0.7 else p[::-1] for p in pieces)
    cut, _ = partial_words(tmp_path / "cache", [text])
    assert cut == [jieba_words(run) for run in _han_runs(text)]


def test_runs_are_remembered_for_the_next_build(tmp_path):
    first = Segmenter(tmp_path, "book")
    first.prepare(["受电弓滑板磨耗超限"])
    words = first.cut("受电弓滑板磨耗超限".encode())
    first.save()
    again = Segmenter(tmp_path, "book")
    assert again.cut("受电弓滑板磨耗超限".encode()) == words == jieba_words("受电弓滑板磨耗超限")
    assert again.stats["remembered"] == 1 and not again.full
