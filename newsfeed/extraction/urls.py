"""URL identity: canonical URLs and guids.

Rules (documented in the README, tested by property tests):

- scheme ``https`` (portals serve both; the identity must not depend on which was linked);
- host lower-case, without ``www.`` and without a default port; a portal's host aliases map to
  its primary host, so a domain move does not change a canonical URL;
- no fragment; query sorted; tracking (``utm_*``, ``fbclid``, ``gclid``, ...), session
  (``jsessionid``, ``sid``, ...) and Liferay portlet-state parameters (``p_p_*``, ``_101_*``
  except the page cursor of a listing, ``p_r_p_*``, ``redirect``) dropped; ``;jsessionid=``
  path parameters dropped;
- percent-encoding normalized (w3lib's canonicalize_url).

A guid is a ``tag:`` URI (RFC 4151): ``tag:newsfeed,2025:<portal>/<article id>`` when the
platform has an article id, else ``tag:newsfeed,2025:<portal>/u/<hash of the canonical URL's
path and query>``. The host is left out of the hash so host aliases share guids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as _w3lib_canonicalize

GUID_PREFIX = "tag:newsfeed,2025:"

_DROP_PARAM_RE = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|zarsrc|_hsenc|_hsmi|mc_[ce]id|ref|source"
    r"|jsessionid|phpsessid|sid|sessionid|aspsessionid.*"
    r"|p_p_.*|p_r_p_.*|p_l_id|redirect|_\d+_(?!cur$).*|_com_liferay_.*_(?!cur$).*)$",
    re.IGNORECASE,
)
_PATH_SESSION_RE = re.compile(r";(jsessionid|sid)=[^/?#]*", re.IGNORECASE)


CANONICAL_FORM_RE = re.compile(
    r"https://(?!www\.)([a-z0-9-]+(?:\.[a-z0-9-]+)*)"
    r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9\-._~!$&'()*+,=:@]*)+"
)
"""A URL already in its identity form, as :func:`canonical_url` would return it (a hypothesis
test holds it to that): https, a lower-case ASCII host without ``www.``, port or user, a path
with no ``.`` or ``..`` segment, of characters canonicalize_url neither encodes nor decodes (no
``%``, no ``;`` path parameters), no query, no fragment. Related links and page URLs mostly
are; each then skips two URL parses and w3lib's canonicalization. A host that is an alias of
the primary host still goes the long way."""


@lru_cache(maxsize=256)
def _alias_hosts(aliases: tuple[str, ...]) -> frozenset[str]:
    """A portal's host aliases as the hosts they match (a portal may have dozens)."""
    return frozenset(a.lower().removeprefix("www.") for a in aliases)


def host_of(url: str) -> str:
    """Lower-case host of ``url`` without ``www.`` and port."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def canonical_url(url: str, *, aliases: Iterable[str] = (), primary_host: str | None = None) -> str:
    """The identity form of ``url`` (see the module docstring).

    ``aliases`` are hosts that mean ``primary_host``; both without ``www.``.
    """
    return _canonical(url, tuple(aliases) if primary_host else (), primary_host)


@lru_cache(maxsize=8192)
def _canonical(url: str, aliases: tuple[str, ...], primary_host: str | None) -> str:
    """:func:`canonical_url`, remembered: a crawl meets the same links on page after page (a
    portal's related and latest lists, its menus), each a parse, a sort and w3lib's work."""
    alias_hosts = _alias_hosts(aliases)
    plain = CANONICAL_FORM_RE.fullmatch(url)
    if plain and plain[1] not in alias_hosts:
        return url
    url = _PATH_SESSION_RE.sub("", url.strip())
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if primary_host and host in alias_hosts:
        host = primary_host.lower().removeprefix("www.")
    port = parts.port
    if ":" in host:  # an IPv6 address: bracketed in a URL, as its port is not part of it
        host = f"[{host}]"
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if not _DROP_PARAM_RE.match(k)]
    rebuilt = urlunsplit(("https", netloc, parts.path or "/", urlencode(sorted(query)), ""))
    return str(_w3lib_canonicalize(rebuilt, keep_fragments=False))


def make_guid(portal: str | None, *, article_id: str | None, canonical: str) -> str:
    """A stable guid: from the portal's own article id, else from the canonical URL."""
    scope = portal or "web"
    if article_id:
        return f"{GUID_PREFIX}{scope}/{article_id}"
    parts = urlsplit(canonical)
    key = parts.path + ("?" + parts.query if parts.query else "")
    if portal is None:
        # No portal: the host is part of the identity.
        key = parts.netloc + key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return f"{GUID_PREFIX}{scope}/u/{digest}"
