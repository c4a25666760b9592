"""Jointbook's site build against plain ``mkdocs build`` on the same content.

For the starter course and a generated 300-chapter book: plain MkDocs with an
equivalent configuration (same theme, features, Markdown extensions, search,
navigation and docs), then Jointbook's first build, a rebuild of the
unchanged tree, and a preview after one chapter changed. Prints the ratios
(targets: first <= 1.15x, unchanged <= 0.05x, one chapter <= 0.4x).

    python3 benchmarks/build_sites.py [--chapters 300]
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml  # noqa: E402

from build import config as siteconfig  # noqa: E402
from build.previews import build_preview  # noqa: E402
from build.site import offline_env, write_sources  # noqa: E402
from materials import Author, Library, Write  # noqa: E402

AUTHOR = Author("基准 测试", "bench@example.org", "school")
WORDS = ("制动机 检查 试验 机车 安全 作业 标准 电力 牵引 变压器 受电弓 主断路器 司机 操纵 故障 处理 "
         "维护 保养 轮对 转向架 接触网 闸瓦 风缸 压力 检修 记录").split()


def chapter_text(i: int, rng: random.Random, refs: list[str], edit: str = "") -> str:
    body = [f"# 第{i}章 {rng.choice(WORDS)}{rng.choice(WORDS)}", ""]
    for s in range(6):
        body += [f"## 第{s + 1}节 {rng.choice(WORDS)}", ""]
        for _ in range(4):
            body += ["".join(rng.choice(WORDS) for _ in range(60)) + "。", ""]
        body += ['!!! note "注意"', "    " + "".join(rng.choice(WORDS) for _ in range(20)), ""]
        body += ["| 项目 | 标准 |", "|---|---|", "| 压力 | $p = 500$ kPa |", ""]
    front = {"title": f"第{i}章 {rng.choice(WORDS)}", "standards": rng.sample(refs, 3), "hours": 2}
    return "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n" + "\n".join(body) + edit + "\n"


def add_big_book(lib: Library, name: str, chapters: int) -> None:
    std_id = next(iter(lib.standards()))
    std = lib.standards()[std_id]
    refs = [it.key for it in std.items if it.kind in "SK"]
    rng = random.Random(1)
    files = [f"{i:03d}-chapter.md" for i in range(1, chapters + 1)]
    parts = [{"part": f"第{p + 1}篇", "chapters": files[p * 30:(p + 1) * 30]} for p in range((chapters + 29) // 30)]
    book = {"title": "大型教材（基准）", "language": "zh-CN", "license": "CC-BY-SA-4.0", "edition": "2026",
            "standards": [std_id], "navigation": parts,
            "site": {"features": ["navigation.sections", "search.highlight"]}}
    changes = [Write(f"books/{name}/book.yml", yaml.safe_dump(book, allow_unicode=True))]
    changes += [Write(f"books/{name}/chapters/{f}", chapter_text(i, rng, refs)) for i, f in enumerate(files, 1)]
    lib.commit("main", changes, AUTHOR, "生成基准教材")


def plain_mkdocs(lib: Library, book: str, work: Path) -> float:
    """The same docs and an equivalent mkdocs.yml, without Jointbook's hooks, theme overrides or cache."""
    write_sources(lib, lib.book(book, "main"), lib.resolve("main"), work, version="plain",
                  platform_url=None, contact=None, previous=None)
    config = yaml.load((work / "mkdocs.yml").read_text(), Loader=yaml.Loader)
    config.pop("hooks")
    config["theme"].pop("custom_dir")
    (work / "plain.yml").write_text(siteconfig.dump(config))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "plain.yml")],
                   check=True, env=offline_env(), cwd=work, capture_output=True)
    return time.perf_counter() - started


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bench(lib: Library, book: str, root: Path) -> dict[str, float]:
    plain = plain_mkdocs(lib, book, root / "plain")
    previews = root / "previews"
    first = timed(lambda: build_preview(lib, book, "bench", "main", previews, platform_url=None))
    unchanged = timed(lambda: build_preview(lib, book, "bench", "main", previews, platform_url=None))
    name = lib.book(book, "main").chapters[len(lib.book(book, "main").chapters) // 2].path
    text = lib.read("main", name).decode() + "\n\n补充：作业前必须确认接触网已停电。\n"
    lib.create_branch("bench-edit")
    lib.commit("bench-edit", [Write(name, text)], AUTHOR, "修改一章")
    changed = timed(lambda: build_preview(lib, book, "bench", "bench-edit", previews, platform_url=None))
    lib.delete_branch("bench-edit")
    return {"plain": plain, "first": first, "unchanged": unchanged, "one_chapter": changed}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapters", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lib = Library.init(root / "library.git", starter=True)
        add_big_book(lib, "big-book", args.chapters)
        for book in ("locomotive-maintenance", "big-book"):
            r = bench(lib, book, root / book)
            print(f"{book}: plain mkdocs {r['plain']:.2f} s | jointbook first {r['first']:.2f} s "
                  f"({r['first'] / r['plain']:.2f}x, target <= 1.15) | unchanged {r['unchanged']:.3f} s "
                  f"({r['unchanged'] / r['plain']:.3f}x, target <= 0.05) | one chapter changed "
                  f"{r['one_chapter']:.2f} s ({r['one_chapter'] / r['plain']:.2f}x, target <= 0.4)", flush=True)


if __name__ == "__main__":
    main()
