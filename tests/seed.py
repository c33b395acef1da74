"""The seed article (../shared/corpus/seed/) rendered in Bạc Liêu's 2018 markup, at test time.

The seed is the text of one article of the Bạc Liêu portal as a reader saw it; no HTML of it
survives, and the text is not the project's to copy into the repository. So the repository holds
only invented markup (``tests/fixtures/bac_lieu/seed/*.tmpl``: the Lạc Việt SharePoint tables,
``td.TitleFront`` listings printing every headline twice, ``td.Time``, ``p.MsoNormal`` in a
``div.ExternalClass<GUID>``) and the reviewed expectation of every field that is not the seed's
own text (``expected.json``); the text is filled in from the corpus here, and tests that use it
skip with a clear message when the corpus is absent.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

from tests.conftest import CORPUS

SEED_DIR = Path(__file__).with_name("fixtures") / "bac_lieu" / "seed"
BASE = "https://baclieu.gov.vn"
ITEM_ID = "8461"
"""Invented: the seed carries no URL (the audit found nothing supporting any id)."""
RELATED_IDS = ("8533", "8498", "8472", "8467", "8465", "8463", "8462", "8459")
PRINTED_DATE = "Thứ Năm, 24/10/2024, 17:30"
"""The seed's date (24 Oct 2024) as the 2018 pages print dates; the time is invented."""
# Two more articles of the category, invented, for the listing and the crawl.
OTHERS = (
    ("8460", "Kiểm tra tiến độ các công trình trọng điểm của tỉnh", "Thứ Tư, 23/10/2024, 16:10"),
    ("8458", "Tiếp đoàn công tác của Ban Dân vận Trung ương", "Thứ Ba, 22/10/2024, 10:45"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Seed:
    category: str
    title: str
    body: tuple[str, ...]
    credit: str
    related: tuple[str, ...]


def load_seed() -> Seed:
    """The seed text, or a skip saying where it was looked for."""
    files = sorted((CORPUS / "seed").glob("*.txt"))
    if not files:
        pytest.skip(f"seed text not found in {CORPUS / 'seed'} (set NEWSFEED_CORPUS)")
    lines = [line.strip() for line in files[0].read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    credit = next(i for i, line in enumerate(lines) if line.startswith("Tin, ảnh:"))
    return Seed(
        category=lines[0],
        title=lines[1],
        body=tuple(lines[2:credit]),
        credit=lines[credit],
        related=tuple(line.lstrip("- ").strip() for line in lines[credit + 1 :]),
    )


def category_query(seed: Seed) -> str:
    """The ``Category=`` value of the category's links (the label, form-encoded)."""
    return quote_plus(seed.category)


def article_path(item_id: str, seed: Seed) -> str:
    return (
        f"/tintuc/lists/posts/post.aspx?Source=%2ftintuc&Category={category_query(seed)}"
        f"&ItemID={item_id}&Mode=1"
    )


def listing_path(seed: Seed) -> str:
    return f"/tintuc/lists/posts/post.aspx?Source=%2ftintuc&Category={category_query(seed)}&Mode=2"


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", value)
    assert "{{" not in template, f"unfilled placeholder in {template[template.index('{{') :][:40]}"
    return template


def _common(seed: Seed) -> dict[str, str]:
    return {
        "category_query": html.escape(category_query(seed)),
        "category_label": "Hoạt động lãnh đạo",
    }


def article_page(
    seed: Seed,
    *,
    item_id: str = ITEM_ID,
    title: str | None = None,
    printed_date: str = PRINTED_DATE,
    body: tuple[str, ...] | None = None,
) -> bytes:
    """The article page; ``title`` / ``body`` replace the seed's for the invented others."""
    body = body or seed.body
    assert len(body) == 8, "the template places two photos after paragraphs 1 and 6"
    rows = "\n".join(
        f'<tr><td class="TitleOther"><a href="{html.escape(article_path(rid, seed))}">'
        f'{html.escape(text)}</a></td><td class="Time">&nbsp;</td></tr>'
        for rid, text in zip(RELATED_IDS, seed.related, strict=True)
    )
    values = {
        **_common(seed),
        "title": html.escape(title or seed.title),
        "item_id": item_id,
        "printed_date": printed_date,
        "credit": html.escape(seed.credit),
        "related_rows": rows,
        "related_first_id": RELATED_IDS[0],
        "related_first_title": html.escape(seed.related[0]),
        **{f"body_{i}": html.escape(text) for i, text in enumerate(body)},
    }
    template = (SEED_DIR / "article.html.tmpl").read_text(encoding="utf-8")
    return _fill(template, values).encode("utf-8")


def listing_page(seed: Seed) -> bytes:
    """The category page: the seed and the two others, each headline printed twice."""
    entries = [(ITEM_ID, seed.title, PRINTED_DATE), *OTHERS]
    items = "\n".join(
        f'<tr><td class="tinHT" rowspan="2"><img src="/PublishingImages/Tin/{rid}.jpg" '
        f'width="100" /></td><td class="TitleFront">'
        f'<a href="{html.escape(article_path(rid, seed))}">'
        f"{html.escape(title)}</a> <span>{date}</span></td></tr>\n"
        f'<tr><td><div class="ContentText"><div>{html.escape(title)}.</div></div></td></tr>'
        for rid, title, date in entries
    )
    template = (SEED_DIR / "listing.html.tmpl").read_text(encoding="utf-8")
    return _fill(template, {**_common(seed), "items": items}).encode("utf-8")


def expected_article(seed: Seed) -> dict[str, Any]:
    """The reviewed expected JSON with the seed's own text filled in."""
    data: dict[str, Any] = json.loads((SEED_DIR / "expected.json").read_text(encoding="utf-8"))
    data["section"] = seed.category
    data["title"] = seed.title
    data["summary"] = seed.body[0]
    data["body_text"] = "\n\n".join(seed.body)
    data["images"][0]["caption"] = seed.body[1]
    data["images"][1]["caption"] = seed.body[6]
    for link, title in zip(data["related_links"], seed.related, strict=True):
        link["title"] = title
    return data


def meta() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEED_DIR / "meta.json").read_text(encoding="utf-8"))
    return data
