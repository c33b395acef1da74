"""Selectors: a container query runs as the container, once, then a query inside it."""

from __future__ import annotations

from copy import deepcopy

from hypothesis import example, given, settings
from hypothesis import strategies as st
from parsel import Selector

from newsfeed.extraction.select import (
    class_text,
    could_match,
    declared_base,
    declared_language,
    jsonld_texts,
    may_match,
    meta_elements,
    node_text,
    select,
    split_container,
    title_text,
)
from newsfeed.extraction.structured import StructuredData
from tests.conftest import html_pages

PAGE = """<html><head>
<meta property="og:title" content="">
<meta name="og:title" content="Tiêu đề &amp; phụ">
<meta itemprop="description" content="Mô tả">
</head><body>
<div class="banner journal-content-article"><p>Banner</p></div>
<div class="portlet-asset-publisher" id="a1">
  <div class="asset-content"><div class="journal-content-article"><p>Thân <b>bài</b></p>
  <script>var x = 1;</script><p>hai</p></div></div>
</div>
<div class="portlet-asset-publisher" id="a2">
  <div class="journal-content-article"><p>Cổng thứ hai</p></div>
</div>
</body></html>"""

_AP = "(//*[contains(@class,'portlet-asset-publisher')])[1]"


def test_container_queries_split_only_when_the_container_is_absolute_and_first() -> None:
    first = "/descendant::*[contains(@class,'portlet-asset-publisher')][1]"
    assert split_container(f"{_AP}//div[@class='x']") == (first, ".//div[@class='x']")
    assert split_container(f"{_AP}/div") == (first, "./div")
    assert split_container("(//a[contains(@class, ')[1]//')])[1]//b") == (
        "/descendant::a[contains(@class, ')[1]//')][1]",
        ".//b",
    )
    # more than one step or predicate: the container query is kept as written
    assert split_container("(//a[@x][@y])[1]//b") == ("(//a[@x][@y])[1]", ".//b")
    assert split_container("(//a[@x]//c)[1]//b") == ("(//a[@x]//c)[1]", ".//b")
    for query in ("(//a)[2]//b", "(.//a)[1]//b", "(//x)[1]", "//a", "(//a", ".x"):
        assert split_container(query) is None


def test_container_queries_match_what_xpath_matches() -> None:
    sel = Selector(text=PAGE)
    for query in (
        f"{_AP}//div[contains(@class,'journal-content-article')]",
        f"{_AP}//p",
        f"{_AP}//p/text()",
        f"{_AP}/@id",
        "(//*[contains(@class,'missing')])[1]//p",
        "(//div[@id][@class])[1]//p",
        "(//div[contains(@class,'asset-content')]//div)[1]//p",
    ):
        assert select(sel, query).getall() == sel.xpath(query).getall(), query
    # the container is found once per page and kept: the answer does not change
    assert select(sel, f"{_AP}/@id").getall() == ["a1"]


def test_node_text_skips_scripts() -> None:
    sel = Selector(text=PAGE)
    (body,) = select(sel, f"{_AP}//div[contains(@class,'journal-content-article')]")
    assert node_text(body) == "Thân bài hai"


def test_meta_first_with_content_by_any_of_its_names() -> None:
    data = StructuredData(Selector(text=PAGE), "https://example.gov.vn/")
    # the first og:title is empty: that name gives nothing (the later meta is not read), the
    # next name is tried
    assert data.meta("og:title") is None
    assert data.meta("og:title", "description") == "Mô tả"
    assert data.meta("description") == "Mô tả"
    assert data.meta("missing", "description") == "Mô tả"
    assert data.meta("missing") is None


PREFILTERED = """<html><body><div class="portlet-asset-publisher">
<div class="x-asset-ratings  y"><p class="texttacgia">Quỳnh Anh</p>
<a class=" quaylai\n" href="#">Quay lại</a></div><div class="tienich">In</div></div>
<div class="asset-ratings"></div></body></html>"""
PREFILTER_QUERIES = (
    ".asset-ratings",
    ".x-asset-ratings.y",
    "div .y",
    "a.quaylai",
    "p.quaylai",
    ".tienich",
    "#a1",
    "script",
    f"{_AP}//p[contains(@class,'texttacgia')]",
    f"{_AP}//p[contains(@class,'tacgia')]",
    f"{_AP}//div[contains(@class,'asset-rat')]//a",
    f"{_AP}//*[contains(@class,'asset-ratings')]",
    "//*[contains(@class, 'sapo') or contains(@class,'tienich')]",
    ".missing",
    "a.missing",
    f"{_AP}//p[contains(@class,'missing')]",
)


def test_a_query_is_skipped_only_when_it_matches_nothing() -> None:
    # the prefilter reads the classes of the node a query runs on: never a query that matches
    for page in (PREFILTERED, PAGE):
        sel = Selector(text=page, type="html")
        for node in (sel, *sel.css(".portlet-asset-publisher")):
            classes = class_text(node.root)
            for query in PREFILTER_QUERIES:
                if select(node, query):
                    assert could_match(query, classes), (query, node)
    # and it does skip: no class holds the one needed
    classes = class_text(Selector(text=PREFILTERED).root)
    for query in (".missing", "a.missing", f"{_AP}//p[contains(@class,'missing')]"):
        assert not could_match(query, classes), query


CLASSES_PAGE = """<html class="root-x"><body>
<div class="sapo-wrapper"><p class="lead Sapo">Tóm tắt</p></div>
<div class="b"><span class="c">chữ</span></div>
</body></html>"""


def test_queries_needing_classes_answer_as_when_run() -> None:
    # a query needing a class no element has is not run; every other one must still find
    # what libxml2 finds, whatever it asks of the classes it names
    sel = Selector(text=CLASSES_PAGE)
    for xpath in (
        ".//div[contains(@class,'sapo')]",  # a part of a class, not a whole one
        "//p[contains(@class,'Sapo')]//text()",
        ".//div[contains(@class,'missing')]",
        ".//div[contains(@class,'a') or contains(@class,'b')]",  # either, not both
        ".//div[not(contains(@class,'missing'))]",
        "(//div[contains(@class,'b')])[1]//span[contains(@class,'c')]",
        "(//div[contains(@class,'b')])[1]//span[contains(@class,'missing')]",
        "(//div[contains(@class,'missing')])[1]//span",
        "//*[contains(@class,'root-x')]/@class",  # the document's root element
    ):
        assert select(sel, xpath).getall() == sel.xpath(xpath).getall(), xpath
    for css in (".root-x", ".sapo-wrapper .lead", "p.Sapo", ".sapo", ".b .c", ".c .b", "p.missing"):
        assert select(sel, css).getall() == sel.css(css).getall(), css
    # a copy of a part of the page is a document of its own: its classes are its own
    (part,) = sel.xpath("//div[@class='b']")
    copy = Selector(root=deepcopy(part.root))
    assert select(copy, ".c").getall() == ['<span class="c">chữ</span>']
    assert select(copy, ".lead").getall() == []


def test_only_a_whole_document_is_prefiltered_and_only_on_missing_classes() -> None:
    sel = Selector(text=CLASSES_PAGE)
    assert not may_match(sel, ".//div[contains(@class,'missing')]")
    assert not may_match(sel, "p.missing")
    assert may_match(sel, ".//div[contains(@class,'sapo')]")
    assert may_match(sel, "//div")  # says nothing about classes
    # inside a page (a listing item) the query is always run: its own scan would cost more
    (part,) = sel.xpath("//div[@class='b']")
    assert may_match(part, ".//span[contains(@class,'missing')]")
    # a body being cleaned only loses classes: what was read still holds all it has
    copy = Selector(root=deepcopy(part.root))
    assert may_match(copy, ".c")
    for node in select(copy, ".c"):
        node.root.getparent().remove(node.root)
    assert may_match(copy, ".c") and select(copy, ".c").getall() == []


# -- // steps run as descendant:: steps --------------------------------------------------------


def _rule_queries() -> set[str]:
    """Every query (CSS or XPath) of every platform's article rules."""
    import dataclasses

    from newsfeed.platforms import PLATFORMS

    queries: set[str] = set()
    for platform in PLATFORMS.values():
        rules = getattr(platform, "article_rules", None)
        for field in dataclasses.fields(rules) if rules is not None else ():
            value = getattr(rules, field.name)
            if isinstance(value, tuple):
                queries.update(q for q in value if isinstance(q, str))
    return queries


def _project_xpath_queries() -> list[str]:
    """Every XPath query of every platform's article rules, as select runs them."""
    queries = {q for q in _rule_queries() if q.startswith(("/", "(", "."))}
    for query in list(queries):
        split = split_container(query)
        if split:
            queries.update(split)
    return sorted(queries)


def _project_css_queries() -> list[str]:
    """Every CSS query of every platform's article rules."""
    return sorted(q for q in _rule_queries() if not q.startswith(("/", "(", ".")))


_PROJECT_QUERIES = _project_xpath_queries()
_CLASSES = st.sampled_from(["", "a", "b a", "asset-content", "sapo", "x-a//b", "related"])
_DOC_TAGS = st.sampled_from(["div", "p", "a", "li", "ul", "span", "td", "img", "h1", "time"])
_ATTRIBUTES = st.sampled_from(["", " href='/'", " href='/a b'", " id='p_1'", " href='x' id='q'"])
_DOCS = st.recursive(
    st.sampled_from(["", "t", " "]),
    lambda inner: st.builds(
        # most elements of a page have no class: the attribute tests must not match those
        lambda tag, cls, attributes, kids: (
            f"<{tag}{'' if cls is None else f' class={cls!r}'}{attributes}>{''.join(kids)}</{tag}>"
        ),
        _DOC_TAGS,
        st.none() | _CLASSES,
        _ATTRIBUTES,
        st.lists(inner, max_size=4),
    ),
    max_leaves=30,
)
_STEP_NAMES = st.sampled_from(["*", "div", "a", "li", "p"])
_PREDICATES = st.sampled_from(
    [
        *("", "[1]", "[last()]", "[position()<3]", "[contains(@class,'a')]", "[@href]"),
        *("[not(contains(@class,'b'))]", "[.//a]", "[.//a[1]]", "[count(*)]", "[@class-1]"),
        *("[string-length(@class)]", "[@class and @href]", "[normalize-space()]", "[*]"),
        "[contains(concat(' ', normalize-space(@class), ' '), ' a ')]",
        # tests of attributes alone, run on the attributes (attribute_steps)
        *("[starts-with(@href,'/')]", "[@class='a']", "[normalize-space(@class) = 'b a']"),
        *("[contains(@class,'a') or starts-with(@id,'p')]", "[(contains(@class,'a') and @href)]"),
        *("[@class and contains(concat(' ', normalize-space(@class), ' '), ' b ')]", "[@id]"),
        *("[contains(@class,'')]", "[contains(@class,' ')]", '[starts-with(@href, "/")]'),
        *("[contains(@class,'a')or(@id)]", "[@class='a' or not(@href)]", "[@class!='a']"),
    ]
)
_GENERATED = st.builds(
    lambda steps, tail: "".join(steps) + tail,
    st.lists(
        st.builds(
            lambda sep, name, pred: f"{sep}{name}{pred}",
            st.sampled_from(["//", "/", ".//"]),
            _STEP_NAMES,
            _PREDICATES,
        ),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(["", "/@href", "//text()", "[1]", "/..", "[@href]", "/@id[contains(.,'1')]"]),
)


_NESTED = "<ul><li><ul><li class='a'>x</li><li>y</li></ul></li><li class='a'>z</li></ul><p>t</p>"


@settings(max_examples=300)
@given(_DOCS, st.one_of(st.sampled_from(_PROJECT_QUERIES), _GENERATED))
@example(_NESTED, "//li[1]")
@example(_NESTED, "//*[1]")
@example(_NESTED, "//li[last()]")
@example(_NESTED, "//li[contains(@class,'a')][1]")
@example(_NESTED, "//ul[count(li)]")
@example(_NESTED, "//li[string-length(@class)]")
@example(_NESTED, "(//ul//li)[2]")
@example(_NESTED, "//li[contains(@class,'')]")  # true of a <li> with no class
@example(_NESTED, "//li[contains(concat(' ', normalize-space(@class), ' '), ' ')]")
@example(_NESTED, "//li[@class='a' or not(@class)]")
def test_descendant_steps_select_the_same_nodes(document: str, query: str) -> None:
    from lxml import etree
    from lxml import html as lxml_html

    from newsfeed.extraction.select import attribute_steps, descendant_steps, runnable

    root = lxml_html.document_fromstring(f"<html><body>{document}</body></html>")
    start = root.find("body")
    assert start is not None
    for node in (root, start):
        try:
            expected = etree.XPath(query)(node)
        except etree.XPathError:
            continue
        for rewritten in (descendant_steps(query), attribute_steps(query), runnable(query)):
            assert etree.XPath(rewritten)(node) == expected, rewritten


_CSS_QUERIES = st.one_of(
    st.sampled_from(_project_css_queries()),
    st.builds(
        lambda *parts: "".join(parts),
        st.sampled_from(["div", "a", "li", "*", ".a", "div.b.a", "#p_1", "a[href]", "li.a"]),
        st.sampled_from(["", " a", " > li", " .a", " *", " a[href^='/']", " .asset-content"]),
        st.sampled_from(["", "::text", "::attr(href)", ":first-child"]),
    ),
)


@settings(max_examples=300)
@given(_DOCS, _CSS_QUERIES)
def test_css_runs_as_parsel_runs_it(document: str, query: str) -> None:
    """:func:`select` runs a CSS query as its own XPath, with the class and id tests on the
    attributes: the same matches as parsel's ``css()``, in the same order."""
    from newsfeed.extraction.select import css_runnable

    page = Selector(text=f"<html><body>{document}</body></html>")
    for node in (page, *page.css("body")):
        assert node.xpath(css_runnable(query)).getall() == node.css(query).getall(), query


def test_attribute_steps_test_the_attributes() -> None:
    """A step whose only predicate tests one attribute takes the attributes that pass, then
    their elements; a step with more predicates, or tests of several attributes, tests each
    attribute node in its predicate; anything else is left as it is."""
    from newsfeed.extraction.select import attribute_steps, css_runnable

    assert attribute_steps("//div[contains(@class,'a')]//p") == (
        "//div/@class[contains(.,'a')]/..//p"
    )
    assert attribute_steps("//a[@href]/text()") == "//a/@href/../text()"
    assert attribute_steps("//li[contains(@class,'a')][1]") == "//li[@class[contains(.,'a')]][1]"
    assert attribute_steps("//*[contains(@class,'a') or starts-with(@id,'p')]") == (
        "//*[@class[contains(.,'a')] or @id[starts-with(.,'p')]]"
    )
    assert css_runnable("h1#t") == "descendant-or-self::h1/@id[. = 't']/.."
    # an attribute's predicate is not a step of elements: its tests are rewritten in place
    assert attribute_steps("//a/@title[contains(@class,'a')]") == (
        "//a/@title[@class[contains(.,'a')]]"
    )
    for kept in (
        "//a[contains(@class,'')]",  # true of an element with no class
        "//a[contains(@class,'  ')]",
        "//a[not(contains(@class,'b'))]",
        "//a[@class!='b']",
        "//a[contains(@class,'a') and text()]",
        "//a[1]",
        "//a[contains(@class, $name)]",
    ):
        assert attribute_steps(kept) == kept


def test_descendant_steps_leave_position_tests_alone() -> None:
    from newsfeed.extraction.select import descendant_steps

    for query in ("//li[1]", "//a[last()]", "//p[position()<3]", "//x[@a - @b]", "//d[.//p[1]]"):
        assert descendant_steps(query) == query
    assert descendant_steps(".//div[contains(@class,'a//b')]//a") == (
        "./descendant::div[contains(@class,'a//b')]/descendant::a"
    )


HEAD_PAGES = [
    "<html><head><base href='/goc/'><title>Tin &amp; bài</title></head><body></body></html>",
    "<html><head><base target='_blank'><base href='a/'></head><body><base href='b/'></body></html>",
    "<html><body><base href='/trong-body/'><title>Trong body</title></body></html>",
    "<html><head><title></title><title>Thứ hai</title></head><body><p>x</p></body></html>",
    "<p>no head at all</p><title>late</title><base href='x'>",
    "<html><head><script type='application/ld+json'>{\"a\": 1}</script>"
    "<script type='application/ld+json '>{\"skipped\": 1}</script><script>var x;</script>"
    "</head><body><script type='application/ld+json'></script>"
    "<script type='application/ld+json'>[{\"b\": 2}]</script></body></html>",
    "<!-- before --><html><head><meta name='a' content='1'><meta property='b'></head>"
    "<body><div><meta itemprop='c' content='3'></div></body></html><!-- after -->",
    "<html LANG='vi-VN'><head><meta http-equiv='content-language' content='en'></head></html>",
    "<html lang=''><head><meta http-equiv='Content-Language' content='fr'>"
    "<meta http-equiv='content-language'><meta http-equiv='content-language' content='de'>"
    "</head><body><meta http-equiv='content-language' content='ja'></body></html>",
    "<p lang='en'>no html element written</p><meta http-equiv='content-language' content=''>",
    "<svg lang='en'></svg>",
]


def test_the_head_readers_give_what_their_xpath_gives() -> None:
    pages = HEAD_PAGES + [p.read_bytes().decode("utf-8", "replace") for p in html_pages()]
    assert len(pages) > 40
    for page in pages:
        sel = Selector(text=page, type="html")
        inner = sel.xpath("//body")[:1]  # from a node inside the page, too: // is the document
        for node in (sel, *inner):
            assert declared_base(node) == node.xpath("//head/base/@href").get(), page[:80]
            assert title_text(node) == node.xpath("//title/text()").get(), page[:80]
            want = node.xpath("//script[@type='application/ld+json']/text()").getall()
            assert jsonld_texts(node) == want, page[:80]
            assert meta_elements(node) == node.root.xpath("//meta"), page[:80]
        # the article's language, as its two queries on the page gave it
        want = (
            sel.xpath("/html/@lang").get()
            or sel.css('meta[http-equiv="content-language"]::attr(content)').get()
        )
        assert (declared_language(sel) or None) == (want or None), page[:80]
