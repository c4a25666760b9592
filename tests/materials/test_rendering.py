"""Chapter Markdown rendered for the platform's pages: safe, and readable by a screen reader."""
from __future__ import annotations

import re

from materials.rendering import render_markdown


def test_each_task_checkbox_is_named_by_its_item():
    html = render_markdown('- [x] 检查**制动**缸压力\n- [ ] 记录 "读数"\n    - [ ] 复核\n')
    names = re.findall(r'<input aria-label="([^"]*)" type="checkbox"', html)
    assert names == ["检查制动缸压力", "记录 &quot;读数&quot;", "复核"]
    assert html.count("<input") == 3 and "<strong>制动</strong>" in html  # the text itself is unchanged


def test_scripts_and_handlers_never_survive_rendering():
    html = render_markdown('<script>alert(1)</script>\n\n<img src="x.png" onerror="alert(1)">\n\n'
                           '- [ ] <span onclick="alert(1)">x</span>\n')
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
