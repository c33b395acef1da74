"""The command line as users and cron run it: a subprocess per command."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import feedparser
from lxml import etree

from tests.conftest import cli_here, corpus_path, newsfeed_cli


def test_portals_json_lists_every_profile(tmp_path: Path) -> None:
    result = newsfeed_cli("portals", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    portals = {p["key"]: p for p in json.loads(result.stdout)}
    assert {"sotttt_hanoi", "bao_can_tho"} <= set(portals)
    hanoi = portals["sotttt_hanoi"]
    assert hanoi["platform"] == "liferay62"
    assert hanoi["province"] == "Hà Nội"
    assert [c["name"] for c in hanoi["categories"]] == [
        "Tin tức sự kiện",
        "Báo chí xuất bản",
        "Công nghệ thông tin",
        "Chỉ đạo điều hành",
    ]
    assert hanoi["status"] == "verified" and hanoi["verified"] == "2022-08-27"
    assert portals["ho_chi_minh"]["status"] == "evidence"
    assert portals["ho_chi_minh"]["evidence"]["platform_shown"] is True
    assert portals["quang_tri"]["status"] == "unknown"
    assert portals["quang_tri"]["evidence"] is None
    plain = newsfeed_cli("portals", cwd=tmp_path)
    assert "sotttt_hanoi" in plain.stdout and "liferay62" in plain.stdout
    rows = {line.split()[0]: line.split() for line in plain.stdout.splitlines()}
    assert rows["sotttt_hanoi"][2] == "verified"
    assert rows["ho_chi_minh"][1:3] == ["liferay7", "evidence"]
    assert rows["quang_tri"][2] == "unknown"


def test_extract_a_saved_page_by_its_url(tmp_path: Path) -> None:
    page = corpus_path("baocantho", "article.html")
    url = "https://baocantho.com.vn/tap-trung-trien-khai-a196670.html"
    result = newsfeed_cli("extract", str(page), "--url", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["portal"] == "bao_can_tho"
    assert article["published"] == "2026-01-08T18:21:00+07:00"
    assert article["author"] == "P.Y"
    assert set(article) >= {"guid", "body_html", "body_text", "images", "related_links"}


def test_extract_without_profile_uses_the_generic_extractor(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<html lang="vi"><head><meta property="og:title" content="Tin mới">'
        '<meta property="article:published_time" content="2026-11-20T09:15:00+07:00">'
        "</head><body><article><h1>Tin mới</h1><p>"
        + "Nội dung bài viết về hoạt động của tỉnh. " * 10
        + "</p></article></body></html>",
        encoding="utf-8",
    )
    result = newsfeed_cli("extract", str(page), "--url", "https://example.vn/tin-moi", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["portal"] is None
    assert article["title"] == "Tin mới"
    assert article["published"] == "2026-11-20T09:15:00+07:00"
    assert article["date_source"] == "meta"
    assert article["body_text"].startswith("Nội dung bài viết")


def test_clear_errors_for_bad_input(tmp_path: Path) -> None:
    missing = newsfeed_cli("extract", "no-such-file.html", cwd=tmp_path)
    assert missing.returncode == 1 and "cannot read no-such-file.html" in missing.stderr
    # refused before any crawl: in this process (a crawl started there fails the test)
    unknown = cli_here("crawl", "nowhere", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown portal 'nowhere'" in unknown.stderr
    no_warc = cli_here("crawl", "sotttt_hanoi", "--replay", "absent.warc.gz", cwd=tmp_path)
    assert no_warc.returncode == 2 and "no such WARC file" in no_warc.stderr
    report = newsfeed_cli("report", cwd=tmp_path)
    assert report.returncode == 1 and "no crawl report yet" in report.stderr
    check = newsfeed_cli("check", cwd=tmp_path)
    assert check.returncode == 3 and check.stdout.startswith("NEWSFEED UNKNOWN")


def test_a_second_run_exits_at_once_while_one_holds_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "var" / "run.lock"
    lock.parent.mkdir()
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("12345")
        handle.flush()
        # in this process: flock locks belong to an open file, so the run's own open of
        # run.lock conflicts with this one as another process's would
        result = cli_here("run", cwd=tmp_path)
        verbose = cli_here("run", "--verbose", cwd=tmp_path)
    assert result.returncode == 75 and result.stderr == "", "quiet: cron mails nothing"
    assert verbose.returncode == 75
    assert "another newsfeed run is in progress (pid 12345)" in verbose.stderr
    assert not (tmp_path / "var" / "newsfeed.sqlite3").exists(), "nothing was crawled"


def test_demo_builds_feeds_a_reader_can_read(demo_output: Path) -> None:
    # the session's `newsfeed demo --no-serve` run (tests.conftest.demo_output)
    root = demo_output
    cwd = root.parents[2]
    stdout = (cwd.parent / "demo-output.stdout").read_text(encoding="utf-8")
    assert f"feeds in {root}/" in stdout
    opml = etree.parse(str(root / "index.opml"))
    urls = opml.xpath("//outline/@xmlUrl")
    assert len(urls) >= 2
    feeds = sorted(root.rglob("*.xml"))
    stems = {p.relative_to(root).as_posix().split(".")[0] for p in feeds}
    listed = {u.removeprefix("http://localhost:8080/").removesuffix(".rss.xml") for u in urls}
    assert listed <= stems, "every OPML feed was written"
    assert {"demo/all", "topics/leadership", "topics/news"} <= stems, "aggregate feeds"
    assert len(feeds) == 2 * len(stems), "an RSS and an Atom file per feed"
    assert len(list(root.rglob("*.json"))) == len(stems), "and a JSON Feed"
    assert (root / "index.html").is_file()
    ids_by_format: dict[str, set[str]] = {"rss": set(), "atom": set()}
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries, f"{path} is empty"
        for entry in parsed.entries:
            assert entry.title and entry.id
            assert entry.get("published_parsed") or entry.get("updated_parsed")
        ids_by_format["atom" if path.name.endswith(".atom.xml") else "rss"].update(
            e.id for e in parsed.entries
        )
    assert ids_by_format["rss"] == ids_by_format["atom"], "the same ids in every format"
    report = json.loads(newsfeed_cli("--var-dir", "var/demo", "report", "--json", cwd=cwd).stdout)
    assert report["status"] == "ok"
