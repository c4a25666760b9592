"""Jointbook's site build against plain ``mkdocs build`` on the same content.

For the starter course and a generated 300-chapter book, in one run and
interleaved round by round (so both feel the same machine load):

- plain MkDocs with an equivalent configuration: the same docs, theme,
  features, Markdown extensions, navigation, search plugin (same language
  and separator, so jieba segments the same text) and offline plugin; only
  Jointbook's hooks and theme overrides are left out;
- Jointbook's first build (empty page cache, fresh output directory);
- a rebuild of the unchanged tree;
- a preview after one chapter changed (a new commit on a branch: new text
  in one chapter, so that chapter, the contributors and the changes pages
  must be rendered again);
- a preview after one picture was redrawn and another added (only the
  chapter that shows the picture and the two history pages are rendered again).

Every round starts from scratch (new cache, new preview directory); the
ratios use the medians over the rounds, of wall-clock time (what the targets
are about) and of CPU time (this process and its children: much steadier on
a machine shared with other work, so it is printed too). Targets: first <= 1.15x,
unchanged <= 0.05x, one chapter <= 0.4x, one picture <= 0.4x.

    python3 benchmarks/build_sites.py [--chapters 300] [--rounds 3]
    python3 benchmarks/build_sites.py --quick        # CI-sized: 30 chapters, one round
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
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
from materials import OVERWRITE, Author, Library, Write  # noqa: E402

AUTHOR = Author("基准 测试", "bench@example.org", "school")
WORDS = ("制动机 检查 试验 机车 安全 作业 标准 电力 牵引 变压器 受电弓 主断路器 司机 操纵 故障 处理 "
         "维护 保养 轮对 转向架 接触网 闸瓦 风缸 压力 检修 记录").split()
TARGETS = {"first": 1.15, "unchanged": 0.05, "one_chapter": 0.4, "one_picture": 0.4}
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" fill="#{:06x}"/>'
       '</svg>')


def chapter_text(i: int, rng: random.Random, refs: list[str], edit: str = "") -> str:
    body = [f"# 第{i}章 {rng.choice(WORDS)}{rng.choice(WORDS)}", ""]
    for s in range(6):
        body += [f"## 第{s + 1}节 {rng.choice(WORDS)}", ""]
        for _ in range(4):
            body += ["".join(rng.choice(WORDS) for _ in range(60)) + "。", ""]
        body += ['!!! note "注意"', "    " + "".join(rng.choice(WORDS) for _ in range(20)), ""]
        body += ["| 项目 | 标准 |", "|---|---|", "| 压力 | $p = 500$ kPa |", ""]
    body += [f"![第{i}章示意图](../assets/figure-{i:03d}.svg)", ""]
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
    changes += [Write(f"books/{name}/assets/figure-{i:03d}.svg", SVG.format(i)) for i in range(1, chapters + 1)]
    lib.commit("main", changes, AUTHOR, "生成基准教材", base=OVERWRITE)


def plain_project(lib: Library, book: str, work: Path) -> Path:
    """The same docs and an equivalent mkdocs.yml, without Jointbook's hooks, theme overrides or cache."""
    write_sources(lib, lib.book(book, "main"), lib.resolve("main"), work, version="plain",
                  platform_url=None, contact=None, previous=None)
    config = yaml.load((work / "mkdocs.yml").read_text(), Loader=yaml.Loader)
    config.pop("hooks")
    config["theme"].pop("custom_dir")
    (work / "plain.yml").write_text(siteconfig.dump(config))
    return work / "plain.yml"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (less sensitive to a busy machine)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``fn()``."""
    cpu, started = cpu_seconds(), time.perf_counter()
    fn()
    return time.perf_counter() - started, cpu_seconds() - cpu


def plain_mkdocs(config: Path) -> tuple[float, float]:
    """One plain ``mkdocs build`` into a fresh site directory, as the build subprocess is started."""
    shutil.rmtree(config.parent / "site", ignore_errors=True)
    env = {**offline_env(), "NO_MKDOCS_2_WARNING": "1"}
    return timed(lambda: subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)],
                                        check=True, env=env, cwd=config.parent, capture_output=True))


def jointbook_round(lib: Library, book: str, root: Path, n: int) -> dict[str, tuple[float, float]]:
    """First build, unchanged rebuild and one-chapter preview, from an empty cache."""
    previews = root / f"previews-{n}"

    def preview(rev: str):
        return build_preview(lib, book, "bench", rev, previews, platform_url=None)

    first = timed(lambda: preview("main"))
    unchanged = timed(lambda: preview("main"))
    chapters = lib.book(book, "main").chapters
    name = chapters[len(chapters) // 2].path
    text = lib.read("main", name).decode() + f"\n\n补充{n}：作业前必须确认接触网已停电，并挂好接地线。\n"
    branch = f"bench-edit-{n}"
    lib.create_branch(branch)
    lib.commit(branch, [Write(name, text)], AUTHOR, "修改一章", base=OVERWRITE)
    changed = timed(lambda: preview(branch))
    lib.delete_branch(branch)
    pictures = sorted(p for p in lib.snapshot("main", f"books/{book}/assets/") if p.endswith(".svg"))
    branch = f"bench-picture-{n}"
    lib.create_branch(branch)
    lib.commit(branch, [Write(pictures[len(pictures) // 2], SVG.format(0xc00000 + n)),
                        Write(f"books/{book}/assets/added-{n}.svg", SVG.format(0x00c000 + n))],
               AUTHOR, "重画一幅图，增加一幅图", base=OVERWRITE)
    picture = timed(lambda: preview(branch))
    lib.delete_branch(branch)
    shutil.rmtree(previews, ignore_errors=True)
    return {"first": first, "unchanged": unchanged, "one_chapter": changed, "one_picture": picture}


def bench(lib: Library, book: str, root: Path, rounds: int) -> dict[str, list[tuple[float, float]]]:
    config = plain_project(lib, book, root / "plain")
    runs: dict[str, list[tuple[float, float]]] = {"plain": [], "first": [], "unchanged": [], "one_chapter": [],
                                                  "one_picture": []}
    for n in range(rounds):
        runs["plain"].append(plain_mkdocs(config))
        for k, v in jointbook_round(lib, book, root, n).items():
            runs[k].append(v)
    return runs


def report(book: str, runs: dict[str, list[tuple[float, float]]]) -> str:
    """Medians of wall-clock time (the target) and of CPU time, both as ratios to plain MkDocs."""
    def median(key: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[key])

    def listing(key: str) -> str:
        return ", ".join(f"{w:.2f}" for w, _ in runs[key])

    plain, plain_cpu = median("plain", 0), median("plain", 1)
    out = [f"{book}: plain mkdocs {plain:.2f} s wall, {plain_cpu:.2f} s CPU (wall runs {listing('plain')})"]
    for key, label in (("first", "first build"), ("unchanged", "unchanged rebuild"),
                       ("one_chapter", "one chapter changed"), ("one_picture", "one picture changed")):
        wall, cpu = median(key, 0), median(key, 1)
        ratio = wall / plain
        ok = "ok" if ratio <= TARGETS[key] else "MISSED"
        out.append(f"  {label:20s} {wall:7.3f} s {ratio:6.3f}x wall (target <= {TARGETS[key]}, {ok}) | "
                   f"{cpu:6.2f} s {cpu / plain_cpu:6.3f}x CPU | wall runs {listing(key)}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="CI-sized: 30 chapters, one round")
    parser.add_argument("--books", default="locomotive-maintenance,big-book")
    args = parser.parse_args()
    if args.quick:
        args.chapters, args.rounds = 30, 1
    print(f"python3 benchmarks/build_sites.py --chapters {args.chapters} --rounds {args.rounds} "
          f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lib = Library.init(root / "library.git", starter=True)
        add_big_book(lib, "big-book", args.chapters)
        for book in args.books.split(","):
            print(report(book, bench(lib, book, root / book, args.rounds)), flush=True)
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
