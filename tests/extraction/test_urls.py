"""Canonical URLs and guids: the identity rules readers depend on."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsfeed.extraction.urls import (
    CANONICAL_FORM_RE,
    GUID_PREFIX,
    canonical_url,
    host_of,
    make_guid,
)

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
        # an IPv6 address keeps its brackets (a link to one raised, and lost the article)
        ("http://[2001:db8::1]:8080/a?b=1", "https://[2001:db8::1]:8080/a?b=1"),
        ("https://[::1]:443/a", "https://[::1]/a"),
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


# -- guid stability: every variation a listing, a share button or a domain move produces ------

_ID_URL = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/4409341-tuyen-truyen.html"
_PLAIN_URL = "https://sotttt.hanoi.gov.vn/Trang/Tin tức/ChiTiet.aspx?nid=123&cat=7"
_NOISE_PARAMS = [
    ("utm_source", "zalo"),
    ("utm_medium", "social"),
    ("fbclid", "IwAR0abc"),
    ("gclid", "x1"),
    ("zarsrc", "30"),
    ("jsessionid", "A1B2C3"),
    ("PHPSESSID", "deadbeef"),
    ("p_p_id", "101"),
    ("p_p_lifecycle", "0"),
    ("p_p_state", "normal"),
    ("p_p_mode", "view"),
    ("p_p_col_id", "column-1"),
    ("p_r_p_564233524_resetCur", "false"),
    ("_101_delta", "20"),
    ("redirect", "/vi/tin-tuc"),
]


def _variant(url: str, draw: st.DrawFn) -> str:
    """``url`` as some page, share button or old bookmark may link it."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if draw(st.booleans()):
        host = draw(st.sampled_from(["stttt.hanoi.gov.vn", "old-sotttt.hanoi.vn"]))  # aliases
    if draw(st.booleans()):
        host = "www." + host
    host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    port = draw(st.sampled_from(["", ":80", ":443"]))
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    path = parts.path
    if draw(st.booleans()):
        path = quote(path, safe="/%")  # percent-encoded as a browser copies it
    if draw(st.booleans()):
        path += ";jsessionid=" + draw(st.text(alphabet="ABCDEF0123456789", min_size=1))
    params = parse_qsl(parts.query) + draw(
        st.lists(st.sampled_from(_NOISE_PARAMS), max_size=5, unique=True)
    )
    params = draw(st.permutations(params))
    query = urlencode(params)
    fragment = draw(st.sampled_from(["", "#", "#comments", "#top-1"]))
    return f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "") + fragment


def _guid(url: str, article_id: str | None) -> str:
    canonical = canonical_url(
        url,
        aliases=["stttt.hanoi.gov.vn", "old-sotttt.hanoi.vn"],
        primary_host="sotttt.hanoi.gov.vn",
    )
    return make_guid("sotttt_hanoi", article_id=article_id, canonical=canonical)


@given(data=st.data())
def test_guid_is_stable_under_every_url_variation(data: st.DataObject) -> None:
    """The guid from the canonical URL (no CMS id) survives scheme, www, host case, ports,
    tracking / session / Liferay parameters in any order, fragments and host aliases."""
    expected = _guid(_PLAIN_URL, None)
    url = _variant(_PLAIN_URL, data.draw)
    assert _guid(url, None) == expected, url


@given(data=st.data())
def test_guid_from_article_id_is_stable_and_id_only(data: st.DataObject) -> None:
    url = _variant(_ID_URL, data.draw)
    assert _guid(url, "4409341") == GUID_PREFIX + "sotttt_hanoi/4409341"
    assert canonical_url(
        url,
        aliases=["stttt.hanoi.gov.vn", "old-sotttt.hanoi.vn"],
        primary_host="sotttt.hanoi.gov.vn",
    ) == canonical_url(_ID_URL)


@given(a=st.lists(_segment, min_size=1, max_size=3), b=st.lists(_segment, min_size=1, max_size=3))
def test_different_paths_never_share_a_guid(a: list[str], b: list[str]) -> None:
    """Noise goes, identity stays: two different article paths never collapse into one guid."""
    url_a = "https://portal.gov.vn/" + "/".join(a)
    url_b = "https://portal.gov.vn/" + "/".join(b)
    same = canonical_url(url_a) == canonical_url(url_b)
    assert (_guid(url_a, None) == _guid(url_b, None)) == same


@pytest.mark.parametrize(
    "url",
    [
        "https://x.vn/tin?nid=1",
        "https://x.vn/tin?id=1",
        "https://x.vn/tin?ItemID=1",
        "https://x.vn/tin?_101_cur=2",
    ],
)
def test_identity_parameters_are_kept(url: str) -> None:
    other = url[:-1] + "9"
    assert _guid(url, None) != _guid(other, None)


# -- the fast path: a URL already in its identity form is returned as it is -----------------


def _canonical_the_long_way(
    url: str, *, aliases: tuple[str, ...] = (), primary_host: str | None = None
) -> str:
    """canonical_url as it was before its fast path, every URL parsed and rebuilt."""
    import re

    from w3lib.url import canonicalize_url

    from newsfeed.extraction.urls import _DROP_PARAM_RE

    url = re.sub(r";(jsessionid|sid)=[^/?#]*", "", url.strip(), flags=re.IGNORECASE)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if primary_host and host in {a.lower().removeprefix("www.") for a in aliases}:
        host = primary_host.lower().removeprefix("www.")
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if not _DROP_PARAM_RE.match(k)]
    rebuilt = urlunsplit(("https", netloc, parts.path or "/", urlencode(sorted(query)), ""))
    return str(canonicalize_url(rebuilt, keep_fragments=False))


_ALIASES = st.sampled_from(
    [((), None), (("old.gov.vn", "www.cu.vn"), "moi.gov.vn"), (("a.vn",), "b.vn")]
)
_URL_PARTS = st.sampled_from(
    [
        *"aZ09-._~!$&'()*+,;=:@/",
        *("..", "/../", "/./", "%", "%2f", "%C3%A1", ";jsessionid=1"),
        *("?", "?b=2&a=1", "?utm_source=x", "#f", " ", "\t", "đ", "www.", "//"),
    ]
)
_HOSTS = st.sampled_from(["a.vn", "www.a.vn", "A.vn", "old.gov.vn", "cu.vn", "b.vn", "x-1.y"])


@given(
    st.from_regex(CANONICAL_FORM_RE, fullmatch=True),
    _ALIASES,
)
def test_a_url_in_identity_form_is_its_own_canonical_url(
    url: str, aliases: tuple[tuple[str, ...], str | None]
) -> None:
    assert _canonical_the_long_way(url) == url
    assert canonical_url(url, aliases=aliases[0], primary_host=aliases[1]) == (
        _canonical_the_long_way(url, aliases=aliases[0], primary_host=aliases[1])
    )


@settings(max_examples=500)
@given(
    st.sampled_from(["https://", "https://", "https://", "http://", "HTTPS://", ""]),
    _HOSTS,
    st.lists(_URL_PARTS, max_size=8),
    _ALIASES,
)
@example("https://", "a.vn", ["%2f"], ((), None))
@example("https://", "a.vn", ["a", "/../", "b"], ((), None))
@example("https://", "a.vn", ["/./", "b"], ((), None))
@example("https://", "a.vn", ["a/", ".."], ((), None))
@example("https://", "a.vn", ["a", ";jsessionid=1"], ((), None))
@example("https://", "old.gov.vn", ["a"], (("old.gov.vn",), "moi.gov.vn"))
def test_canonical_url_is_the_long_way_on_any_url(
    scheme: str, host: str, path: list[str], aliases: tuple[tuple[str, ...], str | None]
) -> None:
    url = f"{scheme}{host}/{''.join(path)}"
    assert canonical_url(url, aliases=aliases[0], primary_host=aliases[1]) == (
        _canonical_the_long_way(url, aliases=aliases[0], primary_host=aliases[1])
    )
