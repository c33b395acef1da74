"""The body cleaner's shortcuts give what the plain Python walk over the body gave."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html

from newsfeed.extraction.body import _BLOCKS, Body, _lines_from_the_end

URL = "https://tinhx.gov.vn/tin-tuc/a.html"

FRAGMENTS = [
    "<div><p>Một</p><p>Hai</p><div><span>Ba</span></div></div>",
    "<div><div><div><p>Sâu</p></div></div><h4>Tiêu đề</h4><h5><b>x</b></h5><h6></h6></div>",
    # a comment or a processing instruction is no block child; a table and a list item are
    "<div><p>A<!-- c --></p><div><!-- c --><?pi x?>t</div><div><table><tr><td>x</td></tr>"
    "</table></div><div><ul><li>l</li></ul></div><div><section>s</section></div></div>",
    "<div><p>p trong<div>div</div></p><h3>không phải dòng</h3><blockquote><p>q</p></blockquote>"
    "<figure><img src='a.jpg'></figure><div><figure>f</figure></div><div><tr>t</tr></div></div>",
    "<p>Chỉ một đoạn</p>",
    "<div></div>",
]


def _python_lines(root: Any) -> list[Any]:
    """The definition of a line, tested on every element: innermost p, div, h4-h6 (no block
    child)."""
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and element.tag in {"p", "div", "h4", "h5", "h6"}
        and not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in element)
    ]


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_the_lines_from_the_end_are_the_walks_reversed(fragment: str) -> None:
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    expected = _python_lines(root)
    assert expected, "each fragment has lines"
    assert list(_lines_from_the_end(root)) == expected[::-1]
    # the body element itself is a line when it holds no block
    line = lxml_html.fragment_fromstring("<p>Tin: <b>Minh Anh</b></p>")
    assert list(_lines_from_the_end(line)) == [line]


@pytest.mark.parametrize("child", sorted(_BLOCKS | {"span", "ul", "b", "td", "h3x"}))
def test_each_block_child_makes_its_parent_no_line(child: str) -> None:
    # built, not parsed: the parser would move some of these (a tr outside a table)
    root = lxml_html.Element("div")
    for tag in ("p", "div", "h4", "h5", "h6", "span"):
        parent = lxml_html.Element(tag)
        etree.SubElement(parent, child).text = "x"
        root.append(parent)
        root.append(etree.Comment("c"))
    assert list(_lines_from_the_end(root)) == _python_lines(root)[::-1]


def test_the_credit_line_is_the_last_innermost_line() -> None:
    root = lxml_html.fragment_fromstring(
        "<div><p>Sáng nay, hội nghị tổng kết năm đã diễn ra tại trụ sở.</p>"
        "<div><p>Tin, ảnh: Minh Anh</p><div> </div></div></div>"
    )
    body = Body(root, URL)
    assert body.credit == "Minh Anh"
    assert "Minh Anh" not in body.text
    # a wrapper holding the line is not the line: its other text stays
    wrapped = lxml_html.fragment_fromstring(
        "<div><p>Sáng nay, hội nghị tổng kết.</p><div>Theo Sở<p>Tin: Minh Anh</p></div></div>"
    )
    assert Body(wrapped, URL).credit == "Minh Anh"
    assert "Theo Sở" in Body(wrapped, URL).text
