"""Selector helpers: a selector is a tuple of fallbacks tried in order.

Each entry is CSS, or XPath when it starts with ``/``, ``./`` or ``(``. The first entry that
matches something wins; later entries are fallbacks for older or newer layouts.
"""

from __future__ import annotations

from parsel import Selector, SelectorList

from newsfeed.extraction.text import clean_text

Selectors = tuple[str, ...]


def _is_xpath(query: str) -> bool:
    return query.startswith(("/", "./", "(", "descendant", "ancestor", "following"))


def select(node: Selector, query: str) -> SelectorList[Selector]:
    """Run one CSS or XPath query."""
    return node.xpath(query) if _is_xpath(query) else node.css(query)


def first(node: Selector, queries: Selectors) -> SelectorList[Selector]:
    """The matches of the first query in ``queries`` that matches anything."""
    for query in queries:
        found = select(node, query)
        if found:
            return found
    return SelectorList()


def node_text(node: Selector) -> str:
    """Visible text of one node, whitespace collapsed, NFC."""
    return clean_text(
        " ".join(node.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall())
    )


def first_text(node: Selector, queries: Selectors) -> str | None:
    """Text of the first match (of the first query) with non-empty text."""
    for query in queries:
        for match in select(node, query):
            text = match.get() if isinstance(match.root, str) else node_text(match)
            text = clean_text(text)
            if text:
                return text
    return None


def link_title(anchor: Selector) -> str | None:
    """What a link says: its text, else its title attribute, else its image's alt text (an
    image link often comes before the headline link to the same article)."""
    return (
        node_text(anchor)
        or clean_text(anchor.attrib.get("title"))
        or clean_text(anchor.xpath(".//img/@alt").get())
        or None
    )
