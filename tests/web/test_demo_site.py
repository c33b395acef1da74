"""The bundled demo portal: its local server (URL mapping, safety) and its pages.

``EXPECTED`` and ``LISTINGS`` below describe what the demo portal publishes; spider and feed
tests of ``newsfeed demo`` can take their expected results from them.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import pytest
from parsel import Selector, SelectorList

from newsfeed.demo import DEMO_PORTAL_KEY, demo_profile_data
from newsfeed.demo.server import SITE_DIR, resolve_path, serve_demo_site

HDLD = "hoat-dong-lanh-dao"
TTSK = "tin-tuc-su-kien"


@dataclass(frozen=True)
class Expected:
    title: str
    printed_date: str  # as the article page prints it (the listing zero-pads the hour)
    author: str
    categories: tuple[str, ...]  # the first one is the category shown in the article's page
    body_images: int
    lead_image: bool
    attachments: tuple[str, ...] = ()


EXPECTED: dict[int, Expected] = {
    6120458: Expected(
        "Chủ tịch UBND tỉnh làm việc với Sở Thông tin và Truyền thông về chuyển đổi số",
        "24/11/2026 | 4:30 PM",
        "Minh Châu",
        (HDLD,),
        2,
        True,
    ),
    985214: Expected(
        "Phó Chủ tịch UBND tỉnh kiểm tra công tác phòng, chống thiên tai tại huyện Ven Biển",
        "20/11/2026 | 9:15 AM",
        "Trần Quốc Bảo",
        (HDLD,),
        1,
        True,
    ),
    6119873: Expected(
        "Lãnh đạo tỉnh tiếp và làm việc với đoàn công tác của Bộ Thông tin và Truyền thông",
        "17/11/2026 | 2:05 PM",
        "Lê Thu Hà",
        (HDLD, TTSK),
        1,
        True,
    ),
    6098012: Expected(
        "UBND tỉnh Demo họp phiên thường kỳ tháng 10 năm 2026",
        "10/11/2026 | 11:20 AM",
        "Phạm Đức Long",
        (HDLD,),
        0,
        True,
    ),
    6105530: Expected(
        "Bí thư Tỉnh ủy làm việc với Ban Thường vụ Huyện ủy Tân Lập",
        "03/11/2026 | 8:45 AM",
        "Ngọc Ánh",
        (HDLD,),
        1,
        True,
    ),
    997301: Expected(
        "Chủ tịch UBND tỉnh tiếp công dân định kỳ tháng 10/2026",
        "15/10/2026 | 12:00 AM",
        "Hoàng Phúc",
        (HDLD,),
        0,
        False,
    ),
    6121007: Expected(
        "Kế hoạch tổ chức Ngày hội Chuyển đổi số tỉnh Demo năm 2026",
        "25/11/2026 | 10:00 AM",
        "admin admin",
        (TTSK,),
        0,
        True,
        ("/documents/10197/6121010/ke-hoach.pdf",),
    ),
    6112640: Expected(
        "Khai trương Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Demo",
        "13/11/2026 | 3:40 PM",
        "Thanh Tâm",
        (TTSK,),
        2,
        True,
    ),
    973388: Expected(
        "Tập huấn kỹ năng bảo đảm an toàn thông tin cho cán bộ, công chức cấp xã",
        "06/11/2026 | 10:30 AM",
        "Bảo Ngọc",
        (TTSK,),
        1,
        True,
    ),
    6087745: Expected(
        "Tỉnh Demo đưa vào vận hành nền tảng thanh toán trực tuyến phí, lệ phí dịch vụ công",
        "28/10/2026 | 5:10 PM",
        "Quỳnh Anh",
        (TTSK,),
        0,
        True,
    ),
    6079116: Expected(
        "Phát động Cuộc thi trực tuyến “Tìm hiểu pháp luật về an toàn thông tin mạng” năm 2026",
        "20/10/2026 | 12:30 PM",
        "Hải Đăng",
        (TTSK,),
        0,
        True,
    ),
}

# category -> pages -> article ids, in the order listed
LISTINGS: dict[str, list[list[int]]] = {
    HDLD: [[6120458, 985214, 6119873, 6098012, 6105530], [997301]],
    TTSK: [[6121007, 6119873, 6112640, 973388, 6087745], [6079116]],
}

AP = "#p_p_id_101_"
ARTICLE_HREF_RE = re.compile(r"^/vi/([a-z-]+)/-/view_content/(\d+)-[a-z0-9-]+$")
LISTING_DATE_RE = re.compile(
    r"^Ngày đăng (\d{2}/\d{2}/\d{4}) \| (\d{2}):(\d{2}) ([AP]M) \| View count: \d+$"
)
ARTICLE_DATE_RE = re.compile(
    r"^Ngày đăng (\d{2}/\d{2}/\d{4} \| [1-9]\d?:\d{2} [AP]M) \| View count: \d+$"
)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return Response(
                resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
            )
    except urllib.error.HTTPError as err:
        with err:
            return Response(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def raw_get(base_url: str, target: str) -> Response:
    """GET with the request target sent exactly as given (no client-side normalization)."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", target)
        resp = conn.getresponse()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def norm(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def article_path(article_id: int, category: str) -> str:
    return f"/vi/{category}/-/view_content/{article_id}-"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_demo_site() as url:
        yield url


@pytest.fixture(scope="module")
def listing_pages(base_url: str) -> dict[tuple[str, int], Selector]:
    """(category, page) -> the listing page, page 2 reached by its pagination link."""
    pages: dict[tuple[str, int], Selector] = {}
    for category, expected_pages in LISTINGS.items():
        url = f"{base_url}/vi/{category}"
        for number in range(1, len(expected_pages) + 1):
            resp = fetch(url)
            assert resp.status == 200, url
            page = Selector(text=resp.text)
            pages[category, number] = page
            nxt = [
                h
                for h in page.css("ul.pager a::attr(href)").getall()
                if h.endswith(f"_101_cur={number + 1}")
            ]
            if number < len(expected_pages):
                assert nxt, f"no pagination link to page {number + 1} on {url}"
                assert "p_p_id=101" in nxt[0] and "_101_delta=5" in nxt[0]
                url = urljoin(url, nxt[0])
            else:
                assert not nxt
    return pages


# --------------------------------------------------------------------------- the data


def test_expected_table_is_consistent() -> None:
    listed = {i for pages in LISTINGS.values() for page in pages for i in page}
    assert listed == set(EXPECTED)
    for category, pages in LISTINGS.items():
        assert all(len(page) <= 5 for page in pages)
        assert len(pages[0]) == 5 and len(pages) == 2
        for article_id in (i for page in pages for i in page):
            assert category in EXPECTED[article_id].categories
    both = [i for i, e in EXPECTED.items() if len(e.categories) == 2]
    assert both == [6119873]
    assert [i for i, e in EXPECTED.items() if e.printed_date.endswith("12:00 AM")] == [997301]
    assert [i for i, e in EXPECTED.items() if e.author == "admin admin"] == [6121007]
    assert all(6 <= len(str(i)) <= 7 for i in EXPECTED)
    assert all(re.search(r"/(10|11)/2026 ", e.printed_date) for e in EXPECTED.values())


def test_article_files_match_expected() -> None:
    files = {int(p.stem) for p in (SITE_DIR / "articles").glob("*.html")}
    assert files == set(EXPECTED)


# --------------------------------------------------------------------------- listings


def test_listing_pages(listing_pages: dict[tuple[str, int], Selector]) -> None:
    for (category, number), page in listing_pages.items():
        ap = page.css(AP)
        assert len(ap) == 1
        items = page.css("div.asset-abstract")
        assert len(items) == len(ap.css("div.asset-abstract"))  # no listing outside the AP
        ids = []
        for item in items:
            href = item.css("h3.asset-title a::attr(href)").get("")
            match = ARTICLE_HREF_RE.match(href)
            assert match, href
            assert match.group(1) == category
            article_id = int(match.group(2))
            ids.append(article_id)
            expected = EXPECTED[article_id]
            assert norm(item.css("h3.asset-title a::text").get("")) == expected.title
            date = norm(" ".join(item.css("div.assetPublishDate ::text").getall()))
            date_match = LISTING_DATE_RE.match(date)
            assert date_match, date
            day, hour, minute, ampm = date_match.groups()
            assert f"{day} | {int(hour)}:{minute} {ampm}" == expected.printed_date
            assert norm(" ".join(item.css("div.asset-summary ::text").getall()))
            assert bool(item.css("div.asset-image img")) == expected.lead_image
        assert ids == LISTINGS[category][number - 1]


def test_listing_cursor_mapping(base_url: str) -> None:
    for category in LISTINGS:
        first = fetch(f"{base_url}/vi/{category}").body
        assert first == (SITE_DIR / "vi" / f"{category}.html").read_bytes()
        assert fetch(f"{base_url}/vi/{category}?p_p_id=101&_101_cur=1").body == first
        assert fetch(f"{base_url}/{category}").body == first
        second = fetch(f"{base_url}/vi/{category}?p_p_id=101&p_p_lifecycle=0&_101_cur=2")
        assert second.status == 200
        assert second.body == (SITE_DIR / "vi" / f"{category}.page-2.html").read_bytes()
        for bad in ("3", "0", "x", "-1"):
            assert fetch(f"{base_url}/vi/{category}?_101_cur={bad}").status == 404


# --------------------------------------------------------------------------- articles


@pytest.mark.parametrize("article_id", sorted(EXPECTED))
def test_article_page(base_url: str, article_id: int) -> None:
    expected = EXPECTED[article_id]
    on_disk = (SITE_DIR / "articles" / f"{article_id}.html").read_bytes()
    assert len(on_disk) < 30_000
    # served under every category path, whatever the slug, and under the canonical form
    for category in (HDLD, TTSK):
        for slug in ("some-slug", "x"):
            resp = fetch(base_url + article_path(article_id, category) + slug)
            assert resp.status == 200
            assert resp.body == on_disk
    page = Selector(text=on_disk.decode("utf-8"))
    canonical = page.css("link[rel=canonical]::attr(href)").get("")
    assert fetch(base_url + canonical).body == on_disk

    ap = page.css(AP)
    assert norm(ap.css("div.asset-full-content-title::text").get("")) == expected.title
    assert not ap.css("h1.header-title")
    date = norm(" ".join(ap.css("div.assetPublishDate ::text").getall()))
    date_match = ARTICLE_DATE_RE.match(date)
    assert date_match, date
    assert date_match.group(1) == expected.printed_date
    assert len(norm(" ".join(ap.css("p.sapo ::text").getall()))) > 50
    assert bool(ap.css("div.sapo-wrapper img")) == expected.lead_image

    body = ap.css("div.asset-content div.journal-content-article")
    assert len(body) == 1
    assert len(body.css("img")) == expected.body_images
    # like sotttt.hanoi: the printed byline, then the uploading account (one for the site)
    byline = norm(body.css("p.texttacgia em::text").get(""))
    uploader = norm(body.css("p.view-content-author strong em::text").get(""))
    if expected.author == "admin admin":
        assert not byline and uploader == expected.author
    else:
        assert byline == expected.author and uploader == "Nguyễn Văn Quản"
    assert len(body.css("p")) >= 3
    attachments = tuple(h for h in body.css("a::attr(href)").getall() if h.endswith(".pdf"))
    assert attachments == expected.attachments
    # the sidebar Web Content Display portlet has its own journal-content-article (noise)
    assert len(page.css("div.journal-content-article")) == 2
    assert page.css("div.portlet-journal-content div.journal-content-article img")

    related = ap.css("div.related_asset ul.related_asset_list li a::attr(href)").getall()
    assert norm(ap.css("div.related_asset_title::text").get("")) == "Các tin khác"
    assert 3 <= len(related) <= 5
    for href in related:
        match = ARTICLE_HREF_RE.match(href)
        assert match, href
        assert int(match.group(2)) in EXPECTED and int(match.group(2)) != article_id
        assert match.group(1) == expected.categories[0]


def test_article_variety() -> None:
    """The features the extractor must cope with are all present somewhere."""
    pages = {i: (SITE_DIR / "articles" / f"{i}.html").read_text("utf-8") for i in EXPECTED}

    def body(i: int) -> SelectorList[Selector]:
        return Selector(text=pages[i]).css(f"{AP} div.asset-content div.journal-content-article")

    assert body(973388).css("script")  # an inline script inside the body
    assert all(not body(i).css("script") for i in EXPECTED if i != 973388)
    assert body(985214).css("table td img")  # table-caption layout
    assert body(6120458).css('p[style*="center"] em')  # caption paragraph after the image
    assert body(6112640).css('a[href^="https://"]')  # an external link in the body
    assert body(6121007).css('a[href^="/vi/hoat-dong-lanh-dao/-/view_content/6098012-"]')
    assert body(6087745).css("table")  # a data table
    assert sum("<p>&nbsp;</p>" in pages[i] or ">&nbsp;</p>" in pages[i] for i in EXPECTED) >= 5
    assert "&agrave;" in pages[6098012]  # CKEditor entities


# --------------------------------------------------------------------------- server behaviour


@pytest.mark.parametrize(
    "path",
    [
        "/khong-co-trang-nay",
        "/vi/khong-co",
        "/vi/tin-tuc-su-kien/-/view_content/123456-khong-co",
        "/vi/tin-tuc-su-kien/-/view_content/abc",
        "/image/journal/article?img_id=1",
        "/image/journal/article",
        "/image/image_gallery?img_id=../../index",
        "/articles",
        "/articles/",
        "/documents/10197/6121010/khong-co.pdf",
    ],
)
def test_not_found(base_url: str, path: str) -> None:
    resp = fetch(base_url + path)
    assert resp.status == 404
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert "Không tìm thấy" in resp.text


@pytest.mark.parametrize(
    "target",
    [
        "/../pyproject.toml",
        "/../../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E/%2E%2E/pyproject.toml",
        "/vi/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/image/..%2f..%2fserver.py",
        "/..%2f..%2f..%2fpyproject.toml",
        "/%2e%2e%5c%2e%2e%5cpyproject.toml",
        "/..\\..\\pyproject.toml",
        "/%00/etc/passwd",
        "//etc/passwd",
        "/vi/../../server.py",
        "/%ff%fe",
    ],
)
def test_path_traversal_is_refused(base_url: str, target: str) -> None:
    resp = raw_get(base_url, target)
    assert resp.status in (400, 403, 404)
    assert b"[project]" not in resp.body
    assert b"contextmanager" not in resp.body
    assert b"root:" not in resp.body
    with contextlib.suppress(UnicodeDecodeError, ValueError):
        assert resolve_path(target) is None


def test_resolve_path_mapping() -> None:
    site = SITE_DIR.resolve()
    assert resolve_path("/") == site / "index.html"
    assert resolve_path("/robots.txt") == site / "robots.txt"
    assert resolve_path(f"/vi/{HDLD}") == site / "vi" / f"{HDLD}.html"
    assert resolve_path(f"/vi/{HDLD}?a=b&_101_cur=2") == site / "vi" / f"{HDLD}.page-2.html"
    assert resolve_path(f"/vi/{TTSK}/-/view_content/6119873-x") == site / "articles/6119873.html"
    assert resolve_path("/image/journal/article?img_id=6120452&t=1") == (
        site / "image" / "journal" / "article" / "6120452.jpg"
    )
    assert resolve_path("/documents/10197/6121010/ke-hoach.pdf") == (
        site / "documents" / "10197" / "6121010" / "ke-hoach.pdf"
    )


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        (f"/vi/{HDLD}", "text/html; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/image/journal/article?img_id=6120452&t=1795512345678", "image/jpeg"),
        ("/image/image_gallery?img_id=6120455", "image/jpeg"),
        ("/image/banner/logo-demo.png", "image/png"),
        ("/documents/10197/6121010/ke-hoach.pdf", "application/pdf"),
        ("/demo-theme/css/main.css", "text/css; charset=utf-8"),
    ],
)
def test_content_types(base_url: str, path: str, content_type: str) -> None:
    resp = fetch(base_url + path)
    assert resp.status == 200
    assert resp.headers["content-type"] == content_type
    assert int(resp.headers["content-length"]) == len(resp.body)
    assert email.utils.parsedate_to_datetime(resp.headers["last-modified"]) is not None


def test_head(base_url: str) -> None:
    url = base_url + article_path(6121007, TTSK) + "ke-hoach"
    got = fetch(url)
    head = fetch(url, method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["content-length"] == str(len(got.body))
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["last-modified"] == got.headers["last-modified"]
    missing = fetch(base_url + "/khong-co", method="HEAD")
    assert missing.status == 404
    assert missing.body == b""


def test_if_modified_since(base_url: str) -> None:
    url = f"{base_url}/vi/{TTSK}"
    last_modified = fetch(url).headers["last-modified"]
    assert fetch(url, headers={"If-Modified-Since": last_modified}).status == 304
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status == 200


def test_other_methods_refused(base_url: str) -> None:
    request = urllib.request.Request(f"{base_url}/", method="POST", data=b"x=1")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    with info.value as err:
        assert err.code == 501


def test_robots_allows_all(base_url: str) -> None:
    text = fetch(f"{base_url}/robots.txt").text
    assert "User-agent: *" in text
    assert "Disallow: /" not in text


def test_server_stops_on_exit() -> None:
    with serve_demo_site() as url:
        assert url.startswith("http://127.0.0.1:")
        assert fetch(url + "/").status == 200
    with pytest.raises(OSError):
        fetch(url + "/")


# --------------------------------------------------------------------------- the whole site


def _links(page: Selector) -> list[str]:
    return (
        page.css("a::attr(href)").getall()
        + page.css("img::attr(src)").getall()
        + page.css("link::attr(href)").getall()
        + page.css("script::attr(src)").getall()
        + page.css("iframe::attr(src)").getall()
    )


def test_no_broken_internal_links(base_url: str) -> None:
    """Crawl everything reachable from / and check every link to the demo host resolves."""
    host = urlsplit(base_url).netloc
    todo = [f"{base_url}/", f"{base_url}/robots.txt"]
    seen: set[str] = set()
    served_files = set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        resp = fetch(url)
        assert resp.status == 200, url
        target = urlsplit(url)
        served = resolve_path(target.path + (f"?{target.query}" if target.query else ""))
        assert served is not None
        served_files.add(served)
        if not resp.headers["content-type"].startswith("text/html"):
            continue
        page = Selector(text=resp.text)
        for href in _links(page):
            href = href.strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            absolute = urljoin(url, href).split("#", 1)[0]
            parts = urlsplit(absolute)
            if parts.netloc != host:
                assert parts.scheme == "https", f"{href} on {url}"
                continue
            assert href.startswith("/"), f"relative link {href!r} on {url}"
            todo.append(absolute)
    all_files = {p.resolve() for p in SITE_DIR.rglob("*") if p.is_file()}
    assert served_files == all_files, "files of the site not linked from anywhere"


def test_pages_are_small_and_say_demo() -> None:
    for path in SITE_DIR.rglob("*.html"):
        data = path.read_bytes()
        assert len(data) < 30_000, path
        text = data.decode("utf-8")
        assert "minh họa (demo)" in text, path
        assert "hanoi" not in text.lower(), path


def test_media_files_are_valid() -> None:
    for path in SITE_DIR.rglob("*.png"):
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
        assert len(data) < 1_000
    for path in SITE_DIR.rglob("*.jpg"):
        data = path.read_bytes()
        assert data.startswith(b"\xff\xd8\xff\xe0") and data.endswith(b"\xff\xd9")
        assert len(data) < 1_000
    pdf = (SITE_DIR / "documents" / "10197" / "6121010" / "ke-hoach.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")


# --------------------------------------------------------------------------- the profile


def test_demo_profile_data(base_url: str) -> None:
    data = demo_profile_data(base_url)
    assert data["key"] == DEMO_PORTAL_KEY == "demo"
    assert data["platform"] == "liferay62"
    assert data["base_url"] == base_url
    assert data["verified"] == "2026-11-27"
    categories = data["categories"]
    assert isinstance(categories, list)
    assert [c["key"] for c in categories] == ["hoat_dong_lanh_dao", "tin_tuc_su_kien"]
    assert [c["topic"] for c in categories] == ["leadership", "news"]
    for category in categories:
        resp = fetch(category["url"])
        assert resp.status == 200
        page = Selector(text=resp.text)
        assert norm(page.css(f"{AP} .portlet-title-text::text").get("")) == category["name"]
    assert demo_profile_data(base_url + "/")["base_url"] == base_url
