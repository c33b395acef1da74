"""``feeds/index.html``: links, autodiscovery, health, accessibility, and how it looks.

Two sites: one built by ``build_feeds`` from hand-made articles of four portals in a temp store
(healthy, warning, critical, never crawled), and the demo's (``newsfeed demo`` run once in a
subprocess). Headless Chromium takes screenshots at phone and desktop widths; their paths are
printed (``pytest -s``) so a person can look at them.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from lxml import etree

from newsfeed.config import Config
from newsfeed.items import Article, Image
from newsfeed.jobs import build_feeds
from newsfeed.portals import Portal, Registry, portal_from_dict
from newsfeed.store.db import Store
from newsfeed.web.site import _CSS, STATUS_PAGE, write_site
from tests.conftest import which_tool

pytestmark = pytest.mark.slow

TYPES = {
    "application/rss+xml": ".rss.xml",
    "application/atom+xml": ".atom.xml",
    "application/feed+json": ".json",
}
BASE = "https://feeds.example.org/vn/"


def make_portal(
    key: str, name: str, province: str, categories: list[tuple[str, str, str]]
) -> Portal:
    host = f"https://{key.replace('_', '')}.gov.vn"
    return portal_from_dict(
        {
            "key": key,
            "name": name,
            "province": province,
            "base_url": host,
            "platform": "liferay62",
            "categories": [
                {"key": k, "name": n, "url": f"{host}/{k}", "topic": t} for k, n, t in categories
            ],
        }
    )


PORTALS = [
    make_portal(
        "sotttt_hanoi",
        "Sở Thông tin và Truyền thông Hà Nội",
        "Hà Nội",
        [
            ("tin_tuc_su_kien", "Tin tức sự kiện", "news"),
            ("chi_dao_dieu_hanh", "Chỉ đạo điều hành", "direction"),
        ],
    ),
    make_portal(
        "bao_can_tho",
        "Báo Cần Thơ",
        "Cần Thơ",
        [("thoi_su", "Thời sự", "news"), ("lanh_dao", "Lãnh đạo thành phố", "leadership")],
    ),
    make_portal(
        "ca_mau",
        "Cổng Thông tin điện tử tỉnh Cà Mau",
        "Cà Mau",
        [("hoat_dong_lanh_dao", "Hoạt động lãnh đạo", "leadership")],
    ),
    make_portal(
        "dien_bien",
        "Cổng Thông tin điện tử tỉnh Điện Biên",
        "Điện Biên",
        [("thong_bao", "Thông báo", "announcements")],
    ),
]
ARTICLES = [
    # portal, categories, day, hour, title
    ("sotttt_hanoi", ("tin_tuc_su_kien",), 2, 17, "Hà Nội đẩy mạnh chuyển đổi số"),
    (
        "sotttt_hanoi",
        ("tin_tuc_su_kien", "chi_dao_dieu_hanh"),
        3,
        9,
        "Chỉ thị về an toàn thông tin",
    ),
    ("bao_can_tho", ("thoi_su",), 4, 8, "Cần Thơ khởi công cầu mới"),
    ("bao_can_tho", ("lanh_dao",), 5, 15, "Chủ tịch UBND thành phố làm việc với các sở"),
    ("ca_mau", ("hoat_dong_lanh_dao",), 1, 10, "Lãnh đạo tỉnh thăm hộ nuôi tôm"),
]
REPORT = {
    "schema": 1,
    "run_id": "20260806T010000Z",
    "started": "2026-08-06T01:00:00+00:00",
    "finished": "2026-08-06T01:02:00+00:00",
    "status": "critical",
    "portals": {
        "sotttt_hanoi": {"status": "ok", "checks": []},
        "bao_can_tho": {
            "status": "warning",
            "checks": [
                {
                    "name": "http_errors",
                    "status": "warning",
                    "message": "6 of 20 article pages answered 404 (links moved?)",
                }
            ],
        },
        "ca_mau": {
            "status": "critical",
            "checks": [
                {
                    "name": "fields_missing",
                    "status": "critical",
                    "message": "0 of 40 articles had a title (layout changed?)",
                }
            ],
        },
    },
    "totals": {},
}


def article(
    n: int, portal: str, categories: tuple[str, ...], *, day: int, hour: int, title: str
) -> Article:
    host = next(p.base_url for p in PORTALS if p.key == portal)
    url = f"{host}/tin/{n}.html"
    return Article(
        url=url,
        canonical_url=url,
        guid=f"tag:newsfeed,2025:{portal}/{n}",
        portal=portal,
        categories=categories,
        title=title,
        summary=f"Tóm tắt: {title}.",
        published=f"2026-08-{day:02d}T{hour:02d}:00:00+07:00",
        body_html=f"<p>{title}.</p>",
        body_text=f"{title}.",
        images=(Image(url=f"{host}/anh/{n}.jpg", caption="Ảnh minh họa"),),
    )


def build_site(root: Path, *, status_page: bool = False) -> Path:
    config = Config(feeds_dir=root / "feeds", var_dir=root / "var", base_url=BASE)
    with Store(config.store_path) as store:
        for n, row in enumerate(ARTICLES):
            portal, categories, day, hour, title = row
            store.upsert(
                article(n, portal, categories, day=day, hour=hour, title=title),
                now=datetime(2026, 8, 6, tzinfo=UTC),
            )
        store.save_report(REPORT)
    if status_page:
        config.feeds_dir.mkdir(parents=True, exist_ok=True)
        (config.feeds_dir / STATUS_PAGE).write_text("<!DOCTYPE html><title>status</title>")
    # an hour after the report: its portals' state is fresh
    build_feeds(config, Registry(PORTALS), now=datetime(2026, 8, 6, 2, tzinfo=UTC))
    return config.feeds_dir


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def demo_site(demo_output: Path) -> Path:
    """What ``newsfeed demo`` wrote (tests.conftest, once per session: read only)."""
    return demo_output


def page(folder: Path) -> Any:
    return lxml.html.parse(str(folder / "index.html")).getroot()


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize("which", ["site", "demo_site"])
def test_every_link_to_a_local_file_points_at_a_file(
    which: str, request: pytest.FixtureRequest
) -> None:
    folder: Path = request.getfixturevalue(which)
    doc = page(folder)
    local = [
        href
        for href in doc.xpath("//a/@href | //link/@href")
        if not urlsplit(href).scheme and not href.startswith("#")
    ]
    assert local
    for href in local:
        assert (folder / unquote(href)).is_file(), href
    anchors = {el.get("id") for el in doc.iter() if el.get("id")}
    for href in doc.xpath("//a/@href"):
        if href.startswith("#"):
            assert href[1:] in anchors, href


@pytest.mark.parametrize("which", ["site", "demo_site"])
def test_every_feed_has_subscribe_links_in_each_format(
    which: str, request: pytest.FixtureRequest
) -> None:
    folder: Path = request.getfixturevalue(which)
    doc = page(folder)
    subscribed = {a.get("href") for a in doc.xpath("//p[@class='subs']/a")}
    on_disk = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.name.endswith((".rss.xml", ".atom.xml", ".json"))
    }
    assert subscribed == on_disk
    for a in doc.xpath("//p[@class='subs']/a"):
        assert TYPES[a.get("type")] in a.get("href")
        # The accessible name says which feed, not only "RSS".
        assert len(a.text_content()) > 10


@pytest.mark.parametrize("which", ["site", "demo_site"])
def test_every_opml_feed_and_every_aggregate_is_autodiscovered(
    which: str, request: pytest.FixtureRequest
) -> None:
    folder: Path = request.getfixturevalue(which)
    doc = page(folder)
    alternates = {
        (ln.get("type"), ln.get("href")): ln.get("title")
        for ln in doc.xpath("/html/head/link[@rel='alternate']")
    }
    opml = etree.parse(str(folder / "index.opml")).getroot()
    base = BASE if which == "site" else "http://localhost:8080/"
    listed = [o.get("xmlUrl") or "" for o in opml.iter("outline") if o.get("xmlUrl")]
    assert listed
    for url in listed:
        href = url.removeprefix(base)
        assert ("application/rss+xml", href) in alternates, href
        assert alternates[("application/rss+xml", href)]
    stems = {p.relative_to(folder).as_posix().removesuffix(".json") for p in folder.rglob("*.json")}
    aggregates = {s for s in stems if s.startswith("topics/") or s.endswith("/all")}
    assert aggregates
    for stem in aggregates:
        for kind, suffix in TYPES.items():
            assert (kind, stem + suffix) in alternates, (kind, stem)
    assert doc.xpath("//a[@href='index.opml']")


# --------------------------------------------------------------------------- content


def test_health_news_dates_and_categories_are_shown(site: Path) -> None:
    doc = page(site)
    cards = {a.get("id"): a for a in doc.xpath("//article[@class='portal']")}
    assert list(cards) == [  # by province, Vietnamese order: Cà Mau, Cần Thơ, Điện Biên, Hà Nội
        "portal-ca_mau",
        "portal-bao_can_tho",
        "portal-dien_bien",
        "portal-sotttt_hanoi",
    ]

    def badge(key: str) -> str:
        (el,) = cards[f"portal-{key}"].xpath(".//p[contains(@class,'badge')]")
        return f"{el.get('class')}: {el.text_content()}"

    assert badge("sotttt_hanoi") == "badge ok: Tình trạng · Health: Hoạt động tốt OK"
    assert badge("bao_can_tho").startswith("badge warning: ")
    assert badge("ca_mau").startswith("badge critical: ")
    assert (
        badge("dien_bien") == "badge unknown: Tình trạng · Health: Chưa có báo cáo No crawl report"
    )
    # The public reads what a portal's health means to them, in Vietnamese; the operator's
    # advice (the checks' English messages) is in status.html, not here.
    assert "có thể thiếu bài mới" in cards["portal-ca_mau"].text_content()
    assert "tin vẫn được cập nhật" in cards["portal-bao_can_tho"].text_content()
    assert "had a title" not in doc.text_content() and "answered 404" not in doc.text_content()
    assert "Chưa có tin nào" in cards["portal-dien_bien"].text_content()
    # a portal that never yielded an article promises no feed: no subscribe link, no row per
    # category, and it says what its profile rests on (nothing confirmed yet here)
    never = cards["portal-dien_bien"]
    assert not never.xpath(".//a[contains(@class,'fmt')]") and not never.xpath(".//ul")
    assert never.xpath(".//p[contains(@class,'profile-unknown')]")
    assert "chưa được kiểm chứng" in never.text_content()
    assert not doc.xpath("//link[@rel='alternate'][contains(@href,'dien_bien')]")
    stats = " ".join(doc.xpath("//dl[@class='stats']//text()"))
    assert "3/4" in stats, "portals with news, of all portals"
    # When each feed last had news, as the page's dates (+07:00) of the newest article.
    hanoi = cards["portal-sotttt_hanoi"]
    times = [t.get("datetime") for t in hanoi.iter("time")]
    assert times == [
        "2026-08-06T08:02:00+07:00",  # checked (the report's finish)
        "2026-08-03T09:00:00+07:00",  # all categories
        "2026-08-03T09:00:00+07:00",  # tin_tuc_su_kien
        "2026-08-03T09:00:00+07:00",  # chi_dao_dieu_hanh
    ]
    assert "03/08/2026 09:00" in hanoi.text_content()
    names = [a.text for a in hanoi.xpath(".//ul[@class='feeds']//div[@class='name']/a[1]")]
    assert names == ["Tin tức sự kiện", "Chỉ đạo điều hành"]
    topics = [li.get("id") for li in doc.xpath("//ul[@class='topics']/li")]
    assert topics == ["topic-leadership", "topic-news", "topic-direction"]


def test_build_writes_the_status_page_and_links_it(site: Path) -> None:
    assert (site / STATUS_PAGE).is_file()
    assert page(site).xpath(f"//a[@href='{STATUS_PAGE}']")


def test_status_page_is_linked_only_when_it_exists(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    write_site(feeds, portals=list(PORTALS), specs=[], health={}, limit=50)
    assert not page(feeds).xpath(f"//a[@href='{STATUS_PAGE}']")
    (feeds / STATUS_PAGE).write_text("<!DOCTYPE html><title>status</title>", encoding="utf-8")
    write_site(feeds, portals=list(PORTALS), specs=[], health={}, limit=50)
    assert page(feeds).xpath(f"//a[@href='{STATUS_PAGE}']")


def test_page_is_accessible_and_self_contained(site: Path) -> None:
    doc = page(site)
    assert doc.get("lang") == "vi"
    assert len(doc.xpath("//h1")) == 1
    assert len(doc.xpath("//h2")) == 2
    assert len(doc.xpath("//article/div/div/h3")) == len(PORTALS)
    assert doc.xpath("//meta[@name='viewport']")
    assert doc.xpath("//main") and doc.xpath("//header") and doc.xpath("//footer")
    # English text is marked as such for screen readers.
    assert doc.xpath("//span[@lang='en'][contains(., 'By province')]")
    assert not doc.xpath("//script | //iframe | //img | //link[@rel='stylesheet']")
    text = (site / "index.html").read_text(encoding="utf-8")
    assert "@import" not in text and "url(" not in text and "//fonts." not in text
    for href in doc.xpath("//@href | //@src"):
        # Only the portals' own pages are absolute links; nothing is loaded from anywhere.
        if urlsplit(href).scheme:
            assert urlsplit(href).hostname.endswith(".gov.vn"), href


def _luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_colours_meet_wcag_aa_contrast_in_light_and_dark() -> None:
    light, dark = re.findall(r":root\{([^}]*)\}", _CSS)
    for scheme in (light, dark):
        colours = dict(re.findall(r"--([\w-]+):(#[0-9a-f]{6})", scheme))
        palette = {**dict(re.findall(r"--([\w-]+):(#[0-9a-f]{6})", light)), **colours}
        pairs = [
            ("text", "bg"), ("text", "card"), ("muted", "card"), ("muted", "bg"),
            ("rss", "card"), ("atom", "card"), ("json", "card"), ("brand-text", "brand"),
            ("ok", "ok-bg"), ("warn", "warn-bg"), ("crit", "crit-bg"), ("unk", "unk-bg"),
        ]  # fmt: skip
        for fg, bg in pairs:
            ratio = _contrast(palette[fg], palette[bg])
            assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}"


def test_rebuild_is_byte_identical_and_leaves_the_file_alone(tmp_path: Path) -> None:
    folder = build_site(tmp_path)
    index = folder / "index.html"
    before, mtime = index.read_bytes(), index.stat().st_mtime_ns
    build_site(tmp_path)  # the same articles again: nothing changed
    assert index.read_bytes() == before
    assert index.stat().st_mtime_ns == mtime
    assert not list(folder.glob(".*.tmp"))


# --------------------------------------------------------------------------- screenshots

SIZES = {"phone": (390, 844), "desktop": (1280, 900), "phone-full": (390, 3000)}


def png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the pixels) of a PNG, with no imaging library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


@pytest.mark.parametrize("which", ["site", "demo_site"])
def test_screenshots_at_phone_and_desktop_widths(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    folder: Path = request.getfixturevalue(which)
    chromium = which_tool(
        "chromium", "chromium-browser", install="Debian: apt-get install chromium"
    )
    shots: dict[str, Path] = {}
    for name, (width, height) in SIZES.items():
        if name == "phone-full" and which != "site":
            continue  # one long view, of the richer page, is enough to review
        png = tmp_path / f"index-{which}-{name}-{width}x{height}.png"
        result = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={tmp_path / 'chromium-profile'}",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                (folder / "index.html").as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert png.is_file(), result.stderr[-2000:]
        data = png.read_bytes()
        w, h, colours = png_size_and_colours(data)
        assert (w, h) == (width, height)
        # A blank or error page has a handful of byte values; this page has text and colour.
        assert len(data) > 20_000 and colours > 100, (png, len(data), colours)
        shots[name] = png
    print(f"\nscreenshots of {folder / 'index.html'}:")
    for name, png in shots.items():
        print(f"  {name}: {png}")
    (tmp_path / "screenshots.json").write_text(json.dumps({k: str(v) for k, v in shots.items()}))
