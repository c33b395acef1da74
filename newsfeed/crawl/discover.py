"""``newsfeed discover PORTAL``: the sites below a province's portal, probed, as profiles.

After the 2025 merger each province has about a hundred communes and many departments, most
with a site of their own, often on the province's own platform (``<commune>.<province>.gov.vn``).
The province's portal links them: a "Liên kết website" block of links or a drop-down of URLs
(``<select onchange="window.open(this.value)">``), and links to subdomains of its own domain
anywhere on the page. :func:`linked_sites` finds them on the home page (a pure function);
:func:`discover` probes each (:mod:`newsfeed.crawl.probe`) and drafts a profile, with
``parent = "<portal key>"``, for each that yields articles.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from newsfeed.crawl.fetch import Fetcher, FetchError
from newsfeed.crawl.probe import ProbeResult, fetch_html, probe_site
from newsfeed.extraction.urls import host_of
from newsfeed.platforms.extract import response_for
from newsfeed.portals import Portal, Registry
from newsfeed.portals.discovery import normalize_label

LINK_BLOCK_LABELS = (
    "liên kết website",
    "liên kết web",
    "website liên kết",
    "liên kết",
    "các trang liên kết",
    "trang thông tin điện tử",
    "cổng thành phần",
    "trang thành phần",
)
"""Headings of the blocks of links to other sites, matched case and diacritics aside."""

_WANTED = frozenset(normalize_label(label) for label in LINK_BLOCK_LABELS)
# a heading sits at most this many levels below the block that holds its links
_BLOCK_DEPTH = 4
_HEADINGS = "h1|h2|h3|h4|h5|h6|div|span|p|strong|b|a|label|legend|li|td|th|option"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedSite:
    """A site the portal links to."""

    url: str
    """Its home page: the link's scheme and host, path ``/``."""
    name: str
    """The link's text (or the option's), as the portal prints it."""
    how: str
    """``block`` (a "Liên kết website" block or drop-down) or ``subdomain``."""


def _origin(href: str, base: str | None = None) -> str | None:
    """The home page of the site ``href`` (resolved against ``base``) is on; None for a link
    to no http(s) site, or one no URL parser reads ("http://[x")."""
    try:
        parts = urlsplit(urljoin(base, href.strip()) if base else href.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}/"


def _domain(host: str) -> str:
    """The portal's own domain, below which its sites live: ``camau.gov.vn`` for
    ``www.camau.gov.vn``; an IP address is its own."""
    return host.removeprefix("www.")


def is_subdomain(host: str, of: str) -> bool:
    """``host`` is a site below ``of``'s domain (``xa.camau.gov.vn`` of ``camau.gov.vn``)."""
    try:
        ipaddress.ip_address(of)
        return False
    except ValueError:
        pass
    domain = _domain(of)
    return host != domain and host.endswith("." + domain) and host != "www." + domain


def linked_sites(sel: Selector, page_url: str) -> list[LinkedSite]:
    """The other sites the page links to from its link blocks and drop-downs, and the
    subdomains of its domain it links to anywhere; once each, in page order."""
    home_host = host_of(page_url)
    found: dict[str, LinkedSite] = {}

    def add(href: str, text: str, how: str) -> None:
        origin = _origin(href, page_url)
        if origin is None or host_of(origin) == home_host or origin in found:
            return
        found[origin] = LinkedSite(url=origin, name=" ".join(text.split()), how=how)

    for block in _link_blocks(sel):
        for anchor in block.xpath(".//a[@href]"):
            add(anchor.attrib["href"], " ".join(anchor.xpath(".//text()").getall()), "block")
        for option in block.xpath(".//option[@value]"):
            add(option.attrib["value"], " ".join(option.xpath(".//text()").getall()), "block")
    # drop-downs of site links have no heading sometimes: options whose values are URLs
    for select in sel.xpath("//select"):
        options = select.xpath("./option[@value] | ./optgroup/option[@value]")
        urls = [o for o in options if _origin(o.attrib["value"])]
        if len(urls) >= 2:
            for option in urls:
                add(option.attrib["value"], " ".join(option.xpath(".//text()").getall()), "block")
    for anchor in sel.xpath("//a[@href]"):
        origin = _origin(anchor.attrib["href"], page_url)
        if origin and is_subdomain(host_of(origin), home_host):
            add(origin, " ".join(anchor.xpath(".//text()").getall()), "subdomain")
    return list(found.values())


def _link_blocks(sel: Selector) -> list[Selector]:
    """The elements holding the links of each "Liên kết website" heading."""
    blocks: list[Selector] = []
    for node in sel.xpath(f"//*[{' or '.join(f'self::{t}' for t in _HEADINGS.split('|'))}]"):
        own = " ".join(node.xpath("./text()").getall()) or " ".join(
            node.xpath(".//text()").getall()
        )
        if len(own) > 60 or normalize_label(own) not in _WANTED:
            continue
        holder = node
        for _ in range(_BLOCK_DEPTH):
            parent = holder.xpath("..")
            if not parent:
                break
            holder = parent[0]
            if holder.xpath(".//a[@href] | .//option[@value]"):
                blocks.append(holder)
                break
    return blocks


@dataclass(frozen=True, slots=True, kw_only=True)
class Discovered:
    site: LinkedSite
    result: ProbeResult | None = None
    """The probe; None when the site was not probed (``skipped`` says why)."""
    skipped: str | None = None
    known_child: bool = False
    """The site is a known portal already, under this one (an earlier discover wrote it)."""


def discover(
    portal: Portal,
    fetcher: Fetcher,
    *,
    registry: Registry | None = None,
    only_subdomains: bool = False,
) -> tuple[list[Discovered], str | None]:
    """Every site ``portal``'s home page links to, each probed; and the reason when the home
    page itself could not be read. A site that is a known portal already is not probed."""
    registry = registry if registry is not None else Registry()
    try:
        home = fetch_html(fetcher, portal.base_url + "/")
    except FetchError as exc:
        return [], str(exc)
    sel = response_for(home.body, home.url, home.content_type).selector
    out: list[Discovered] = []
    for site in linked_sites(sel, home.url):
        if only_subdomains and site.how != "subdomain":
            out.append(Discovered(site=site, skipped="not a subdomain of the portal"))
            continue
        known = registry.for_url(site.url)
        if known is not None:
            child = known.parent == portal.key
            why = f"known portal {known.key}" + (f", under {portal.key}" if child else "")
            out.append(Discovered(site=site, skipped=why, known_child=child))
            continue
        out.append(Discovered(site=site, result=probe_site(site.url, fetcher, registry=registry)))
    return out, None


__all__ = [
    "LINK_BLOCK_LABELS",
    "Discovered",
    "LinkedSite",
    "discover",
    "is_subdomain",
    "linked_sites",
]
