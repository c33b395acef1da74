"""The shape sites (``tests/sites/<shape>/``): pages written in the markup of CMSes newsfeed has
no adapter for, each with what a person reading it expects, and the scores of the generic rules
on them. Shared by ``tests/platforms/test_cms_shapes.py`` (which asserts the bars) and
``make eval`` (which prints the figures).

A listing or home page ``<name>.html`` has ``<name>.expected.json``: its URL, the CMS family
its markup shows, the article links of its own news lists in page order (with the date printed
beside each) and its next page. An article ``<name>.html`` has ``<name>.article.json``: its URL,
family, and title, published (ISO at +07:00), author, summary (the lead), body_text, the URLs of
its own related list.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsfeed.extraction.dates import parse_date
from newsfeed.extraction.generic import extract_generic
from newsfeed.extraction.urls import canonical_url
from newsfeed.items import Article, Listing
from newsfeed.platforms import get_platform
from newsfeed.platforms.extract import response_for

SITES = Path(__file__).resolve().parents[1] / "sites"
BODY_OK = 0.9
ARTICLE_FIELDS = ("title", "published", "author", "summary", "body", "related")
_WORD_RE = re.compile(r"\w+")


def listing_pages(root: Path = SITES) -> list[Path]:
    """The expected-links sidecars of every shape's listing and home pages."""
    return sorted(root.glob("*/*.expected.json"))


def article_pages(root: Path = SITES) -> list[Path]:
    return sorted(root.glob("*/*.article.json"))


def page_of(sidecar: Path) -> Path:
    stem = sidecar.name.split(".", 1)[0]
    return sidecar.with_name(f"{stem}.html")


def load(sidecar: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
    return data


def generic_listing(sidecar: Path) -> Listing:
    """What the generic platform lists on the page (whatever CMS the page shows)."""
    expected = load(sidecar)
    response = response_for(page_of(sidecar).read_bytes(), expected["url"])
    return get_platform("generic").parse_listing(response.selector, expected["url"])


def generic_article(sidecar: Path) -> Article:
    expected = load(sidecar)
    response = response_for(page_of(sidecar).read_bytes(), expected["url"])
    return extract_generic(response.selector, expected["url"], html_text=response.text)


@dataclass(slots=True)
class ListingScore:
    """Micro counts of one shape's listing and home pages."""

    pages: int = 0
    true_positive: int = 0
    found: int = 0
    expected: int = 0
    next_right: int = 0
    dates_right: int = 0
    dates_judged: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positive / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.expected if self.expected else 1.0


def score_listing(sidecar: Path, tally: ListingScore) -> None:
    expected = load(sidecar)
    listing = generic_listing(sidecar)
    got = [i.url for i in listing.items]
    want = [i["url"] for i in expected["items"]]
    name = f"{sidecar.parent.name}/{page_of(sidecar).stem}"
    tally.pages += 1
    tally.found += len(set(got))
    tally.expected += len(set(want))
    tally.true_positive += len(set(got) & set(want))
    tally.misses += [f"{name}: extra {u}" for u in got if u not in want]
    tally.misses += [f"{name}: missed {u}" for u in want if u not in got]
    if listing.next_page == expected["next_page"]:
        tally.next_right += 1
    else:
        tally.misses.append(f"{name}: next page {listing.next_page}, not {expected['next_page']}")
    printed = {i.url: i.published_raw for i in listing.items}
    for item in expected["items"]:
        if item.get("published") and item["url"] in printed:
            tally.dates_judged += 1
            parsed = parse_date(printed[item["url"]] or "")
            if parsed is not None and parsed.value.date().isoformat() == item["published"]:
                tally.dates_right += 1
            else:
                tally.misses.append(f"{name}: date {printed[item['url']]!r} of {item['url']}")


def listing_scores(root: Path = SITES) -> dict[str, ListingScore]:
    scores: dict[str, ListingScore] = {}
    for sidecar in listing_pages(root):
        score_listing(sidecar, scores.setdefault(sidecar.parent.name, ListingScore()))
    return dict(sorted(scores.items()))


def token_f1(got: str, expected: str) -> float:
    a = Counter(_WORD_RE.findall(unicodedata.normalize("NFC", got).lower()))
    b = Counter(_WORD_RE.findall(unicodedata.normalize("NFC", expected).lower()))
    if not a and not b:
        return 1.0
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def _clean(value: str | None) -> str | None:
    text = " ".join(unicodedata.normalize("NFC", value or "").split())
    return text or None


def article_fields(sidecar: Path) -> dict[str, tuple[bool, str]]:
    """Each judged field of one article: right or not, and what was got when not."""
    expected = load(sidecar)
    article = generic_article(sidecar)
    result: dict[str, tuple[bool, str]] = {}
    for name in ("title", "published", "author", "summary"):
        got, want = _clean(getattr(article, name)), _clean(expected[name])
        result[name] = (got == want, f"got {got!r}, expected {want!r}")
    f1 = token_f1(article.body_text, expected["body_text"])
    result["body"] = (f1 >= BODY_OK, f"token F1 {f1:.3f}")
    got_related = [link.url for link in article.related_links]
    want_related = [canonical_url(u) for u in expected["related_urls"]]
    result["related"] = (
        got_related == want_related,
        f"got {got_related}, expected {want_related}",
    )
    return result


def format_listing_table(scores: dict[str, ListingScore]) -> str:
    lines = ["shape        pages  precision  recall   next page  dates"]
    for shape, s in scores.items():
        dates = f"{s.dates_right}/{s.dates_judged}"
        lines.append(
            f"{shape:<12} {s.pages:>5}  {s.precision:>9.3f}  {s.recall:>6.3f}   "
            f"{s.next_right}/{s.pages:<8} {dates}"
        )
    return "\n".join(lines)


def format_article_table(root: Path = SITES) -> tuple[str, list[str]]:
    """Per shape, how many articles got each field right; and the failures."""
    right: dict[str, Counter[str]] = {}
    pages: Counter[str] = Counter()
    failures: list[str] = []
    for sidecar in article_pages(root):
        shape = sidecar.parent.name
        pages[shape] += 1
        tally = right.setdefault(shape, Counter())
        for name, (ok, detail) in article_fields(sidecar).items():
            tally[name] += ok
            if not ok:
                failures.append(f"{shape}/{page_of(sidecar).stem}: {name}: {detail}")
    header = "shape        pages  " + "  ".join(f"{n:>9}" for n in ARTICLE_FIELDS)
    lines = [header]
    for shape in sorted(right):
        cells = "  ".join(f"{right[shape][n]:>3}/{pages[shape]:<5}" for n in ARTICLE_FIELDS)
        lines.append(f"{shape:<12} {pages[shape]:>5}  {cells}")
    return "\n".join(lines), failures


if __name__ == "__main__":
    scores = listing_scores()
    print(format_listing_table(scores))
    for s in scores.values():
        for miss in s.misses:
            print("  ", miss)
    table, failures = format_article_table()
    print(table)
    for failure in failures:
        print("  ", failure)
