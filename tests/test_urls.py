"""Canonical URLs and guids: the identity rules readers depend on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsfeed.extraction.urls import GUID_PREFIX, canonical_url, host_of, make_guid

BASE = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-tuyen-truyen.html"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (BASE, BASE),
        (BASE.replace("https://", "http://"), BASE),
        (BASE.replace("sotttt.", "WWW.SoTTTT."), BASE),
        (BASE + "#comments", BASE),
        (BASE + "?utm_source=zalo&fbclid=abc", BASE),
        (BASE.replace(".html", ".html;jsessionid=A1B2C3"), BASE),
        (
            BASE + "?p_p_id=101&p_p_lifecycle=0&_101_delta=20&p_r_p_564233524_resetCur=false",
            BASE,
        ),
        ("https://example.vn:443/a?b=2&a=1", "https://example.vn/a?a=1&b=2"),
        ("https://example.vn:8443/a", "https://example.vn:8443/a"),
        # the page cursor is identity for a listing page
        ("https://x.vn/tin?_101_cur=2&p_p_id=101", "https://x.vn/tin?_101_cur=2"),
        ("https://x.vn/Trang/ChiTiet.aspx?nid=123", "https://x.vn/Trang/ChiTiet.aspx?nid=123"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_host_alias_maps_to_primary_host() -> None:
    moved = BASE.replace("sotttt.hanoi.gov.vn", "stttt.hanoi.gov.vn")
    assert (
        canonical_url(moved, aliases=["stttt.hanoi.gov.vn"], primary_host="sotttt.hanoi.gov.vn")
        == BASE
    )
    assert host_of("http://WWW.Example.vn:8080/x") == "example.vn"


def test_guid_prefers_the_article_id() -> None:
    assert make_guid("sotttt_hanoi", article_id="4409341", canonical=BASE) == (
        GUID_PREFIX + "sotttt_hanoi/4409341"
    )


def test_url_guid_ignores_host_but_not_path() -> None:
    a = make_guid("p", article_id=None, canonical="https://old.vn/tin/1.html")
    b = make_guid("p", article_id=None, canonical="https://new.vn/tin/1.html")
    c = make_guid("p", article_id=None, canonical="https://new.vn/tin/2.html")
    assert a == b != c
    assert a.startswith(GUID_PREFIX + "p/u/")
    # without a portal the host is part of the identity
    assert make_guid(None, article_id=None, canonical="https://old.vn/tin/1.html") != make_guid(
        None, article_id=None, canonical="https://new.vn/tin/1.html"
    )


_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~ăơư", min_size=1, max_size=12)
_param = st.tuples(st.sampled_from(["id", "nid", "utm_source", "p_p_id", "page", "q"]), _segment)


@given(
    scheme=st.sampled_from(["http", "https"]),
    www=st.booleans(),
    path=st.lists(_segment, min_size=1, max_size=4),
    params=st.lists(_param, max_size=4),
    fragment=st.one_of(st.none(), _segment),
)
def test_canonical_url_properties(
    scheme: str, www: bool, path: list[str], params: list[tuple[str, str]], fragment: str | None
) -> None:
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{'www.' if www else ''}Portal.gov.vn/{'/'.join(path)}"
    url += f"?{query}" if query else ""
    url += f"#{fragment}" if fragment else ""
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical, "idempotent"
    assert canonical.startswith("https://portal.gov.vn/")
    assert "#" not in canonical
    assert "utm_source" not in canonical and "p_p_id" not in canonical
    shuffled = "&".join(f"{k}={v}" for k, v in reversed(params))
    other = f"https://portal.gov.vn/{'/'.join(path)}" + (f"?{shuffled}" if shuffled else "")
    assert canonical_url(other) == canonical, "parameter order does not matter"
