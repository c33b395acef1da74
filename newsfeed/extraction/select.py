"""Selector helpers: a selector is a tuple of fallbacks tried in order.

Each entry is CSS, or XPath when it starts with ``/``, ``./`` or ``(``. The first entry that
matches something wins; later entries are fallbacks for older or newer layouts.

A query scoped to a container, ``(//*[...])[1]//div[...]`` (Liferay's asset publisher), is
run in two steps: the container once per page, kept while the page's selector lives, then
``.//div[...]`` inside it. libxml2 would otherwise scan the whole document for the container
on each of the 20-odd queries a page runs, most of an extraction's time on a large page.

Each query runs rewritten to the same nodes in less time (:func:`runnable`, tested against
the query as written): ``//`` steps as ``descendant::`` steps, tests of an attribute on the
attribute nodes; CSS as parsel translates it, rewritten the same way.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from functools import cache, lru_cache

from lxml import etree
from parsel import Selector, SelectorList
from parsel.csstranslator import HTMLTranslator

from newsfeed.extraction.text import clean_text

Selectors = tuple[str, ...]

_containers: weakref.WeakKeyDictionary[Selector, dict[str, Selector | None]] = (
    weakref.WeakKeyDictionary()
)
"""Per page selector: the container each container query found (None: no match)."""


def _is_xpath(query: str) -> bool:
    return query.startswith(("/", "./", "(", "descendant", "ancestor", "following"))


@lru_cache(maxsize=1024)
def split_container(query: str) -> tuple[str, str] | None:
    """``(P)[1]/rest`` -> ``("(P)[1]", "./rest")`` when ``P`` is an absolute path (its match
    does not depend on the node it runs from); None for any other query."""
    if not query.startswith("(/"):
        return None
    depth = 0
    quote = ""
    close = -1  # the ")" closing the opening "("
    for index, char in enumerate(query):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
            if depth == 0:
                close = index
                break
    rest = query[close + 1 :]
    if close < 0 or query[close] != ")" or not rest.startswith("[1]/"):
        return None
    return _first_match(query[1:close]) or query[: close + 4], "." + rest[3:]


_ONE_STEP_RE = re.compile(r"//(\*|[A-Za-z][\w-]*)(\[.*\])")


def _first_match(path: str) -> str | None:
    """``//div[p]`` -> ``/descendant::div[p][1]``: the same node as ``(//div[p])[1]``, but
    libxml2 stops testing ``p`` at the first match instead of testing every element."""
    match = _ONE_STEP_RE.fullmatch(path)
    if match is None or not _one_predicate(match.group(2)):
        return None
    return f"/descendant::{match.group(1)}{match.group(2)}[1]"


def _one_predicate(text: str) -> bool:
    """``text`` is a single bracketed predicate: its first "[" closes at its very end."""
    depth = 0
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index == len(text) - 1
    return False


_STEP_NAME_RE = re.compile(r"\*|[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?")
_STRING_RE = re.compile(r"'[^']*'|\"[^\"]*\"")
_FUNCTION_RE = re.compile(r"([A-Za-z_][\w.-]*(?::[\w.-]+)?)\s*\(")
_TRUTH_FUNCTIONS = frozenset(
    {"contains", "starts-with", "not", "normalize-space", "concat", "translate", "text"}
    | {"node", "name", "local-name", "string", "boolean", "true", "false", "lang"}
)
"""Functions a predicate may call and still be a truth test of each node on its own."""


def _is_truth_test(predicate: str) -> bool:
    """Whether the predicate ``[...]`` (its inside) is true or false of a node by itself,
    whatever the node's position among the others: no number in it (a predicate that is a
    number is a position), no position(), last(), count(), arithmetic or variable."""
    rest = _STRING_RE.sub("''", predicate)
    if re.search(r"[\d*+$]|'\s*-|-\s*'|\s-|-\s|\bdiv\b|\bmod\b", rest):
        return False
    return set(_FUNCTION_RE.findall(rest)) <= _TRUTH_FUNCTIONS


@lru_cache(maxsize=1024)
def descendant_steps(query: str) -> str:
    """``query`` with each ``//name[p]`` step written ``/descendant::name[p]`` where its
    predicates are truth tests (:func:`_is_truth_test`): the same nodes in the same order.

    ``//`` is ``/descendant-or-self::node()/``: libxml2 collects every node below (text nodes
    too), then the children of each that match; the descendant axis is one walk, a query in
    a third less time. A position test would count among the children in the one case and
    among all descendants in the other, so a step with one is left as it is.
    """
    out: list[str] = []
    index = 0
    while index < len(query):
        char = query[index]
        if char in "'\"[":  # a string or a predicate: copied whole, never rewritten inside
            end = _skip(query, index)
            end = len(query) if end < 0 else end
            out.append(query[index:end])
            index = end
            continue
        if query.startswith("//", index):
            step = _STEP_NAME_RE.match(query, index + 2)
            after = step.end() if step else index + 2
            if step and not query.startswith(("(", "::"), after) and _truth_steps(query, after):
                out.append("/descendant::")
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _skip(query: str, start: int) -> int:
    """The index just past the quoted string or the ``[...]`` predicate (strings and nested
    predicates inside it skipped whole) that starts at ``start``; -1 if it is not closed."""
    opener = query[start]
    if opener != "[":
        end = query.find(opener, start + 1)
        return -1 if end < 0 else end + 1
    index = start + 1
    while 0 <= index < len(query):
        char = query[index]
        if char == "]":
            return index + 1
        index = _skip(query, index) if char in "'\"[" else index + 1
    return -1


def _truth_steps(query: str, start: int) -> bool:
    """Whether every predicate right after ``start`` in ``query`` is a truth test."""
    while start < len(query) and query[start] == "[":
        end = _skip(query, start)
        if end < 0 or not _is_truth_test(query[start + 1 : end - 1]):
            return False
        start = end
    return True


# -- attribute tests run on the attribute, not on every element --------------------------------

_NAME = r"@[A-Za-z_][\w.-]*"
_ARGUMENT = (
    rf"(?:{_NAME}|normalize-space\(\s*{_NAME}\s*\)"
    rf"|concat\(\s*' '\s*,\s*normalize-space\(\s*{_NAME}\s*\)\s*,\s*' '\s*\))"
)
_LITERAL = r"(?:'[^']*'|\"[^\"]*\")"
_TEST_RE = re.compile(
    r"\s*(?:(?P<open>\()|(?P<close>\))|(?P<op>and|or)(?![\w.-])"
    rf"|(?P<test>(?:contains|starts-with)\(\s*{_ARGUMENT}\s*,\s*(?P<arg>{_LITERAL})\s*\)"
    rf"|{_ARGUMENT}\s*=\s*(?P<value>{_LITERAL}))|(?P<has>{_NAME}))\s*"
)


def _attribute_tests(predicate: str) -> tuple[frozenset[str], list[tuple[str, str | None]]] | None:
    """``predicate`` read as ``and``/``or`` (and parentheses) of tests of attributes, each
    false on an element without its attribute: ``contains(@a, 'x')``, ``starts-with(@a,
    'x')`` and ``@a = 'x'`` (of ``@a``, ``normalize-space(@a)`` or cssselect's ``concat(' ',
    normalize-space(@a), ' ')``, the string holding more than spaces), or ``@a`` itself.

    Returns the attributes named and the parts: (text, the attribute a test names; None for
    an operator, a parenthesis or a bare ``@a``). None for any other predicate."""
    parts: list[tuple[str, str | None]] = []
    names: set[str] = set()
    depth = 0
    want_test = True
    index = 0
    while index < len(predicate):
        match = _TEST_RE.match(predicate, index)
        if match is None or match.end() == index:
            return None
        index = match.end()
        if match["open"]:
            if not want_test:
                return None
            depth += 1
            parts.append(("(", None))
        elif match["close"]:
            if want_test or depth == 0:
                return None
            depth -= 1
            parts.append((")", None))
        elif match["op"]:
            if want_test:
                return None
            want_test = True
            parts.append((f" {match['op']} ", None))
        else:
            if not want_test:
                return None
            want_test = False
            test = match["test"] or match["has"]
            literal = match["arg"] or match["value"]
            if literal is not None and not literal[1:-1].strip():
                return None  # contains(@a, '') is true of an element without @a
            name = re.search(_NAME, test)
            assert name is not None
            names.add(name.group())
            parts.append((test, None if match["has"] else name.group()))
    if want_test or depth:
        return None
    return frozenset(names), parts


_LAST_STEP_RE = re.compile(r"(?:^|[/(|\s])(?:([A-Za-z-]+)::)?(\*|[A-Za-z_][\w.-]*(?::[\w.-]+)?)$")
"""The step a predicate belongs to when it is its name test's (``descendant::div``, ``*``)."""


def _as_attribute_steps(query: str, start: int, end: int) -> str:
    """The predicate ``query[start:end]`` written to test attribute nodes (see
    :func:`attribute_steps`), or as it is."""
    read = _attribute_tests(query[start + 1 : end - 1])
    if read is None:
        return query[start:end]
    names, parts = read
    step = _LAST_STEP_RE.search(query, 0, start)
    only_predicate = end == len(query) or query[end] != "["
    if (
        len(names) == 1
        and step is not None
        and step.group(1) not in ("attribute", "namespace")
        and not query[: step.start(2)].endswith("@")
        and only_predicate
    ):
        # one attribute: the step's attributes of that name that pass, then their elements
        (name,) = names
        if all(attribute is None for _text, attribute in parts):  # [@a], [(@a)]: has it
            return f"/{name}/.."
        inner = "".join(
            "true()" if text == name else _of_context(text, name) for text, _attribute in parts
        )
        return f"/{name}[{inner}]/.."
    tests = (f"{name}[{_of_context(text, name)}]" if name else text for text, name in parts)
    return "[" + "".join(tests) + "]"


def _of_context(test: str, name: str) -> str:
    """``test`` of the attribute ``name`` (``@class``) as a test of the context node."""
    return re.sub(re.escape(name) + r"(?![\w.-])", ".", test)


def attribute_steps(query: str) -> str:
    """``query`` with each predicate that only tests attributes (:func:`_attribute_tests`)
    testing the attribute nodes: the same nodes in the same order.

    libxml2 evaluates a predicate once per node of its step, and that evaluation, not the
    walk, is the cost of a query: on a corpus page (550 elements, 125 with a class)
    ``count(//*)`` takes 25 us and ``count(//*[@class])`` 214 us. Most elements have no
    class, and each was a failed test. ``*[contains(@class, 'x')]`` becomes
    ``*/@class[contains(., 'x')]/..``, the elements of the attributes that pass (105 against
    240-400 us); a step with more predicates, or tests of several attributes, keeps its
    predicate, each test written ``@class[contains(., 'x')]`` (134 against 246 us). The
    platforms' 269 queries, each run on each whole corpus page: 58 -> 32 ms a page.
    """
    out: list[str] = []
    index = 0
    while index < len(query):
        char = query[index]
        if char in "'\"[":
            end = _skip(query, index)
            if end < 0:
                out.append(query[index:])
                break
            out.append(_as_attribute_steps(query, index, end) if char == "[" else query[index:end])
            index = end
            continue
        out.append(char)
        index += 1
    return "".join(out)


@lru_cache(maxsize=1024)
def runnable(query: str) -> str:
    """The XPath :func:`select` runs for an XPath query (or the part of a container query)."""
    return attribute_steps(descendant_steps(query))


_CSS = HTMLTranslator()


@lru_cache(maxsize=1024)
def css_runnable(query: str) -> str:
    """The XPath :func:`select` runs for a CSS query: parsel's translation, as ``css()``
    makes it, with its class and id tests run on the attributes (:func:`attribute_steps`)."""
    return attribute_steps(_CSS.css_to_xpath(query))


def _container(node: Selector, prefix: str) -> Selector | None:
    found = _containers.setdefault(node, {})
    if prefix not in found:
        matches = node.xpath(runnable(prefix))
        found[prefix] = matches[0] if matches else None
    return found[prefix]


def select(node: Selector, query: str) -> SelectorList[Selector]:
    """Run one CSS or XPath query; not run, on a whole document, when it needs a class no
    element has (:func:`may_match`)."""
    if not may_match(node, query):
        return SelectorList()
    if not _is_xpath(query):
        return node.xpath(css_runnable(query))
    split = split_container(query)
    if split is None:
        return node.xpath(runnable(query))
    container = _container(node, split[0])
    if container is None:
        return SelectorList()
    return container.xpath(runnable(split[1]))


def first(node: Selector, queries: Selectors) -> SelectorList[Selector]:
    """The matches of the first query in ``queries`` that matches anything."""
    for query in queries:
        found = select(node, query)
        if found:
            return found
    return SelectorList()


_VISIBLE_TEXT_QUERY = ".//text()[not(ancestor::script or ancestor::style)]"
VISIBLE_TEXT = etree.XPath(_VISIBLE_TEXT_QUERY, smart_strings=False)


def node_text(node: Selector) -> str:
    """Visible text of one node, whitespace collapsed, NFC."""
    root = node.root
    if isinstance(root, etree._Element):
        # straight to lxml: a parsel Selector around each text node costs more than the query
        texts = VISIBLE_TEXT(root)
        return clean_text(" ".join(texts)) if isinstance(texts, list) else ""
    return clean_text(" ".join(node.xpath(_VISIBLE_TEXT_QUERY).getall()))


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


# --- prefilters: a query that needs a class no element has is not run -------------------------

_SIMPLE_CSS_RE = re.compile(r"(?:[a-z]*(?:[.#][\w-]+)+\s*)+")


@cache
def css_names_needed(css: str) -> frozenset[str] | None:
    """The classes and ids a simple CSS query (``div.a.b #c .d``) requires, all of them; None
    for any other query (it is always run)."""
    if not _SIMPLE_CSS_RE.fullmatch(css):
        return None
    return frozenset(re.findall(r"[.#][\w-]+", css))


_CLASS_TEST_RE = re.compile(
    r"contains\(@class,\s*'([^']+)'\)"
    r"|contains\(concat\(' ', normalize-space\(@class\), ' '\), ' ([^' ]+) '\)"
)


@cache
def class_needles(query: str) -> tuple[str, ...] | None:
    """Strings one of which some class attribute of the page must contain for ``query`` to
    match anything, or None when the query does not say (it is always run).

    Only a query whose every predicate naming ``@class`` is an ``or`` of ``contains(@class,
    'x')`` (or of the ``' x '`` token form) qualifies, and one with no other attribute and no
    union: then an element matches only if its class holds one of the x, and a page whose
    class attributes hold none of them is not scanned (each such query is a scan of every
    element, the most expensive step of a fallback extraction, and most of a body's cleaning)."""
    if "|" in query or "not(contains" in query or set(re.findall(r"@([\w-]+)", query)) != {"class"}:
        return None
    needles: list[str] = []
    for predicate in re.findall(r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]", query):
        if "@class" not in predicate:
            continue
        rest = _CLASS_TEST_RE.sub("", predicate).replace("@class", "")
        if not re.fullmatch(r"(?:\s*or\s*)*", rest):
            return None
        needles += [a or b for a, b in _CLASS_TEST_RE.findall(predicate)]
    return tuple(needles) or None


_CLASS_VALUES = etree.XPath("descendant-or-self::*/@class", smart_strings=False)


def class_text(element: etree._Element) -> str:
    """Every class attribute of ``element`` and its descendants, one a line: what
    :func:`could_match` searches."""
    return "\n".join(str(value) for value in _CLASS_VALUES(element))


@cache
def _classes_needed(query: str) -> tuple[tuple[str, ...], bool] | None:
    """What some class attribute must hold for ``query`` to match: (strings, whether all of
    them are needed, else one); None when the query does not say.

    A simple CSS query needs each of its classes (a class token is a substring of its
    attribute); an XPath query one of its :func:`class_needles`, those of the part inside the
    container for a container query (what it matches lies inside the container).
    """
    if _is_xpath(query):
        split = split_container(query)
        needles = class_needles(split[1] if split else query)
        return None if needles is None else (needles, False)
    names = css_names_needed(query)
    classes = tuple(name[1:] for name in names or () if name.startswith("."))
    return (classes, True) if classes else None


def could_match(query: str, classes: str) -> bool:
    """False when ``query`` (CSS or XPath, as :func:`select` runs it) needs a class that no
    class attribute in ``classes`` (:func:`class_text` of the node it runs on) holds: then it
    matches nothing and need not scan. True when it may match, or when the query does not say
    (:func:`_classes_needed`)."""
    needed = _classes_needed(query)
    if needed is None:
        return True
    strings, every = needed
    return (all if every else any)(string in classes for string in strings)


_class_texts: weakref.WeakKeyDictionary[Selector, str] = weakref.WeakKeyDictionary()
"""Per document selector (a page, a body copy): its :func:`class_text`, read on first need."""


def may_match(node: Selector, query: str) -> bool:
    """:func:`could_match` of ``query`` on ``node`` when ``node`` is a whole document (a page,
    a copy of its body), else True.

    The class attributes are read once per document and serve every query of it: most of a
    platform's fallbacks and chrome selectors (``.asset-ratings``, ``p.texttacgia``) and of
    the generic extractor's match nothing on a given page, and each would test every element.
    A node inside a page (a listing's item) is asked a query or two: its own scan would cost
    as much as the queries saved. The text read stays valid while the document loses nodes
    (a body being cleaned): it can only hold more classes than the document, never fewer.
    """
    root = node.root
    if not isinstance(root, etree._Element) or root.getparent() is not None:
        return True
    if _classes_needed(query) is None:
        return True
    return could_match(query, document_classes(node))


def document_classes(node: Selector) -> str:
    """:func:`class_text` of ``node``'s whole document, read once per document selector (a
    page, a body copy) and shared by everything that asks it."""
    root = node.root
    if not isinstance(root, etree._Element):
        return ""
    if root.getparent() is not None:  # a node inside a page: its document's, not kept
        return class_text(root.getroottree().getroot())
    classes = _class_texts.get(node)
    if classes is None:
        classes = _class_texts[node] = class_text(root)
    return classes


# -- a document's few head elements, by lxml's walk -----------------------------------------
# ``//title`` or ``//script[...]`` is an XPath scan of the whole document, some 15-40 us on a
# 50 KB page, and a parsel wrapper around each match; ``iter(tag)`` walks the tree in C and
# compares interned tag names: a microsecond. Each gives what its XPath gives (tested).


def _elements(node: Selector, tag: str) -> Iterator[etree._Element]:
    root = node.root
    if isinstance(root, etree._Element):
        yield from root.getroottree().iter(tag)


def declared_base(node: Selector) -> str | None:
    """The ``href`` of the first ``<base>`` in a ``<head>`` (``//head/base/@href``)."""
    for base in _elements(node, "base"):
        parent = base.getparent()
        href = base.get("href")
        if href is not None and parent is not None and parent.tag == "head":
            return href
    return None


def title_text(node: Selector) -> str | None:
    """The first text of a ``<title>`` (``//title/text()``)."""
    for title in _elements(node, "title"):
        for text in title.xpath("text()", smart_strings=False):
            return str(text)
    return None


def jsonld_texts(node: Selector) -> list[str]:
    """The texts of the ``<script type="application/ld+json">`` elements
    (``//script[@type='application/ld+json']/text()``)."""
    return [
        str(text)
        for script in _elements(node, "script")
        if script.get("type") == "application/ld+json"
        for text in script.xpath("text()", smart_strings=False)
    ]


def meta_elements(node: Selector) -> list[etree._Element]:
    """The ``<meta>`` elements, in document order (``//meta``)."""
    return list(_elements(node, "meta"))


def declared_language(node: Selector) -> str | None:
    """The root ``<html>``'s ``lang``, else the ``content`` of the first ``<meta
    http-equiv="content-language">`` that has one (``/html/@lang``, then
    ``meta[http-equiv="content-language"]::attr(content)``); an empty ``lang`` is none."""
    root = node.root
    if not isinstance(root, etree._Element):
        return None
    document = root.getroottree().getroot()
    if document.tag == "html" and (lang := document.get("lang")):
        return lang
    for meta in _elements(node, "meta"):
        content = meta.get("content")
        if content is not None and meta.get("http-equiv") == "content-language":
            return content
    return None
