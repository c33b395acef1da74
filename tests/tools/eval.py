"""``make eval``: per platform and per field, the share of pages extracted right.

Pages are the project's fixtures (``tests/fixtures/<portal>/`` with their reviewed expected JSON;
``tests/fixtures/generic/`` is the generic fallback) and the real corpus
(``$NEWSFEED_CORPUS``, default ``<repo>/../shared/corpus``): the Liferay mirror's articles with
expectations from its ``manifest.json``, and the Báo Cần Thơ article with expectations written
below by a person who read the page; and the seed article's real text in Bạc Liêu's markup.
The Báo Cần Thơ article also counts for ``generic``, extracted as if the site had no profile:
a real page the generic rules were not written from. Whatever is absent is skipped silently.
Real pages (the corpus, fixtures recorded with ``newsfeed fixture record``) and synthetic ones
(``"synthetic": true`` in their metadata: written by hand) are printed apart.

Fields: ``title``, ``published``, ``author``, ``summary`` (exact after whitespace collapsing),
``body`` (token F1 of ``body_text``: mean, and the share of pages >= 0.9), ``related`` (the set
of related URLs, or their number where the corpus only records a count). A field a page has no
expectation for is not counted. The recorded floors (``eval_floors.json``) are checked by
``tests/test_eval.py``; this command only measures and exits 0 unless it crashes.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from newsfeed.extraction.generic import extract_generic
from newsfeed.items import Article
from newsfeed.platforms.extract import extract_page, response_for
from newsfeed.portals import Registry

__all__ = [
    "FIELDS",
    "Case",
    "PlatformScore",
    "below_floor",
    "collect_cases",
    "evaluate",
    "format_table",
    "load_floors",
    "main",
    "token_f1",
]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
FLOORS_FILE = Path(__file__).with_name("eval_floors.json")
FIELDS = ("title", "published", "author", "summary", "body_f1", "body_ok", "related")
"""Scored fields; ``body_f1`` is the mean token F1, ``body_ok`` the share with F1 >= 0.9."""
BODY_OK = 0.9
GENERIC = "generic"
_ICT = timezone(timedelta(hours=7))
_WORD_RE = re.compile(r"\w+")

BAOCANTHO_URL = (
    "https://baocantho.com.vn/tap-trung-trien-khai-cac-dot-thanh-tra-kiem-tra-co-trong-tam"
    "-trong-diem-nhat-la-cac-linh-vuc-co-ng-a196670.html"
)
# Read off ../shared/corpus/baocantho/article.html by a person (January 2026 capture).
BAOCANTHO_EXPECTED: dict[str, Any] = {
    "title": (
        "Tập trung triển khai các đợt thanh tra, kiểm tra có trọng tâm, trọng điểm nhất là các "
        "lĩnh vực có nguy cơ"
    ),
    "published": "2026-01-08T18:21:00+07:00",
    "author": "P.Y",
    "summary": (
        "(CTO) - Ngày 8-1, Phó Thủ tướng Thường trực Nguyễn Hòa Bình chủ trì hội nghị tổng kết "
        "công tác năm 2025 và triển khai nhiệm vụ công tác năm 2026 của ngành Thanh tra."
    ),
    "related_count": 9,
}


def token_f1(got: str, expected: str) -> float:
    """Bag-of-words F1 over lowercased NFC ``\\w+`` tokens; 1.0 when both are empty."""
    a = Counter(_WORD_RE.findall(unicodedata.normalize("NFC", got).lower()))
    b = Counter(_WORD_RE.findall(unicodedata.normalize("NFC", expected).lower()))
    if not a and not b:
        return 1.0
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One page to extract and what it should give (a missing key is not judged)."""

    platform: str
    name: str
    extract: Callable[[], Article]
    expected: dict[str, Any]
    synthetic: bool = True
    """Written by hand for the project (markup modelled on a CMS, or a real text in invented
    markup); False for pages as a portal served them (the corpus, recorded fixtures)."""


@dataclass(slots=True)
class PlatformScore:
    """Per-field tallies of one platform."""

    pages: int = 0
    seconds: float = 0.0
    right: Counter[str] = field(default_factory=Counter)
    judged: Counter[str] = field(default_factory=Counter)
    f1_sum: float = 0.0
    failures: list[str] = field(default_factory=list)

    def score(self, name: str) -> float | None:
        """The share right (``body_f1``: the mean F1), or None when no page was judged."""
        if not self.judged[name]:
            return None
        if name == "body_f1":
            return self.f1_sum / self.judged[name]
        return self.right[name] / self.judged[name]


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    return text or None


# --- cases --------------------------------------------------------------------------------------


def _fixture_cases(root: Path, registry: Registry) -> Iterator[Case]:
    if not root.is_dir():
        return
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == GENERIC:
            platform = GENERIC
        else:
            try:
                platform = registry.get(folder.name).platform
            except KeyError:
                platform = folder.name
        for page in sorted(folder.glob("*.html")):
            expected_file = page.with_suffix(".json")
            meta_file = page.with_suffix(".meta.json")
            if not expected_file.exists() or not meta_file.exists():
                continue
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            data = json.loads(expected_file.read_text(encoding="utf-8"))
            expected = {k: data.get(k) for k in ("title", "published", "author", "summary")}
            expected["body_text"] = data.get("body_text") or ""
            expected["related_urls"] = sorted(link["url"] for link in data["related_links"])

            def run(page: Path = page, meta: dict[str, Any] = meta) -> Article:
                return extract_page(
                    page.read_bytes(),
                    meta["url"],
                    registry=registry,
                    content_type=meta.get("content_type"),
                )

            yield Case(
                platform=platform,
                name=f"{folder.name}/{page.stem}",
                extract=run,
                expected=expected,
                synthetic=meta.get("synthetic", True) is not False,
            )


def _liferay_date(raw: str) -> str | None:
    """ "Ngày đăng 24/06/2022 | 3:58 PM" -> ISO at +07:00, apart from the extractor's parser;
    "12:00 AM" is how the CMS prints a date entered without a time."""
    match = re.search(r"(\d{2})/(\d{2})/(\d{4}) \| (\d{1,2}):(\d{2}) (AM|PM)", raw)
    if not match:
        return None
    day, month, year, hour, minute, half = match.groups()
    if (hour, minute, half) == ("12", "00", "AM"):
        return f"{year}-{month}-{day}"
    hour24 = int(hour) % 12 + (12 if half == "PM" else 0)
    when = datetime(int(year), int(month), int(day), hour24, int(minute), tzinfo=_ICT)
    return when.isoformat()


_PARAGRAPH_RE = re.compile(r"<p([^>]*)>(.*?)</p>", re.S)
_RIGHT_RE = re.compile(r'text-align:\s*right|align="right"|texttacgia')


def liferay_printed_byline(raw: str) -> str | None:
    """The byline a sotttt.hanoi page prints at the end of its body, read off the raw HTML with
    regexes apart from the extractor: the last paragraph with text before the uploader line
    (``p.view-content-author``, the account that uploaded it, never the author), when it is
    right-aligned (``p.texttacgia`` on 8 of the 20 corpus pages, a right-aligned name on 4
    more); else None. The manifest's ``author`` is that uploader."""
    end = raw.find('class="view-content-author"')
    before = raw if end < 0 else raw[:end]
    for attrs, inner in reversed(_PARAGRAPH_RE.findall(before)):
        if "view-content-author" in attrs:
            continue
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())
        if text:
            return text if _RIGHT_RE.search(attrs) else None
    return None


def _hint(value: str) -> str | None:
    return _clean(html.unescape(value))


def _corpus_cases(corpus: Path, registry: Registry) -> Iterator[Case]:
    manifest = corpus / "liferay-sotttt-hanoi" / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        for entry in data["files"]:
            path = corpus / "liferay-sotttt-hanoi" / entry["file"]
            if entry["kind"] != "article" or not path.exists():
                continue
            url = entry["original_url"]
            portal = registry.for_url(url)
            platform = portal.platform if portal else GENERIC

            def run(path: Path = path, url: str = url) -> Article:
                return extract_page(path.read_bytes(), url, registry=registry)

            yield Case(
                platform=platform,
                name=f"corpus/{Path(entry['file']).name[:40]}",
                extract=run,
                synthetic=False,
                expected={
                    "title": _hint(entry["title"]),
                    "published": _liferay_date(html.unescape(entry["date_raw"])),
                    "author": liferay_printed_byline(path.read_text(encoding="utf-8")),
                    "summary": _hint(entry["sapo"]),
                    "related_count": entry["related_links"],
                },
            )
    article = corpus / "baocantho" / "article.html"
    if article.exists():
        portal = registry.for_url(BAOCANTHO_URL)

        def run_profile() -> Article:
            return extract_page(article.read_bytes(), BAOCANTHO_URL, registry=registry)

        def run_generic() -> Article:
            response = response_for(article.read_bytes(), BAOCANTHO_URL)
            return extract_generic(response.selector, BAOCANTHO_URL, html_text=response.text)

        expected_generic = dict(BAOCANTHO_EXPECTED)
        if portal is not None:
            # the body the adapter extracts (checked by tests/extraction/test_corpus.py) is
            # what the generic rules must find without the profile
            expected_generic["body_text"] = run_profile().body_text
            yield Case(
                platform=portal.platform,
                name="corpus/baocantho",
                extract=run_profile,
                expected=BAOCANTHO_EXPECTED,
                synthetic=False,
            )
        yield Case(
            platform=GENERIC,
            name="corpus/baocantho (as no profile)",
            extract=run_generic,
            expected=expected_generic,
            synthetic=False,
        )


def _seed_cases(corpus: Path, registry: Registry) -> Iterator[Case]:
    """The seed's real text in Bạc Liêu's 2018 markup, rendered at run time (tests/seed.py):
    synthetic, since the markup is the project's."""
    if not sorted((corpus / "seed").glob("*.txt")):
        return
    from tests import seed as seed_fixture

    seed = seed_fixture.load_seed()
    meta = seed_fixture.meta()
    data = seed_fixture.expected_article(seed)
    page = seed_fixture.article_page(seed)
    portal = registry.for_url(meta["url"])

    def run() -> Article:
        return extract_page(page, meta["url"], registry=registry, content_type=meta["content_type"])

    expected = {k: data.get(k) for k in ("title", "published", "author", "summary")}
    expected["body_text"] = data["body_text"]
    expected["related_urls"] = sorted(link["url"] for link in data["related_links"])
    yield Case(
        platform=portal.platform if portal else GENERIC,
        name="bac_lieu/seed (corpus text)",
        extract=run,
        expected=expected,
    )


def _shape_cases(root: Path | None = None) -> Iterator[Case]:
    """The articles of the shape sites (``tests/sites/<shape>/``, pages in the markup of CMSes
    with no adapter), read by the generic extractor: platform ``generic/<shape>``."""
    from newsfeed.extraction.urls import canonical_url
    from tests.tools import shapes

    for sidecar in shapes.article_pages(root or shapes.SITES):
        data = shapes.load(sidecar)
        expected = {k: data[k] for k in ("title", "published", "author", "summary", "body_text")}
        expected["related_urls"] = sorted(canonical_url(u) for u in data["related_urls"])

        def run(sidecar: Path = sidecar) -> Article:
            return shapes.generic_article(sidecar)

        yield Case(
            platform=f"{GENERIC}/{sidecar.parent.name}",
            name=f"{sidecar.parent.name}/{shapes.page_of(sidecar).stem}",
            extract=run,
            expected=expected,
        )


def corpus_dir() -> Path:
    return Path(os.environ.get("NEWSFEED_CORPUS", REPO.parent / "shared" / "corpus"))


def collect_cases(
    fixtures: Path = FIXTURES, corpus: Path | None = None, registry: Registry | None = None
) -> list[Case]:
    """Every fixture and corpus page present."""
    registry = registry or Registry()
    cases = list(_fixture_cases(fixtures, registry))
    cases.extend(_corpus_cases(corpus or corpus_dir(), registry))
    cases.extend(_seed_cases(corpus or corpus_dir(), registry))
    if fixtures == FIXTURES:
        cases.extend(_shape_cases())
    return cases


# --- scoring ------------------------------------------------------------------------------------


def _judge(article: Article, expected: dict[str, Any], tally: PlatformScore, name: str) -> None:
    def mark(field_name: str, ok: bool, detail: str) -> None:
        tally.judged[field_name] += 1
        if ok:
            tally.right[field_name] += 1
        else:
            tally.failures.append(f"{name}: {field_name}: {detail}")

    for key in ("title", "published", "author", "summary"):
        if key in expected:
            want, got = _clean(expected[key]), _clean(getattr(article, key))
            mark(key, want == got, f"got {got!r}, expected {want!r}")
    if "body_text" in expected:
        f1 = token_f1(article.body_text, expected["body_text"])
        tally.judged["body_f1"] += 1
        tally.f1_sum += f1
        mark("body_ok", f1 >= BODY_OK, f"token F1 {f1:.3f}")
    if "related_urls" in expected:
        got_urls = sorted(link.url for link in article.related_links)
        mark("related", got_urls == expected["related_urls"], f"got {len(got_urls)} links")
    elif "related_count" in expected:
        count = len(article.related_links)
        mark("related", count == expected["related_count"], f"got {count} links")


def evaluate(cases: list[Case]) -> dict[str, PlatformScore]:
    """Extract every case and tally per platform. An extraction that raises counts as wrong
    on every field it had an expectation for."""
    scores: dict[str, PlatformScore] = {}
    for case in cases:
        tally = scores.setdefault(case.platform, PlatformScore())
        tally.pages += 1
        started = time.perf_counter()
        try:
            article = case.extract()
        except Exception as exc:  # a crash on one page is a measured failure, not an abort
            tally.seconds += time.perf_counter() - started
            article = Article(url="", canonical_url="", guid="", portal=None, title="")
            tally.failures.append(f"{case.name}: extraction raised {exc!r}")
        else:
            tally.seconds += time.perf_counter() - started
        _judge(article, case.expected, tally, case.name)
    return dict(sorted(scores.items()))


def format_table(scores: dict[str, PlatformScore]) -> str:
    headers = ["platform", "pages", *FIELDS, "ms/page"]
    rows = [headers]
    for platform, tally in scores.items():
        row = [platform, str(tally.pages)]
        for name in FIELDS:
            value = tally.score(name)
            if value is None:
                row.append("-")
            elif name == "body_f1":
                row.append(f"{value:.3f} ({tally.judged[name]})")
            else:
                row.append(f"{value:.0%} ({tally.right[name]}/{tally.judged[name]})")
        row.append(f"{1000 * tally.seconds / max(tally.pages, 1):.0f}")
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


# --- floors -------------------------------------------------------------------------------------


def load_floors(path: Path = FLOORS_FILE) -> dict[str, dict[str, float]]:
    """``{platform: {field: floor}}``; the ``"*"`` entry applies to every platform measured."""
    data: dict[str, dict[str, float]] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def below_floor(scores: dict[str, PlatformScore], floors: dict[str, dict[str, float]]) -> list[str]:
    """One message per platform and field scoring below its recorded floor."""
    problems: list[str] = []
    default = floors.get("*", {})
    for platform, tally in scores.items():
        for name, floor in {**default, **floors.get(platform, {})}.items():
            value = tally.score(name)
            if value is not None and value < floor - 1e-9:
                problems.append(
                    f"{platform}: {name} scored {value:.3f}, below its floor {floor:.3f}"
                )
    return problems


KINDS = (
    (False, "Real pages (as portals served them: the shared corpus, recorded fixtures)"),
    (True, "Synthetic pages (written for the project in a CMS's markup)"),
)


def main(argv: list[str] | None = None) -> int:
    verbose = "-v" in (argv if argv is not None else sys.argv[1:])
    cases = collect_cases()
    for synthetic, heading in KINDS:
        part = [case for case in cases if case.synthetic is synthetic]
        print(f"{heading}: {len(part)}")
        print(format_table(evaluate(part)) if part else "(none)")
        print()
    from tests.tools import shapes

    listing = shapes.listing_scores()
    print("Generic listing on the shape sites (tests/sites/<shape>/: home and listing pages)")
    print(shapes.format_listing_table(listing))
    print()
    # the floors hold over every page, real and synthetic
    scores = evaluate(cases)
    problems = below_floor(scores, load_floors())
    for problem in problems:
        print(f"below floor: {problem}")
    if verbose:
        for tally in scores.values():
            for failure in tally.failures:
                print(f"  {failure}")
        for shape_score in listing.values():
            for miss in shape_score.misses:
                print(f"  {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
