"""What a phone downloads to open one chapter of a published book, against plain MkDocs Material.

The starter course is released with Jointbook (its theme, scripts, feedback
form, standard items) and built with plain ``mkdocs build`` from the same
docs and an equivalent configuration (``build_sites.plain_project``). For a
chapter with math and one without, the page and everything it loads on
opening (stylesheets, scripts, images: what its HTML links; not KaTeX's
fonts, of which a browser fetches only the faces a formula uses) are summed
as stored and as sent gzip-compressed (level 6, what nginx's ``gzip on``
sends by default). Target: the Jointbook page at most 1.2x the plain one,
compressed. Plain MkDocs leaves math as TeX (it has no KaTeX), so the page
with math has no target: the figure says what typesetting it costs.

    python3 benchmarks/page_weight.py
"""
from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET = 1.2
BOOK = "locomotive-maintenance"
PAGES = {"with math": "chapters/03-brake-test.html", "without math": "chapters/02-work-safety.html"}
_LOADED = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src|img[^>]*src)="([^"#?]+)', re.I)
_CSS_URL = re.compile(r'url\(["\']?([^"\')?#]+)')


def loaded(site: Path, page: str) -> list[Path]:
    """The page's file and what its HTML makes the browser fetch on opening (local files only)."""
    html = (site / page).read_text(encoding="utf-8")
    files = [site / page]
    for ref in _LOADED.findall(html):
        if urlsplit(ref).scheme:
            continue
        target = (site / urljoin(page, ref)).resolve()
        if target.is_file():
            files.append(target)
    return list(dict.fromkeys(files))


def weight(files: list[Path]) -> tuple[int, int]:
    raw = sum(f.stat().st_size for f in files)
    sent = sum(len(gzip.compress(f.read_bytes(), 6)) if f.suffix in (".html", ".css", ".js", ".json", ".svg")
               else f.stat().st_size for f in files)
    return raw, sent


def main() -> None:
    from build.publish import release
    from build_sites import plain_mkdocs, plain_project
    from materials import Author, Library

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lib = Library.init(root / "library.git", starter=True)
        done = release(lib, BOOK, "1.0", root / "sites", Author("基准 测试", "bench@example.org", "school"),
                       platform_url="")
        config = plain_project(lib, BOOK, root / "plain")
        plain_mkdocs(config)
        plain = config.parent / "site"
        print("python3 benchmarks/page_weight.py (starter course; KiB as stored / sent gzip-compressed)")
        for label, page in PAGES.items():
            ours, theirs = weight(loaded(done.site, page)), weight(loaded(plain, page))
            ratio = ours[1] / theirs[1]
            verdict = (f"target <= {TARGET}, {'ok' if ratio <= TARGET else 'MISSED'}" if label == "without math"
                       else "no target: plain MkDocs leaves the TeX untypeset")
            print(f"  {label:13s} {page:34s} Jointbook {ours[0] / 1024:7.0f} / {ours[1] / 1024:5.0f} KiB   "
                  f"plain {theirs[0] / 1024:6.0f} / {theirs[1] / 1024:5.0f} KiB   {ratio:5.2f}x ({verdict})")
            heavy = sorted(loaded(done.site, page), key=lambda f: -f.stat().st_size)[:4]
            print("      largest: " + ", ".join(f"{f.relative_to(done.site)} {f.stat().st_size // 1024} KiB"
                                             for f in heavy))


if __name__ == "__main__":
    main()
