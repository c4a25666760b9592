"""Statements keep their Markdown and math, and nothing else gets through."""
from __future__ import annotations

from materials.standards.statements import statement_html


def test_plain_statements_are_only_escaped():
    assert statement_html("能完成五步闸试验") == "能完成五步闸试验"
    assert statement_html("电压 < 25 kV & 电流") == "电压 &lt; 25 kV &amp; 电流"


def test_markdown_and_math_are_rendered_inline():
    assert statement_html("能用 **万用表** 测量") == "能用 <strong>万用表</strong> 测量"
    assert statement_html("能计算 $U = IR$") == '能计算 <span class="arithmatex">\\(U = IR\\)</span>'
    assert statement_html("能用 \\(\\frac{1}{2}\\) 表示") == '能用 <span class="arithmatex">\\(\\frac{1}{2}\\)</span> 表示'


def test_a_list_stays_a_list():
    assert statement_html("1. 检查\n2. 记录").startswith("<ol>")


def test_scripts_handlers_and_foreign_links_are_dropped():
    assert statement_html("<script>alert(1)</script>能") == "能"
    assert "onerror" not in statement_html('能 <img src="x" onerror="alert(1)">')
    assert statement_html("[看](javascript:alert(1))") == '<a rel="noopener noreferrer">看</a>'
