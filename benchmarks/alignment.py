"""How long the alignment (coverage) computation takes on a big book.

A 3,000-item standard (5 cumulative levels, F → C → S/K) and a 1,000-chapter
book carrying 5,000 item refs. Prints the median of several runs of
``materials.coverage.coverage`` against the 200 ms target.

    python3 benchmarks/alignment.py
"""
from __future__ import annotations

import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from materials.coverage import coverage  # noqa: E402
from materials.standards.standard import Item, Level, Standard, Weight  # noqa: E402

TARGET_MS = 200.0
RUNS = 9


def big_standard(n_items: int = 3000) -> Standard:
    levels = tuple(Level(f"L{n}", f"{n}级", True) for n in (5, 4, 3, 2, 1))
    items: list[Item] = []
    weights: list[Weight] = []
    per_level = n_items // len(levels)
    for lv in levels:
        made = 0
        functions = 5
        for f in range(1, functions + 1):
            fkey = f"{lv.key}.F.{f}"
            items.append(Item(fkey, str(f), "F", lv.key, None, f"职业功能 {f}"))
            made += 1
            c = 0
            while made < per_level * f // functions:
                c += 1
                ckey = f"{lv.key}.C.{f}.{c}"
                items.append(Item(ckey, f"{f}.{c}", "C", lv.key, fkey, f"工作内容 {f}.{c}"))
                made += 1
                for s in range(1, 6):
                    if made >= per_level * f // functions:
                        break
                    kind = "S" if s % 2 else "K"
                    items.append(Item(f"{lv.key}.{kind}.{f}.{c}.{s}", f"{f}.{c}.{s}", kind, lv.key, ckey, "要求"))
                    made += 1
        for table in ("skill", "knowledge"):
            for f in range(1, functions + 1):
                weights.append(Weight(table, lv.key, f"{lv.key}.F.{f}", 20))
    return Standard(id="bench@2024", scheme="custom", title="bench", edition="2024", status="current",
                    language="zh-CN", levels=levels, kinds={"F": "职业功能", "C": "工作内容", "S": "技能要求", "K": "相关知识要求"},
                    items=tuple(items), weights=tuple(weights))


def big_book(std: Standard, chapters: int = 1000, refs: int = 5000) -> dict[str, list[str]]:
    rng = random.Random(7)
    keys = [i.key for i in std.items if i.kind in ("S", "K")]
    book: dict[str, list[str]] = {f"{n:04d}-chapter.md": [] for n in range(chapters)}
    names = list(book)
    for n in range(refs):
        book[names[n % chapters]].append(rng.choice(keys))
    return book


def main() -> None:
    std = big_standard()
    book = big_book(std)
    standards = {std.id: std}
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = coverage(standards, [std.id], book)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    cold = []
    for _ in range(RUNS):  # a freshly parsed standard: its tree indexes are built inside the timing
        fresh = dataclasses.replace(std)
        start = time.perf_counter()
        coverage({fresh.id: fresh}, [fresh.id], book)
        cold.append((time.perf_counter() - start) * 1000)
    cold_median = statistics.median(cold)
    top = result.standards[std.id].levels[-1]
    print(f"items={len(std.items)} chapters={len(book)} refs={sum(map(len, book.values()))}")
    print(f"highest level: {top.covered}/{top.total} S/K items covered ({top.percent:.1f} %)")
    print(f"coverage(): median {median:.1f} ms over {RUNS} runs (min {min(times):.1f}, max {max(times):.1f})")
    print(f"coverage() on a fresh Standard (indexes built inside): median {cold_median:.1f} ms")
    worst = max(median, cold_median)
    print(f"target {TARGET_MS:.0f} ms: {worst / TARGET_MS:.2f} of the budget "
          f"({'OK' if worst < TARGET_MS else 'OVER'})")


if __name__ == "__main__":
    main()
