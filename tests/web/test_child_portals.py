"""Sites below a province (``parent`` in their profile, as ``newsfeed discover`` writes them):
grouped under their province's portal on index.html and in the OPML; and the pure parts of
discovery (which links name such sites, the keys and provinces a draft gets)."""

from __future__ import annotations

from lxml import etree
from parsel import Selector

from newsfeed.crawl.discover import is_subdomain, linked_sites
from newsfeed.crawl.probe import key_for_url, province_of
from newsfeed.feeds.render import FeedSpec, render_opml
from newsfeed.portals import Portal, portal_from_dict
from newsfeed.web.site import grouped, render_index


def portal(key: str, name: str, province: str, parent: str | None = None) -> Portal:
    data: dict[str, object] = {
        "key": key,
        "name": name,
        "province": province,
        "base_url": f"https://{key}.example.vn",
        "platform": "generic",
        "categories": [
            {"key": "tin", "name": "Tin tức", "url": f"https://{key}.example.vn/t", "topic": "news"}
        ],
    }
    if parent:
        data["parent"] = parent
    return portal_from_dict(data)


PORTALS = [
    portal("xa_tan_phu", "UBND xã Tân Phú", "Cà Mau", parent="ca_mau"),
    portal("an_giang", "Cổng TTĐT tỉnh An Giang", "An Giang"),
    portal("ca_mau", "Cổng TTĐT tỉnh Cà Mau", "Cà Mau"),
    portal("xa_an_binh", "UBND xã An Bình", "Cà Mau", parent="ca_mau"),
    portal("bac_lieu", "Cổng TTĐT Bạc Liêu", "Cà Mau"),
]


def test_children_follow_their_parent() -> None:
    assert [p.key for p in grouped(PORTALS)] == [
        "an_giang",
        "bac_lieu",
        "ca_mau",
        "xa_an_binh",
        "xa_tan_phu",
    ]
    # a child whose parent is not listed stands alone, in its province's place
    assert [p.key for p in grouped(PORTALS[:2])] == ["an_giang", "xa_tan_phu"]


def test_index_marks_a_child_under_its_parent() -> None:
    page = render_index(portals=PORTALS, specs=[], health={}).decode()
    html = Selector(text=page)
    card = html.css("article#portal-xa_tan_phu")
    assert card.attrib["class"] == "portal child"
    assert card.css("p.parent a::attr(href)").get() == "#portal-ca_mau"
    assert card.css("p.parent a::text").get() == "Cổng TTĐT tỉnh Cà Mau"
    assert html.css("article#portal-ca_mau").attrib["class"] == "portal"


def _spec(p: Portal, parent_name: str | None = None) -> FeedSpec:
    return FeedSpec(
        path=f"{p.key}/tin",
        title=f"{p.name} – Tin tức",
        description="d",
        link=p.base_url,
        language="vi",
        entries=(),
        portal=p.key,
        category="tin",
        publisher=p.name,
        parent=p.parent,
        parent_name=parent_name,
    )


def test_opml_nests_a_child_portal_in_its_parent_group() -> None:
    specs = [_spec(p, "Cổng TTĐT tỉnh Cà Mau" if p.parent else None) for p in PORTALS]
    feeds = [(s, f"https://f.example/{s.path}.rss.xml", "") for s in specs]
    body = etree.fromstring(render_opml(feeds, "newsfeed")).find("body")
    assert body is not None
    top = [o.get("text") for o in body.findall("outline")]
    assert top == ["Cổng TTĐT tỉnh An Giang", "Cổng TTĐT Bạc Liêu", "Cổng TTĐT tỉnh Cà Mau"]
    ca_mau = body.findall("outline")[2]
    assert [o.get("text") for o in ca_mau.findall("outline")] == [
        "Cổng TTĐT tỉnh Cà Mau – Tin tức",
        "UBND xã An Bình",
        "UBND xã Tân Phú",
    ]
    commune = ca_mau.findall("outline")[2]
    assert commune.find("outline").get("xmlUrl") == "https://f.example/xa_tan_phu/tin.rss.xml"
    # a parent with no feed of its own yet still groups its children, by its name
    alone = etree.fromstring(render_opml(feeds[:1], "newsfeed")).find("body")
    assert alone is not None and alone[0].get("text") == "Cổng TTĐT tỉnh Cà Mau"
    assert alone[0][0].get("text") == "UBND xã Tân Phú"


HOME = """<html><body>
<nav class="menu"><a href="https://www.camau.gov.vn/tin-tuc">Tin tức</a>
<a href="https://sotttt.camau.gov.vn/">Sở TT&amp;TT</a></nav>
<div class="box"><h3>LIÊN KẾT WEBSITE</h3><ul>
<li><a href="https://tanphu.camau.gov.vn/portal/home">Xã Tân Phú</a></li>
<li><a href="http://anbinh.camau.gov.vn">Xã An Bình</a></li>
<li><a href="https://tanphu.camau.gov.vn/">Xã Tân Phú (again)</a></li>
<li><a href="http://[xa.camau.gov.vn/">Liên kết hỏng</a></li>
</ul></div>
<select><option value="">-- Chọn --</option>
<option value="https://baocamau.vn/">Báo Cà Mau</option>
<option value="https://chinhphu.vn/">Chính phủ</option>
<option value="https://[::1">Hỏng</option></select>
<footer><a href="https://dichvucong.gov.vn/">Dịch vụ công</a>
<a href="https://hoabinh.camau.gov.vn/">Xã Hòa Bình</a><a href="//[x.camau.gov.vn">x</a></footer>
</body></html>"""


def test_linked_sites_from_blocks_dropdowns_and_subdomains() -> None:
    # the links no URL parser reads ("http://[xa...") name no site, and stop nothing
    sites = linked_sites(Selector(text=HOME), "https://camau.gov.vn/")
    assert [(s.url, s.how) for s in sites] == [
        ("https://tanphu.camau.gov.vn/", "block"),
        ("http://anbinh.camau.gov.vn/", "block"),
        ("https://baocamau.vn/", "block"),
        ("https://chinhphu.vn/", "block"),
        ("https://sotttt.camau.gov.vn/", "subdomain"),
        ("https://hoabinh.camau.gov.vn/", "subdomain"),
    ]
    assert sites[0].name == "Xã Tân Phú"
    assert is_subdomain("xa.camau.gov.vn", "www.camau.gov.vn")
    assert not is_subdomain("www.camau.gov.vn", "camau.gov.vn")
    assert not is_subdomain("camau.gov.vn.evil.com", "camau.gov.vn")
    assert not is_subdomain("127.0.0.2", "127.0.0.1")


def test_draft_keys_and_provinces() -> None:
    assert key_for_url("https://tanphu.camau.gov.vn/") == "tanphu_camau"
    assert key_for_url("https://www.baocamau.vn/") == "baocamau"
    assert key_for_url("http://127.0.0.2:8123/") == "site_127_0_0_2_8123"
    assert key_for_url("https://hànội.vn/") == "hanoi"
    assert province_of("Cổng Thông tin điện tử tỉnh Cà Mau") == "Cà Mau"
    assert province_of("Cổng TTĐT thành phố Hải Phòng - Trang chủ") == "Hải Phòng"
    assert province_of("UBND xã Tân Phú") is None
