"""The real spider over the corpus mini-site, replayed from a WARC: nothing goes to the network.

The mirror holds 20 articles; six more listing entries are second URLs (another category path)
of six of them; the rest of the links point at pages the mirror does not have.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import newsfeed_cli

SECOND_URL_IDS = {"4421549", "4409341", "4409310", "4400169", "4418033", "4410299"}


def _db(workdir: Path) -> sqlite3.Connection:
    return sqlite3.connect(workdir / "var" / "newsfeed.sqlite3")


def test_replay_crawl_yields_the_twenty_articles_once(liferay_warc: Path, tmp_path: Path) -> None:
    first = newsfeed_cli("crawl", "sotttt_hanoi", "--replay", str(liferay_warc), cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    db = _db(tmp_path)
    guids = [row[0] for row in db.execute("SELECT guid FROM articles")]
    assert len(guids) == 20 == len(set(guids))
    merged = dict(
        db.execute(
            "SELECT guid, group_concat(category) FROM article_categories GROUP BY guid"
            " HAVING count(*) > 1"
        ).fetchall()
    )
    assert {g.rsplit("/", 1)[1] for g in merged} == SECOND_URL_IDS
    for categories in merged.values():
        assert "tin_tuc_su_kien" in categories.split(",")

    report = json.loads(newsfeed_cli("report", "--json", cwd=tmp_path).stdout)
    portal = report["portals"]["sotttt_hanoi"]
    assert portal["articles_new"] == 20
    news = portal["categories"]["tin_tuc_su_kien"]
    # pages 1 and 2 are in the mirror (20 items each); page 3 is not
    assert (news["listing_pages_fetched"], news["articles_listed"]) == (2, 40)
    assert portal["fields_missing"].get("title", 0) == 0
    assert portal["fields_missing"].get("published", 0) == 0
    assert portal["http_errors"].get("404", 0) > 0, "pages missing from the mirror are reported"
    # 8 pages print no byline: they have no author, not the uploader the generic search finds
    assert portal.get("fields_from_fallback", {}).get("author", 0) == 0
    assert report["status"] == "ok"

    # a second run of the unchanged site asks for no article page and changes nothing
    second = newsfeed_cli("crawl", "sotttt_hanoi", "--replay", str(liferay_warc), cwd=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    again = json.loads(newsfeed_cli("report", "--json", cwd=tmp_path).stdout)["portals"]
    assert again["sotttt_hanoi"]["article_pages_fetched"] == 0
    assert again["sotttt_hanoi"]["articles_new"] == 0
    assert [row[0] for row in _db(tmp_path).execute("SELECT guid FROM articles")] == guids


def test_replay_never_touches_the_network(tmp_path: Path) -> None:
    """An empty WARC answers everything with 404: the portal is reported, nothing fetched."""
    from newsfeed.crawl.warc import write_warc

    empty = tmp_path / "empty.warc.gz"
    write_warc(empty, [])
    result = newsfeed_cli("crawl", "bao_can_tho", "--replay", str(empty), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(newsfeed_cli("report", "--json", cwd=tmp_path).stdout)
    portal = report["portals"]["bao_can_tho"]
    assert portal["listing_pages_fetched"] == 0
    assert portal["status"] == "critical"
    assert [c["name"] for c in portal["checks"]] == ["unreachable"]
