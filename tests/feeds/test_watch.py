"""Watches and search: the query language, the Vietnamese matching rules, the full-text index,
the watch feeds and the commands (``newsfeed watch``, ``newsfeed search``, ``store reindex``)."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from newsfeed.config import ConfigError, Watch, add_watch, load_config, remove_watch
from newsfeed.items import Article
from newsfeed.store import fulltext
from newsfeed.store.db import Store
from newsfeed.store.migrations import STEPS, migrate
from newsfeed.store.query import QueryError, parse_query
from tests.conftest import cli_here as run_cli

pytestmark = pytest.mark.slow

NFD = "Nguye\u0302\u0303n Va\u0306n A"  # "Nguyễn Văn A" as an old editor pastes it (NFD)

# (query, fold, text, matches): the rules as a reader expects them.
CASES: list[tuple[str, bool, str, bool]] = [
    # case-insensitive, word-bounded
    ("đà nẵng", False, "ĐÀ NẴNG phát triển", True),
    ("ma", False, "Ma Văn Kháng", True),
    ("ma", False, "mai vàng", False),
    ("mai", False, "ma ai", False),
    ("nẵng", False, "ĐàNẵng", False),
    ("19", False, "Covid-19", True),
    ("covid-19", False, "phòng chống COVID 19", True),
    # diacritics exact by default
    ("ma", False, "mã số thuế", False),
    ("ma", False, "má, mạ, mà, mả", False),
    ("mã", False, "mã số thuế", True),
    ("mã", False, "ma trận", False),
    ("Nguyen", False, "Nguyễn Văn A", False),
    ("da nang", False, "Đà Nẵng", False),
    ("dang", False, "Đảng bộ", False),
    ("văn", False, "vân", False),
    # NFC / NFD
    ("Nguyễn Văn A", False, NFD, True),
    (unicodedata.normalize("NFD", "Văn"), False, "Nguyễn Văn A", True),
    # the two tone-mark placements
    ("hòa", False, "xã Hoà Vang", True),
    ("hoà", False, "Hòa Vang", True),
    ("thủy", False, "công trình thuỷ lợi", True),
    ("thuỷ", False, "thủy sản", True),
    ("quý", False, "quý I năm 2026", True),
    ("quý", False, "qúy I năm 2026", True),
    ("qúy", False, "QUÝ I", True),
    ("hòa", False, "hoa hồng", False),
    ("hóa", False, "hòa", False),
    # folding, per watch
    ("Nguyen Van A", True, "Ông Nguyễn Văn A phát biểu", True),
    ("nguyen van a", True, NFD, True),
    ("da nang", True, "TP. Đà Nẵng", True),
    ("dang", True, "Đảng bộ", True),
    ("Đảng", True, "DANG BO", True),
    ("ma", True, "mã, má, mạ", True),
    ("hoa", True, "Hòa Vang", True),
    ("mai", True, "ma ai", False),
    # phrases
    ('"khu công nghiệp"', False, "Khu công nghiệp Hòa Khánh", True),
    ('"khu công nghiệp"', False, "khu: công - nghiệp", True),  # punctuation is no word
    ('"khu công nghiệp"', False, "công nghiệp khu", False),
    ('"khu công nghiệp"', False, "khu vực công nghiệp", False),
    ('"chuyển đổi số"', True, "chuyen doi so", True),
    # AND, OR, NOT
    ("đấu thầu", False, "thầu ... đấu", True),
    ("đấu thầu", False, "đấu giá", False),
    ("đấu OR thầu", False, "đấu giá", True),
    ("đấu or thầu", False, "đấu giá", False),  # lower-case "or" is a word
    ("thầu -gói", False, "đấu thầu xây lắp", True),
    ("thầu -gói", False, "gói thầu số 5", False),
    ('thầu -"gói thầu"', False, "thầu gói", True),
    ("(hòa OR hoa) vang", False, "Hoà Vang", True),
    ("(hòa OR hoa) -vang", False, "Hoà Vang", False),
    ("hòa OR ma -mai", False, "mai và ma", False),  # hòa OR (ma AND NOT mai)
    ("hòa OR ma -mai", False, "mai và hoà", True),
    ("hòa OR ma -mai", False, "ma", True),
    # prefix
    ("nguy*", False, "Nguyễn Văn A", True),
    ("nguyễ*", False, "Nguyễn", True),
    ("nguyễ*", False, "nguyên tắc", False),  # the tone typed must be the word's
    ("nguye*", False, "Nguyễn", False),  # ê is not e
    ("nguye*", True, "Nguyễn", True),
    ("chuyển*", False, "chuyển đổi", True),
    ("chuyển*", False, "chuyên đề", False),
    # the README's query table, each with a text it matches and one it does not
    ("đấu thầu OR đấu giá", False, "đấu giá quyền sử dụng đất", True),
    ("đấu thầu OR đấu giá", False, "kết quả đấu thầu", True),
    ("đấu thầu OR đấu giá", False, "nhà thầu xây dựng", False),
    ('thầu -"gói thầu"', False, "gói thầu số 5", False),
    ("(Hồ OR Nguyễn) Minh", False, "Nguyễn Văn Minh", True),
    ("(Hồ OR Nguyễn) Minh", False, "hồ Chí Minh", True),
    ("(Hồ OR Nguyễn) Minh", False, "Lê Minh", False),
    ("(Hồ OR Nguyễn) Minh", False, "Hồ Gươm", False),
    ("ma*", False, "mã", True),  # a prefix without tone: any tone
    ("số*", False, "sổ", False),
]


@pytest.mark.parametrize(("query", "fold", "text", "expected"), CASES)
def test_matching_rules(query: str, fold: bool, text: str, expected: bool) -> None:
    assert parse_query(query, fold=fold).matches(text, None, None) is expected


@pytest.mark.parametrize(("query", "fold", "text", "expected"), CASES)
def test_the_index_finds_what_the_rules_match(
    query: str, fold: bool, text: str, expected: bool
) -> None:
    """The index only proposes; but it must propose every true match (no false negative)."""
    with Store(":memory:") as store:
        store.upsert(article(1, title="Tin", body=text))
        hits = fulltext.search(store.db, parse_query(query, fold=fold))
        assert [h.guid for h in hits] == (["g1"] if expected else [])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ('"đấu thầu', "unbalanced quote"),
        ("-gói", "needs a word to look for"),
        ("a OR -b", "needs a word to look for"),
        ("đấu OR", "OR needs a word on each side"),
        ("OR thầu", "OR needs a word on each side"),
        ("(a", "'(' is not closed"),
        ("a)", "unbalanced parenthesis"),
        ("ng*n", "'*' may only end a word"),
        ("*", "'*' needs the start of a word"),
        ('"a b"*', "a phrase cannot be a prefix"),
        ('"a* b"', "cannot be used inside a quoted phrase"),
        ('""', "the phrase has no word"),
        ("-", "'-' must be followed"),
    ],
)
def test_bad_queries_say_why_in_one_line(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)) as info:
        parse_query(query)
    assert "\n" not in str(info.value)


def test_punctuation_alone_is_no_word() -> None:
    assert parse_query("Đà Nẵng – Huế").matches("Huế và Đà Nẵng", None, None)


# -- the store's index ------------------------------------------------------------------------

START = datetime(2026, 1, 1, 8, tzinfo=UTC)


def article(
    n: int,
    *,
    title: str = "Tin",
    body: str = "",
    summary: str | None = None,
    portal: str = "da_nang",
    categories: tuple[str, ...] = ("tin_tuc_su_kien",),
) -> Article:
    url = f"https://{portal}.gov.vn/tin/{n}"
    return Article(
        url=url,
        canonical_url=url,
        guid=f"g{n}",
        portal=portal,
        categories=categories,
        title=title,
        summary=summary,
        published=(START + timedelta(days=n)).isoformat(),
        body_html=f"<p>{body}</p>",
        body_text=body,
    )


def guids(hits: list[fulltext.Hit]) -> list[str]:
    return [h.guid for h in hits]


def test_upsert_keeps_the_index_current() -> None:
    with Store(":memory:") as store:
        store.upsert(article(1, body="Hướng dẫn mã số thuế cho doanh nghiệp"))
        store.upsert(article(2, body="Đấu thầu gói thầu xây lắp"))
        query = parse_query("mã")
        assert guids(fulltext.search(store.db, query)) == ["g1"]
        store.upsert(article(1, body="Hướng dẫn đăng ký kinh doanh"))  # "mã" gone
        assert guids(fulltext.search(store.db, query)) == []
        assert guids(fulltext.search(store.db, parse_query("đăng ký"))) == ["g1"]
        assert guids(fulltext.search(store.db, parse_query("đấu thầu"))) == ["g2"]
        # an unchanged upsert indexes nothing twice
        store.upsert(article(2, body="Đấu thầu gói thầu xây lắp"))
        assert guids(fulltext.search(store.db, parse_query("xây lắp"))) == ["g2"]


def test_titles_leads_and_bodies_title_matches_ranked_first() -> None:
    with Store(":memory:") as store:
        store.upsert(article(1, title="Đà Nẵng: đấu thầu qua mạng", body="nội dung"))
        store.upsert(article(2, title="Tin khác", summary="Đấu thầu qua mạng", body="x"))
        store.upsert(article(3, title="Tin nữa", body="Kết quả đấu thầu năm 2026"))
        store.upsert(article(4, title="Không liên quan", body="đấu giá"))
        query = parse_query("đấu thầu")
        assert guids(fulltext.search(store.db, query)) == ["g3", "g2", "g1"]  # newest first
        ranked = fulltext.search(store.db, query, order="rank")
        assert guids(ranked) == ["g1", "g3", "g2"]
        assert [h.in_title for h in ranked] == [True, False, False]
        assert guids(fulltext.search(store.db, query, order="rank", limit=2)) == ["g1", "g3"]
        lead = ranked[2].passage
        assert lead.field == "summary"
        assert lead.marked() == "«Đấu thầu» qua mạng"


def test_filters_portal_topic_and_since() -> None:
    with Store(":memory:") as store:
        store.upsert(article(1, body="chuyển đổi số", portal="da_nang"))
        store.upsert(article(2, body="chuyển đổi số", portal="hanoi", categories=("tin",)))
        store.upsert(article(3, body="chuyển đổi số", portal="hanoi", categories=("lanh_dao",)))
        query = parse_query('"chuyển đổi số"')
        assert guids(fulltext.search(store.db, query, portals=["hanoi"])) == ["g3", "g2"]
        assert guids(fulltext.search(store.db, query, portals=[])) == []
        feeds = [("hanoi", "lanh_dao"), ("da_nang", "tin_tuc_su_kien")]
        assert guids(fulltext.search(store.db, query, feeds=feeds)) == ["g3", "g1"]
        since = START + timedelta(days=2)
        assert guids(fulltext.search(store.db, query, since=since)) == ["g3", "g2"]


def test_passage_marks_every_match_near_the_first() -> None:
    body = ("Mở đầu. " * 60) + "Ông Hồ Kỳ Minh, Phó Chủ tịch, cùng ông Hồ Kỳ Minh. " + "Hết. " * 60
    hit = parse_query('"Hồ Kỳ Minh"').match(None, None, body)
    assert hit is not None
    marked = hit[1].marked()
    assert marked.count("«Hồ Kỳ Minh»") == 2
    assert marked.startswith("…") and marked.endswith("…")
    assert len(hit[1].text) < 300


def test_reindex_rebuilds_an_old_or_stale_index(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with Store(path) as store:
        store.upsert(article(1, body="thủy lợi"))
        store.db.execute("UPDATE store_meta SET value = 'old' WHERE key = 'fulltext'")
    with Store(path) as store:
        store.upsert(article(2, body="thuỷ sản"))  # not indexed: a rebuild is due
        query = parse_query("thủy")
        assert fulltext.ensure_current(store.db) == 2
        assert guids(fulltext.search(store.db, query)) == ["g2", "g1"]
        assert fulltext.ensure_current(store.db) == 0
        store.upsert(article(3, body="thủy điện"))
        assert guids(fulltext.search(store.db, query)) == ["g3", "g2", "g1"]


def test_a_store_from_before_the_index_is_indexed_once(tmp_path: Path) -> None:
    """Upgrading a v4 store: the migration creates the index empty; search fills it once."""
    path = tmp_path / "var" / "newsfeed.sqlite3"
    with Store(path) as store:
        store.upsert(article(1, body="Khu công nghiệp Hòa Khánh"))
    with sqlite3.connect(path) as raw:
        raw.execute("DROP TABLE article_text")
        raw.execute("DROP TABLE article_text_docs")
        raw.execute("DELETE FROM store_meta WHERE key = 'fulltext'")
        raw.execute("DROP INDEX articles_last_checked")
        raw.execute("DELETE FROM schema_migrations WHERE version > 4")
        raw.execute("PRAGMA user_version = 4")
    with Store(path) as store:
        assert not fulltext.is_current(store.db)
        store.upsert(article(2, body="khu công nghiệp Liên Chiểu"))
    result = run_cli("search", '"khu công nghiệp"', "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [f["guid"] for f in json.loads(result.stdout)] == ["g2", "g1"]
    with Store(path) as store:
        assert fulltext.is_current(store.db)


def test_the_fulltext_migration_runs_on_an_empty_store(tmp_path: Path) -> None:
    assert "_v5_fulltext" in {step.__name__ for _, step in STEPS}
    with Store(tmp_path / "s.sqlite3") as store:
        assert migrate(store.db) == []
        assert fulltext.is_current(store.db)


# -- configuration and commands ------------------------------------------------------------


def test_watch_definitions_load_and_bad_ones_are_refused(tmp_path: Path) -> None:
    (tmp_path / "newsfeed.toml").write_text(
        'item_limit = 20\n[[watch]]\nkey = "ho_ky_minh"\nname = "Hồ Kỳ Minh"\n'
        'query = \'"Hồ Kỳ Minh"\'\nprovinces = ["Đà Nẵng"]\nfold = false\n',
        encoding="utf-8",
    )
    config = load_config(environ={}, cwd=tmp_path)
    assert config.watches == (
        Watch(key="ho_ky_minh", name="Hồ Kỳ Minh", query='"Hồ Kỳ Minh"', provinces=("Đà Nẵng",)),
    )
    for bad, message in [
        ('[[watch]]\nkey = "Hồ"\nname = "x"\nquery = "x"\n', "bad watch key"),
        ('[[watch]]\nkey = "a"\nname = "x"\n', "'query' must be a non-empty string"),
        ('[[watch]]\nkey = "a"\nname = "x"\nquery = "x"\nfold = "yes"\n', "'fold' must be"),
        ('[[watch]]\nkey = "a"\nname = "x"\nquery = "x"\nportal = ["a"]\n', "unknown field"),
        ('watch = "x"\n', "array of tables"),
        (
            '[[watch]]\nkey="a"\nname="x"\nquery="x"\n[[watch]]\nkey="a"\nname="y"\nquery="y"\n',
            "defined twice",
        ),
    ]:
        (tmp_path / "newsfeed.toml").write_text(bad, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_config(environ={}, cwd=tmp_path)


def test_watch_add_and_remove_keep_the_users_comments(tmp_path: Path) -> None:
    path = tmp_path / "newsfeed.toml"
    original = "# my settings\nitem_limit = 30  # fewer items\n\n# the end\n"
    path.write_text(original, encoding="utf-8")
    add_watch(path, Watch(key="dau_thau", name="Đấu thầu", query='"đấu thầu" -"gói thầu"'))
    add_watch(path, Watch(key="ten", name="Tên", query="nguyen van a", fold=True))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(original)
    assert [w.key for w in load_config(environ={}, cwd=tmp_path).watches] == ["dau_thau", "ten"]
    with pytest.raises(ConfigError, match="already exists"):
        add_watch(path, Watch(key="ten", name="x", query="x"))
    assert remove_watch(path, "dau_thau").name == "Đấu thầu"
    assert remove_watch(path, "ten").fold
    assert path.read_text(encoding="utf-8").startswith(original)
    assert load_config(environ={}, cwd=tmp_path).watches == ()
    with pytest.raises(ConfigError, match="no watch 'ten'"):
        remove_watch(path, "ten")


def test_watch_commands(tmp_path: Path) -> None:
    (tmp_path / "newsfeed.toml").write_text("# kept\n", encoding="utf-8")
    ok = run_cli(
        "watch", "add", "ho_ky_minh", "Ho Ky Minh", "--fold", "--province", "Đà Nẵng",
        "--name", "Hồ Kỳ Minh", cwd=tmp_path,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    listed = run_cli("watch", "list", "--json", cwd=tmp_path)
    assert json.loads(listed.stdout) == [
        {
            "key": "ho_ky_minh",
            "name": "Hồ Kỳ Minh",
            "query": "Ho Ky Minh",
            "provinces": ["Đà Nẵng"],
            "fold": True,
        }
    ]
    for args, message in [
        (("watch", "add", "Hồ-Kỳ", "x"), "bad watch key"),
        (("watch", "add", "k", '"đấu thầu'), "bad query: unbalanced quote"),
        (("watch", "add", "k", "x", "--portal", "nowhere"), "unknown portal 'nowhere'"),
        (("watch", "add", "k", "x", "--province", "Atlantis"), "no portal of the province"),
        (("watch", "add", "k", "x", "--topic", "sports"), "unknown topic 'sports'"),
        (("watch", "add", "ho_ky_minh", "x"), "already exists"),
        (("watch", "remove", "nope"), "no watch 'nope'"),
        (("search", "--", "-x"), "bad query"),
    ]:
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert run_cli("watch", "remove", "ho_ky_minh", cwd=tmp_path).returncode == 0
    assert (tmp_path / "newsfeed.toml").read_text(encoding="utf-8") == "# kept\n"


def test_search_command(tmp_path: Path) -> None:
    with Store(tmp_path / "var" / "newsfeed.sqlite3") as store:
        store.upsert(article(1, title="Ông Hồ Kỳ Minh làm việc", body="Phó Chủ tịch."))
        store.upsert(article(2, body="Ông Hồ Kỳ Minh dự hội nghị.", portal="hanoi"))
        store.upsert(article(3, body="Ông Hồ Minh"))
    result = run_cli("search", "Ho Ky Minh", "--fold", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [f["guid"] for f in found] == ["g1", "g2"]  # the title match first
    assert found[1]["snippet_marked"] == "Ông «Hồ Kỳ Minh» dự hội nghị."
    only = run_cli("search", '"Hồ Kỳ Minh"', "--portal", "hanoi", "--json", cwd=tmp_path)
    assert [f["guid"] for f in json.loads(only.stdout)] == ["g2"]
    since = run_cli("search", "Minh", "--since", "2026-01-03", "--json", cwd=tmp_path)
    assert [f["guid"] for f in json.loads(since.stdout)] == ["g3", "g2"]  # 03/01 15:00 +07
    text = run_cli("search", "Minh", "--limit", "1", cwd=tmp_path)
    assert "«Minh»" in text.stdout and text.stdout.count("https://") == 1
    bad = run_cli("search", "Minh", "--since", "tomorrow", cwd=tmp_path)
    assert bad.returncode == 2 and "--since" in bad.stderr
    reindex = run_cli("store", "reindex", cwd=tmp_path)
    assert reindex.returncode == 0 and "indexed 3 articles" in reindex.stdout


# -- the Đà Nẵng corpus: each watch finds exactly what a plain scan of the text finds ---------


def _read_corpus() -> list[Article]:
    import csv

    from tests.conftest import corpus_path

    path = corpus_path("danang", "danang_data_final.csv")
    articles = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            when = re.search(
                r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?", row["public_time"]
            )
            published = None
            if when:
                d, m, y, hh, mm = when.groups()
                published = (
                    f"{y}-{int(m):02d}-{int(d):02d}T{int(hh or 0):02d}:{mm or '00'}:00+07:00"
                )
            # the corpus's content starts with the title and the lead: the body is the rest
            articles.append(
                Article(
                    url=row["url"],
                    canonical_url=row["url"],
                    guid=f"tag:newsfeed,2025:da_nang/{n}",
                    portal="da_nang",
                    categories=("tin_tuc_su_kien",),
                    title=row["title"],
                    summary=row["summary"] or None,
                    published=published,
                    body_html="<p>x</p>",
                    body_text=row["content"],
                )
            )
    return articles


@pytest.fixture(scope="module")
def danang(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, list[Article]]]:
    articles = _read_corpus()
    store = Store(tmp_path_factory.mktemp("danang") / "store.sqlite3")
    for a in articles:
        store.upsert(a)
    yield store, articles
    store.close()


def plain_scan(articles: list[Article], variants: list[str], *, folded: bool) -> set[str]:
    """The guids of the articles whose text prints one of ``variants``, found the plain way:
    NFC, lower case, (for ``folded``) every mark stripped, then a regular expression with word
    edges and any non-letters between the words."""

    def simplify(text: str) -> str:
        text = unicodedata.normalize("NFC", text).lower()
        if folded:
            text = unicodedata.normalize("NFD", text.replace("đ", "d"))
            text = "".join(c for c in text if not unicodedata.combining(c))
        return text

    patterns = [
        re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, v.split())) + r"(?![^\W_])")
        for v in map(simplify, variants)
    ]
    return {
        a.guid
        for a in articles
        if any(p.search(simplify(f"{a.title}\n{a.summary or ''}\n{a.body_text}")) for p in patterns)
    }


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("query", "fold", "variants"),
    [
        # a leader of the city, as printed, and typed without accents
        ('"Hồ Kỳ Minh"', False, ["hồ kỳ minh"]),
        ('"ho ky minh"', True, ["ho ky minh"]),
        ('"Nguyễn Văn Quảng"', False, ["nguyễn văn quảng"]),
        ('"nguyen van quang"', True, ["nguyen van quang"]),
        # both tone placements, spelled out by hand for the scan
        ('"Hòa Vang"', False, ["hòa vang", "hoà vang"]),
        ('"thủy lợi" OR "thủy sản"', False, ["thủy lợi", "thuỷ lợi", "thủy sản", "thuỷ sản"]),
        ('"chuyển đổi số"', False, ["chuyển đổi số"]),
        ('"khu công nghiệp"', False, ["khu công nghiệp"]),
        ('"đấu thầu"', False, ["đấu thầu"]),
    ],
)
def test_watches_on_the_danang_corpus_match_exactly_what_a_scan_finds(
    danang: tuple[Store, list[Article]], query: str, fold: bool, variants: list[str]
) -> None:
    store, articles = danang
    assert len(articles) == 661
    expected = plain_scan(articles, variants, folded=fold)
    assert expected, f"the scan finds no article for {variants}: a vacuous test"
    found = fulltext.search(store.db, parse_query(query, fold=fold), limit=None)
    assert {h.guid for h in found} == expected
    assert len(found) == len(expected)


@pytest.mark.corpus
def test_folded_name_finds_the_same_articles_as_the_name(
    danang: tuple[Store, list[Article]],
) -> None:
    store, _ = danang
    exact = fulltext.search(store.db, parse_query('"Hồ Kỳ Minh"'), limit=None)
    folded = fulltext.search(store.db, parse_query('"Ho Ky Minh"', fold=True), limit=None)
    assert len(exact) > 40
    assert {h.guid for h in exact} == {h.guid for h in folded}


@pytest.mark.corpus
def test_diacritics_exact_on_the_corpus(danang: tuple[Store, list[Article]]) -> None:
    """ "ma" (a word of its own) is rare; "mã", "má", "mạ" are not "ma"."""
    store, articles = danang
    found = {h.guid for h in fulltext.search(store.db, parse_query("mã"), limit=None)}
    assert found == plain_scan(articles, ["mã"], folded=False)
    ma = {h.guid for h in fulltext.search(store.db, parse_query("ma"), limit=None)}
    assert ma == plain_scan(articles, ["ma"], folded=False)
    assert not found <= ma or not found


# -- watch feeds -----------------------------------------------------------------------------


def _built_store(tmp_path: Path) -> Path:
    var = tmp_path / "var"
    with Store(var / "newsfeed.sqlite3") as store:
        store.upsert(
            article(1, title="Ông Hồ Kỳ Minh làm việc với Sở Xây dựng", body="Phó Chủ tịch.")
        )
        store.upsert(
            article(
                2,
                title="Hội nghị chuyển đổi số",
                summary="Tại hội nghị, ông Hồ Kỳ Minh phát biểu chỉ đạo.",
                body="Nội dung hội nghị & <kết luận>.",
                portal="hanoi",
                categories=("hoat_dong_lanh_dao",),
            )
        )
        store.upsert(article(3, body="Ông Hồ Minh dự lễ khánh thành."))
    return var


WATCHES = (
    '[[watch]]\nkey = "ho_ky_minh"\nname = "Hồ Kỳ Minh"\nquery = "ho ky minh"\nfold = true\n\n'
    '[[watch]]\nkey = "lanh_dao_ha_noi"\nname = "Lãnh đạo Hà Nội"\nquery = "Minh"\n'
    'provinces = ["Hà Nội"]\ntopics = ["leadership"]\n\n'
    '[[watch]]\nkey = "nothing_yet"\nname = "Chưa có"\nquery = "đấu thầu"\n'
)


def test_watch_feeds_are_built_valid_listed_and_share_ids(tmp_path: Path) -> None:
    from tests.feeds.test_feeds import check_feed_folder, validate_json_feed

    _built_store(tmp_path)
    (tmp_path / "newsfeed.toml").write_text(WATCHES, encoding="utf-8")
    base = "http://localhost:8080/"
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    feeds = tmp_path / "feeds"
    checked = check_feed_folder(feeds, base)
    assert checked["feeds"] >= 3
    watch = {}
    for key in ("ho_ky_minh", "lanh_dao_ha_noi", "nothing_yet"):
        for suffix in (".rss.xml", ".atom.xml"):
            parsed = feedparser.parse((feeds / "watch" / f"{key}{suffix}").read_bytes())
            assert not parsed.bozo, (key, suffix, parsed.get("bozo_exception"))
        data = (feeds / "watch" / f"{key}.json").read_bytes()
        assert validate_json_feed(data) == [], key
        watch[key] = json.loads(data)
    assert [i["id"] for i in watch["ho_ky_minh"]["items"]] == [
        "g2",
        "g1",
    ]  # not "Hồ Minh"
    assert [i["id"] for i in watch["lanh_dao_ha_noi"]["items"]] == ["g2"]
    assert watch["nothing_yet"]["items"] == []
    # the same id as in the portal's own feed
    own = json.loads((feeds / "hanoi" / "hoat_dong_lanh_dao.json").read_bytes())
    assert [i["id"] for i in own["items"]] == ["g2"]
    # the summary is the passage, the match marked
    item = watch["ho_ky_minh"]["items"][0]
    assert item["summary"] == "Tại hội nghị, ông «Hồ Kỳ Minh» phát biểu chỉ đạo."
    assert item["_newsfeed"]["source"]["title"]
    rss = etree.fromstring((feeds / "watch" / "ho_ky_minh.rss.xml").read_bytes())
    description = rss.findtext("channel/item/description") or ""
    assert "<mark><strong>Hồ Kỳ Minh</strong></mark>" in description
    atom = feedparser.parse((feeds / "watch" / "ho_ky_minh.atom.xml").read_bytes())
    assert "<strong>Hồ Kỳ Minh</strong>" in atom.entries[0].summary  # feedparser drops <mark>
    # listed in the OPML and on index.html
    opml = (feeds / "index.opml").read_text(encoding="utf-8")
    assert f"{base}watch/ho_ky_minh.rss.xml" in opml
    page = (feeds / "index.html").read_text(encoding="utf-8")
    assert 'href="watch/ho_ky_minh.atom.xml"' in page
    assert "Theo dõi: Hồ Kỳ Minh" in page
    # rebuilt from the same store: not a byte changes
    before = {p: p.read_bytes() for p in (feeds / "watch").iterdir()}
    assert run_cli("build", cwd=tmp_path).returncode == 0
    assert {p: p.read_bytes() for p in (feeds / "watch").iterdir()} == before


def test_a_bad_watch_fails_the_build_before_any_file_is_written(tmp_path: Path) -> None:
    _built_store(tmp_path)
    (tmp_path / "newsfeed.toml").write_text(
        '[[watch]]\nkey = "x"\nname = "x"\nquery = "(Minh"\n', encoding="utf-8"
    )
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr == "newsfeed: [[watch]] 'x': bad query: unbalanced parenthesis:"
        " a '(' is not closed\n"
    )
    assert not (tmp_path / "feeds").exists()


def test_newsboat_reads_the_watch_feeds(tmp_path: Path) -> None:
    import threading

    from newsfeed.web.serve import make_server
    from tests.feeds.test_reader import NEWSBOAT, cached, subscribe

    if NEWSBOAT is None:
        pytest.skip("newsboat is not installed (Debian: apt-get install newsboat)")
    _built_store(tmp_path)
    (tmp_path / "newsfeed.toml").write_text(WATCHES, encoding="utf-8")
    assert run_cli("build", cwd=tmp_path).returncode == 0
    server = make_server(tmp_path / "feeds", port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/watch/ho_ky_minh"
        for suffix in (".rss.xml", ".atom.xml"):
            home = tmp_path / f"newsboat{suffix}"
            subscribe(home, [url + suffix])
            got = cached(home)
            assert set(got) == {"g1", "g2"}, suffix
            # a watch feed mixes provinces: newsboat shows the title, so the province leads it
            assert got["g1"][0] == "[Đà Nẵng] Ông Hồ Kỳ Minh làm việc với Sở Xây dựng"
    finally:
        server.shutdown()
        server.server_close()


# -- PostgreSQL: the same index and searches on a shared store --------------------------------


def test_postgresql_index_finds_what_the_rules_match(pg_url: str) -> None:
    # the private server of tests/servers.py: in CI (NEWSFEED_REQUIRE_TOOLS=1) it must run
    with Store(pg_url) as store:
        with store.transaction() as db:
            for table in ("article_text", "article_categories", "article_urls", "articles"):
                db.execute(f"DELETE FROM {table}")
        store.upsert(article(1, title="Ông Hồ Kỳ Minh làm việc", body="Phó Chủ tịch."))
        store.upsert(article(2, body="xã Hoà Vang, công trình thuỷ lợi, mã số"))
        store.upsert(article(3, body="ma trận ở Hòa Vang", portal="hanoi"))
        store.upsert(article(2, body="xã Hoà Vang, công trình thủy lợi"))  # "mã" gone
        for query, fold, expected in [
            ('"Hồ Kỳ Minh"', False, ["g1"]),
            ('"ho ky minh"', True, ["g1"]),
            ('"hòa vang"', False, ["g3", "g2"]),
            ("thủy", False, ["g2"]),
            ("mã", False, []),
            ("ma", False, ["g3"]),
            ("ma*", False, ["g3"]),
            ("hòa -ma", False, ["g2"]),
        ]:
            hits = fulltext.search(store.db, parse_query(query, fold=fold))
            assert guids(hits) == expected, query
        assert guids(fulltext.search(store.db, parse_query("vang"), portals=["hanoi"])) == ["g3"]
        assert fulltext.reindex(store.db) == 3
        assert guids(fulltext.search(store.db, parse_query("Minh"), order="rank")) == ["g1"]
