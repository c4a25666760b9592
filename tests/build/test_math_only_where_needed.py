"""KaTeX, the heaviest thing a page loads (some 300 KiB), is loaded only by pages that have math."""
from __future__ import annotations

import re

BOOK = "locomotive-maintenance"
KATEX = re.compile(r'(?:href|src)="[^"]*assets/vendor/katex/[^"]*"')


def test_a_chapter_with_math_loads_katex_and_pages_without_math_do_not(published):
    site = published.book / "2.0"
    with_math = (site / "chapters" / "08-pantograph-cases.html").read_text()
    assert '<span class="arithmatex">' in with_math
    assert len(KATEX.findall(with_math)) == 3  # its stylesheet, KaTeX and its auto-render
    for page in ("chapters/02-work-safety.html", "index.html", "jointbook/alignment.html", "jointbook/downloads.html",
                 "404.html"):
        html = (site / page).read_text()
        assert "arithmatex" not in html, page
        assert not KATEX.search(html), f"{page} loads KaTeX without any math"
