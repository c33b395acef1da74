"""Extraction over the hand-written fixtures in ``tests/fixtures/<portal_key>/``.

A fixture is three files sharing a name: ``<name>.html`` (the raw bytes of a page: one we wrote,
modelled on the structure of the portal's real pages, with invented content), ``<name>.meta.json``
(url, fetched_at, content_type, note, ``synthetic``: true for a page written by hand, false for
one saved by ``newsfeed fixture record``) and ``<name>.json`` (the reviewed expected Article, every
field but ``body_html``). The page goes through
:func:`newsfeed.platforms.extract.extract_page` as saved bytes, so Scrapy's charset detection is
part of what is tested. ``body_html`` is checked by rules (safe and self-contained) instead of by
value.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from newsfeed.items import Article
from newsfeed.platforms import get_platform
from newsfeed.platforms.extract import extract_page
from newsfeed.portals import Registry

FIXTURES_DIR = Path(__file__).parents[1] / "fixtures"
COMPARED_FIELDS = tuple(f.name for f in dataclasses.fields(Article) if f.name != "body_html")
"""Every Article field but ``body_html``: an expected JSON must state each of them."""

# Where to look when a field is wrong; "{platform}" is the platform adapter's module.
_HINTS = {
    "url": "extract.py extract_page (the URL fetched is passed through)",
    "canonical_url": "extraction/urls.py canonical_url; portal host_aliases in the profile",
    "guid": "{platform} article_id; extraction/urls.py make_guid",
    "portal": "portals/profiles/<key>.toml base_url (Registry.for_url)",
    "categories": "extract_page passes no listing categories: expected []",
    "title": "{platform} title selectors",
    "summary": "{platform} summary selectors / lead_is_first_paragraph",
    "published": "{platform} published selectors; extraction/dates.py parse_date; "
    "extraction/article.py _published (precedence)",
    "published_raw": "{platform} published selectors; extraction/article.py _published",
    "date_source": "extraction/article.py _published (precedence: time beats date only)",
    "updated": "{platform} updated selectors; extraction/article.py _updated",
    "author": "{platform} author selectors; extraction/article.py _Body._take_credit_line; "
    "extraction/text.py parse_credit_line / is_cms_account",
    "body_text": "{platform} body / drop / author selectors; extraction/html.py html_to_text",
    "images": "{platform} lead_image; extraction/article.py _Body._images / _caption",
    "related_links": "{platform} related selectors; extraction/article.py _related; "
    "extraction/urls.py canonical_url",
    "attachments": "extraction/article.py _Body._attachments / attachment_type",
    "language": "extraction/article.py _language",
}
# Elements and URL schemes that must never reach a feed reader.
_FORBIDDEN_TAGS = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "input", "link", "meta", "base"}
)
_URL_ATTRIBUTES = ("href", "src")
_KEPT_HREF_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_MARKUP_RE = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fixture:
    """One saved page with its metadata and reviewed expectation."""

    portal_key: str
    name: str
    page: Path
    meta: dict[str, Any]
    expected: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.portal_key}/{self.name}"

    def extract(self) -> Article:
        return extract_page(
            self.page.read_bytes(), self.meta["url"], content_type=self.meta["content_type"]
        )


def _load_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: expected a JSON object"
    return data


def _discover() -> list[Fixture]:
    fixtures = []
    for meta_path in sorted(FIXTURES_DIR.glob("*/*.meta.json")):
        name = meta_path.name.removesuffix(".meta.json")
        expected_path = meta_path.with_name(f"{name}.json")
        # a missing expectation is reported by test_fixture_files_come_in_threes, not at collection
        expected = _load_json(expected_path) if expected_path.exists() else {}
        fixtures.append(
            Fixture(
                portal_key=meta_path.parent.name,
                name=name,
                page=meta_path.with_name(f"{name}.html"),
                meta=_load_json(meta_path),
                expected=expected,
            )
        )
    return fixtures


FIXTURES = _discover()


@cache
def _extracted(fixture_id: str) -> Article:
    """One extraction per fixture, shared by the field and the body_html tests."""
    return next(f for f in FIXTURES if f.id == fixture_id).extract()


def _hint(fixture: Fixture, field: str) -> str:
    platform = get_platform(Registry().get(fixture.portal_key).platform)
    module = type(platform).__module__.removeprefix("newsfeed.").replace(".", "/") + ".py"
    return _HINTS.get(field, "extraction/article.py").format(platform=module)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _mismatch(fixture: Fixture, field: str, expected: Any, got: Any) -> str:
    if field == "body_text" and isinstance(expected, str) and isinstance(got, str):
        diff = difflib.unified_diff(
            expected.split("\n\n"),
            got.split("\n\n"),
            fromfile="expected paragraphs",
            tofile="got paragraphs",
            lineterm="",
        )
        detail = "\n".join(diff)
    else:
        detail = f"expected: {_show(expected)}\n     got: {_show(got)}"
    return f"[{fixture.id}] field {field!r} differs\n{detail}\n  fix in: {_hint(fixture, field)}"


GENERIC = "generic"


def test_there_are_fixtures_for_both_platforms() -> None:
    counts = Counter(f.portal_key for f in FIXTURES)
    assert counts["sotttt_hanoi"] >= 4, counts
    assert counts["bao_can_tho"] >= 3, counts


def test_fixture_folders_are_portal_keys() -> None:
    # generic/: pages of sites with no profile, for the generic extractor
    known = {portal.key for portal in Registry()} | {GENERIC}
    folders = sorted(p.name for p in FIXTURES_DIR.iterdir() if p.is_dir())
    unknown = [name for name in folders if name not in known]
    assert folders, f"no fixture folders under {FIXTURES_DIR}"
    assert not unknown, f"fixture folders that are not portal keys: {unknown} (known: {known})"


def test_fixture_files_come_in_threes() -> None:
    problems = []
    for page in sorted(FIXTURES_DIR.glob("*/*.html")):
        for suffix in (".meta.json", ".json"):
            companion = page.with_name(page.name.removesuffix(".html") + suffix)
            if not companion.exists():
                problems.append(f"{page.relative_to(FIXTURES_DIR)} has no {companion.name}")
    for fixture in FIXTURES:
        if not fixture.page.exists():
            problems.append(f"{fixture.id} has metadata but no page {fixture.page.name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.id)
def test_fixture_metadata(fixture: Fixture) -> None:
    meta = fixture.meta
    assert set(meta) >= {"url", "fetched_at", "content_type", "note"}, fixture.id
    assert meta["note"], f"{fixture.id}: say what the fixture exercises in 'note'"
    # pages written by hand say so; `newsfeed fixture record` writes real ones as false
    assert isinstance(meta.get("synthetic"), bool), f"{fixture.id}: state 'synthetic': true/false"
    if meta["synthetic"] is False:
        assert meta.get("reviewed", True) is True, (
            f"{fixture.id}: a recorded fixture is committed only once its JSON is reviewed"
        )
    portal = Registry().for_url(meta["url"])
    if fixture.portal_key == GENERIC:
        assert portal is None, f"{fixture.id}: {meta['url']} is on portal {portal and portal.key}"
    else:
        assert portal is not None, f"{fixture.id}: {meta['url']} belongs to no portal"
    assert portal is None or portal.key == fixture.portal_key, (
        f"{fixture.id}: url is on portal {portal.key!r} but the fixture sits under "
        f"{fixture.portal_key!r}"
    )
    missing = [f for f in COMPARED_FIELDS if f not in fixture.expected]
    extra = [f for f in fixture.expected if f not in COMPARED_FIELDS]
    assert not missing, f"{fixture.id}.json does not state {missing}"
    assert not extra, f"{fixture.id}.json states fields the Article does not have: {extra}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.id)
def test_fixture_extracts_as_expected(fixture: Fixture) -> None:
    got = _extracted(fixture.id).to_dict()
    problems = [
        _mismatch(fixture, field, fixture.expected[field], got[field])
        for field in COMPARED_FIELDS
        if field in fixture.expected and fixture.expected[field] != got[field]
    ]
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.id)
def test_fixture_body_html_is_safe(fixture: Fixture) -> None:
    body_html = _extracted(fixture.id).body_html
    hint = "fix in: extraction/html.py sanitize_html"
    assert body_html.strip(), f"[{fixture.id}] body_html is empty; {hint}"
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            problems.append(f"comment or processing instruction: {element!r}")
            continue
        if element.tag in _FORBIDDEN_TAGS:
            problems.append(f"<{element.tag}> element")
        for attribute, value in element.attrib.items():
            if attribute.lower().startswith("on"):
                problems.append(f"event handler {attribute}= on <{element.tag}>")
            if attribute == "style":
                problems.append(f"style= on <{element.tag}>")
            if attribute in _URL_ATTRIBUTES:
                parts = urlsplit(value)
                allowed = _KEPT_HREF_SCHEMES if attribute == "href" else {"http", "https"}
                if parts.scheme not in allowed or (
                    parts.scheme.startswith("http") and not parts.netloc
                ):
                    problems.append(f"{attribute}={value!r} on <{element.tag}> is not absolute")
    if "javascript:" in body_html.lower():
        problems.append("a javascript: URL survived")
    if markup := _MARKUP_RE.search(_extracted(fixture.id).body_text):
        problems.append(f"markup in body_text: {markup.group(0)!r}")
    assert not problems, f"[{fixture.id}] unsafe body_html; {hint}\n" + "\n".join(problems)
