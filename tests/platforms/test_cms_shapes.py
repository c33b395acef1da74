"""The generic rules on the shape sites (``tests/sites/<shape>/``): pages written in the markup
of CMSes newsfeed reads without an adapter of their own (Drupal, DotNetNuke, Joomla, a hand-made
CMS of nested tables, WordPress), each a home page, a listing and articles, with what a person
reading them expects (:mod:`tests.tools.shapes`).

The bars are those of issue #10 for pages the rules were not written from: per shape, the
generic listing's micro precision >= 0.95 and recall >= 0.90 over its home and listing pages,
the next page found; per article, title, published date-time, author, lead, body (token F1 >=
0.9) right, and related links only from the page's own related list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed.platforms.fingerprint import fingerprint
from tests.tools.shapes import (
    article_fields,
    article_pages,
    listing_pages,
    listing_scores,
    load,
    page_of,
)

PRECISION = 0.95
RECALL = 0.90
SHAPES = sorted({p.parent.name for p in listing_pages()})


def _name(path: Path) -> str:
    return f"{path.parent.name}/{page_of(path).stem}"


def test_every_shape_has_a_home_a_listing_and_three_articles() -> None:
    for shape in ("drupal", "dotnetnuke", "joomla", "table"):
        names = {page_of(p).stem for p in listing_pages() if p.parent.name == shape}
        assert {"home", "listing"} <= names, shape
        assert sum(p.parent.name == shape for p in article_pages()) >= 3, shape


@pytest.mark.parametrize("shape", SHAPES)
def test_generic_listing_precision_recall_and_next_page_per_shape(shape: str) -> None:
    score = listing_scores()[shape]
    assert score.precision >= PRECISION, score.misses
    assert score.recall >= RECALL, score.misses
    assert score.next_right == score.pages, score.misses
    assert score.dates_right == score.dates_judged, score.misses


@pytest.mark.parametrize("sidecar", [*listing_pages(), *article_pages()], ids=_name)
def test_fingerprint_of_every_page_names_its_family(sidecar: Path) -> None:
    expected = load(sidecar)
    found = fingerprint(page_of(sidecar).read_text(encoding="utf-8"), expected["url"])
    assert found.family == expected["family"], found.scores
    assert bool(found.evidence) is (expected["family"] != "unknown")


@pytest.mark.parametrize("sidecar", article_pages(), ids=_name)
def test_generic_article_fields(sidecar: Path) -> None:
    fields = article_fields(sidecar)
    wrong = {name: detail for name, (ok, detail) in fields.items() if not ok}
    assert not wrong, wrong
