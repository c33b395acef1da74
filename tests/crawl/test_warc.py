"""newsfeed.crawl.warc: WARC writing, lookup rules, replay and recording through real Scrapy crawls.

A Twisted reactor cannot be restarted, so every crawl runs in a fresh interpreter:
``python -m tests.crawl.test_warc CONFIG.json`` runs ``_crawl_main`` below, which crawls a list of
URLs with ``_ProbeSpider`` and writes one JSON line per response plus the crawl's stats.
``run_probe_crawl()`` wraps that for tests; other test modules may import it.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.http import Response, TextResponse

from newsfeed.crawl.warc import (
    RECORDER_PRIORITY,
    REPLAY_HEADER,
    ReplayIndex,
    record_settings,
    replay_settings,
    warc_from_mirror,
    write_warc,
)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _html(title: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>".encode()


# --------------------------------------------------------------------------------------------
# The crawl harness (runs in the subprocess)


class _ProbeSpider(scrapy.Spider):
    """Requests ``self.urls`` and reports every response it gets."""

    name = "warc_probe"
    # The replay's answer to a missing page must reach parse() to be checked.
    handle_httpstatus_list = [404]  # noqa: RUF012 - Scrapy's documented class attribute
    urls: list[str]
    stats_path: str

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(url, dont_filter=True)

    def parse(self, response: Response) -> Iterator[dict[str, Any]]:
        text = response.text if isinstance(response, TextResponse) else None
        yield {
            "requested": response.meta.get("redirect_urls", [response.url])[0],
            "url": response.url,
            "status": response.status,
            "class": type(response).__name__,
            "encoding": getattr(response, "encoding", None),
            "text": text,
            "replay": (response.headers.get(REPLAY_HEADER) or b"").decode(),
        }

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {k: v for k, v in self.crawler.stats.get_stats().items() if isinstance(v, int)}
        Path(self.stats_path).write_text(json.dumps(stats), encoding="utf-8")


def _forbid_network(log: Path) -> None:
    """Make any DNS lookup or outgoing connection fail loudly and leave a trace in *log*."""

    def refuse(what: str) -> Any:
        def refused(*args: Any, **kwargs: Any) -> Any:
            with log.open("a", encoding="utf-8") as fh:
                fh.write(f"{what} {args[1:] if what.startswith('socket.') else args}\n")
            raise OSError(f"network access attempted in replay: {what}")

        return refused

    socket.getaddrinfo = refuse("getaddrinfo")
    socket.create_connection = refuse("create_connection")
    socket.socket.connect = refuse("socket.connect")  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse("socket.connect_ex")  # type: ignore[method-assign]


def _crawl_main(config_path: str) -> None:
    from scrapy.crawler import AsyncCrawlerProcess

    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    if config.get("network_log"):
        _forbid_network(Path(config["network_log"]))
    settings = {
        "LOG_LEVEL": "DEBUG",
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "FEEDS": {config["items"]: {"format": "jsonlines", "encoding": "utf-8"}},
        **config["settings"],
    }
    process = AsyncCrawlerProcess(settings)
    process.crawl(_ProbeSpider, urls=config["urls"], stats_path=config["stats"])
    process.start()


def run_probe_crawl(
    tmp_path: Path,
    urls: list[str],
    settings: dict[str, Any],
    *,
    forbid_network: bool = False,
) -> tuple[dict[str, dict[str, Any]], dict[str, int], str]:
    """Crawl *urls* in a subprocess; return (items by requested URL, int stats, log)."""
    config = {
        "urls": urls,
        "settings": settings,
        "items": str(tmp_path / "items.jsonl"),
        "stats": str(tmp_path / "stats.json"),
        "network_log": str(tmp_path / "network.log") if forbid_network else "",
    }
    config_path = tmp_path / "crawl.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawl.test_warc", str(config_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    items_path = tmp_path / "items.jsonl"
    lines = items_path.read_text(encoding="utf-8").splitlines() if items_path.exists() else []
    items = {item["requested"]: item for item in map(json.loads, lines)}
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    return items, stats, proc.stderr


# --------------------------------------------------------------------------------------------
# write_warc + ReplayIndex


@pytest.fixture
def site_warc(tmp_path: Path) -> Path:
    path = tmp_path / "site.warc.gz"
    count = write_warc(
        path,
        [
            ("http://portal.example/tin-tuc/bai-1.html", 200, HTML, _html("Bài 1")),
            ("https://portal.example/danh-sach/?b=2&a=1", 200, HTML, _html("Danh sách")),
            ("http://portal.example/chuyen-muc/thoi-su", 200, HTML, _html("Thời sự")),
            ("http://portal.example/tim-kiem?q=a", 200, HTML, _html("a")),
            ("http://portal.example/tim-kiem?q=b", 200, HTML, _html("b")),
            (
                "http://portal.example/nen",
                200,
                [*HTML, ("Content-Encoding", "gzip"), ("Content-Length", "999")],
                gzip.compress(_html("Nén"), mtime=0),
            ),
            ("http://portal.example/lap", 503, HTML, b"busy"),
            ("http://portal.example/lap", 200, HTML, _html("Lần hai")),
        ],
    )
    assert count == 8
    return path


def test_write_warc_is_gzip_per_record_with_warcinfo_first(site_warc: Path) -> None:
    raw = gzip.decompress(site_warc.read_bytes())  # multi-member gzip reads as one stream
    assert raw.startswith(b"WARC/1.0\r\n")
    first = raw.split(b"WARC/1.0\r\n")[1]
    assert b"WARC-Type: warcinfo" in first
    assert b"software: newsfeed" in first
    assert raw.count(b"WARC-Type: response") == 8
    # One gzip member per record (9 records): what makes seeking to a record possible.
    assert site_warc.read_bytes().count(b"\x1f\x8b\x08") >= 9
    assert not list(site_warc.parent.glob("*.part"))


def test_lookup_exact(site_warc: Path) -> None:
    index = ReplayIndex(site_warc)
    hit = index.lookup("http://portal.example/tin-tuc/bai-1.html")
    assert hit is not None
    assert (hit.status, hit.match, hit.body) == (200, "exact", _html("Bài 1"))
    assert ("Content-Type", "text/html; charset=utf-8") in hit.headers
    assert len(index) == 7


def test_lookup_canonical_ignores_scheme_slash_and_query_order(site_warc: Path) -> None:
    index = ReplayIndex(site_warc)
    for url in (
        "http://portal.example/danh-sach?a=1&b=2",
        "https://PORTAL.example:443/danh-sach/?a=1&b=2",
        "https://portal.example/danh-sach/?b=2&a=1#top",
    ):
        hit = index.lookup(url)
        assert hit is not None, url
        assert hit.url == "https://portal.example/danh-sach/?b=2&a=1"
        assert hit.body == _html("Danh sách")
    assert index.resolve("http://portal.example/danh-sach?a=1&b=2") == (
        "https://portal.example/danh-sach/?b=2&a=1",
        "canonical",
    )
    # Percent-encoded and raw Vietnamese paths are the same URL.
    assert index.resolve("http://portal.example/tin-t%75c/bai-1.html") is not None


def test_lookup_fuzzy_ignores_query_when_unambiguous(site_warc: Path) -> None:
    index = ReplayIndex(site_warc)
    hit = index.lookup("http://portal.example/chuyen-muc/thoi-su?page=2&cat=7")
    assert hit is not None
    assert (hit.match, hit.url, hit.body) == (
        "fuzzy",
        "http://portal.example/chuyen-muc/thoi-su",
        _html("Thời sự"),
    )
    # The query carries no weight either way: a record with one serves a request without.
    assert index.resolve("https://portal.example/danh-sach") == (
        "https://portal.example/danh-sach/?b=2&a=1",
        "fuzzy",
    )


def test_lookup_fuzzy_ambiguous_and_miss_return_none(site_warc: Path) -> None:
    index = ReplayIndex(site_warc)
    assert index.lookup("http://portal.example/tim-kiem?q=c") is None
    assert index.lookup("http://portal.example/tim-kiem") is None
    assert index.lookup("http://portal.example/tim-kiem?q=b") is not None
    assert index.lookup("http://portal.example/khong-co") is None
    assert index.lookup("http://other.example/tin-tuc/bai-1.html") is None
    assert index.lookup("ftp://portal.example/tin-tuc/bai-1.html") is None
    assert "http://portal.example/khong-co" not in index


def test_lookup_decodes_stored_gzip_and_fixes_headers(site_warc: Path) -> None:
    hit = ReplayIndex(site_warc).lookup("http://portal.example/nen")
    assert hit is not None
    assert hit.body == _html("Nén")
    names = {name.lower(): value for name, value in hit.headers}
    assert "content-encoding" not in names
    assert names["content-length"] == str(len(hit.body))


def test_lookup_last_record_wins(site_warc: Path) -> None:
    hit = ReplayIndex(site_warc).lookup("http://portal.example/lap")
    assert hit is not None
    assert (hit.status, hit.body) == (200, _html("Lần hai"))


def test_replay_index_reads_uncompressed_warc(site_warc: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.warc"
    plain.write_bytes(gzip.decompress(site_warc.read_bytes()))
    hit = ReplayIndex(plain).lookup("http://portal.example/chuyen-muc/thoi-su")
    assert hit is not None
    assert hit.body == _html("Thời sự")


def _raw_record(warc_type: str, uri: str, block: bytes, **fields: str) -> bytes:
    """One uncompressed WARC record, built by hand to cover what write_warc never writes."""
    head = [
        "WARC/1.0",
        f"WARC-Type: {warc_type}",
        f"WARC-Target-URI: {uri}",
        "WARC-Date: 2024-05-01T00:00:00Z",
        f"WARC-Record-ID: <urn:uuid:{uri.encode().hex()[:32]:0<32}>",
        *(f"{name.replace('_', '-')}: {value}" for name, value in fields.items()),
        f"Content-Type: application/http; msgtype={warc_type}",
        f"Content-Length: {len(block)}",
    ]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + block + b"\r\n\r\n"


def test_lookup_resolves_revisit_records(tmp_path: Path) -> None:
    body = _html("Gốc")
    digest = "sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH"
    warc = tmp_path / "revisit.warc"
    warc.write_bytes(
        _raw_record(
            "response",
            "http://portal.example/goc",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body,
            WARC_Payload_Digest=digest,
        )
        # identical-payload-digest: own status and headers, the body of the digest's record
        + _raw_record(
            "revisit",
            "http://portal.example/ban-sao",
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            b"Content-Length: 0\r\n\r\n",
            WARC_Payload_Digest=digest,
            WARC_Profile="http://netpreserve.org/warc/1.0/revisit/identical-payload-digest",
        )
        # server-not-modified: a 304 that stands for the referred response
        + _raw_record(
            "revisit",
            "http://portal.example/goc?v=2",
            b"HTTP/1.1 304 Not Modified\r\n\r\n",
            WARC_Profile="http://netpreserve.org/warc/1.0/revisit/server-not-modified",
            WARC_Refers_To_Target_URI="http://portal.example/goc",
        )
        # refers to nothing in this file: not replayable, so not indexed
        + _raw_record(
            "revisit",
            "http://portal.example/mat",
            b"HTTP/1.1 200 OK\r\n\r\n",
            WARC_Payload_Digest="sha1:ZZZZ",
        )
    )
    index = ReplayIndex(warc)
    assert index.urls == [
        "http://portal.example/goc",
        "http://portal.example/ban-sao",
        "http://portal.example/goc?v=2",
    ]
    copy = index.lookup("http://portal.example/ban-sao")
    assert copy is not None
    assert (copy.status, copy.body) == (200, body)
    assert ("Content-Length", str(len(body))) in copy.headers
    not_modified = index.lookup("http://portal.example/goc?v=2")
    assert not_modified is not None
    assert (not_modified.status, not_modified.body) == (200, body)
    assert index.lookup("http://portal.example/mat") is None


def test_replay_index_rejects_single_stream_gzip(site_warc: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(gzip.decompress(site_warc.read_bytes())))
    with pytest.raises(Exception, match="warcio recompress"):
        ReplayIndex(whole)


# --------------------------------------------------------------------------------------------
# warc_from_mirror


def test_warc_from_mirror(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "tin-tuc").mkdir(parents=True)
    index_html = b"<html><body>Trang ch\xe1\xbb\xa7 \r\n</body></html>\n"
    (mirror / "index.html").write_bytes(index_html)
    (mirror / "tin-tuc" / "bài 2.html").write_bytes(_html("Bài 2"))
    (mirror / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    seen: list[tuple[str, Path]] = []

    def extra(url: str, file: Path) -> list[str]:
        seen.append((url, file))
        if file.name == "index.html":
            return ["https://portal.example/", url]  # a repeat of its own URL is dropped
        if file.suffix == ".html":
            return ["https://portal.example/thoi-su/bài 2.html"]
        return []

    out = tmp_path / "out" / "mirror.warc.gz"
    count = warc_from_mirror(mirror, "https://portal.example/", out, extra_urls=extra)
    assert count == 5
    assert [file.name for _, file in seen] == ["index.html", "logo.png", "bài 2.html"]

    index = ReplayIndex(out)
    home = index.lookup("https://portal.example/index.html")
    assert home is not None
    assert home.body == index_html  # stored byte for byte
    assert ("Content-Type", "text/html; charset=utf-8") in home.headers
    root = index.lookup("https://portal.example/")
    assert root is not None
    assert (root.match, root.body) == ("exact", index_html)
    article = index.lookup("https://portal.example/tin-tuc/b%C3%A0i%202.html")
    assert article is not None
    assert article.match == "exact"
    assert article.body == _html("Bài 2")
    other = index.lookup("https://portal.example/thoi-su/bài 2.html")
    assert other is not None
    assert other.body == _html("Bài 2")
    logo = index.lookup("https://portal.example/logo.png")
    assert logo is not None
    assert ("Content-Type", "image/png") in logo.headers


# --------------------------------------------------------------------------------------------
# Replay through a crawl


def test_settings_helpers() -> None:
    assert replay_settings("/x.warc.gz") == {
        "DOWNLOAD_HANDLERS": {
            "http": "newsfeed.crawl.warc.WarcReplayDownloadHandler",
            "https": "newsfeed.crawl.warc.WarcReplayDownloadHandler",
        },
        "NEWSFEED_REPLAY": "/x.warc.gz",
    }
    assert record_settings("/y.warc.gz") == {
        "DOWNLOADER_MIDDLEWARES": {"newsfeed.crawl.warc.WarcRecorderMiddleware": RECORDER_PRIORITY},
        "NEWSFEED_RECORD": "/y.warc.gz",
    }
    # After HttpCompressionMiddleware (590) in response order, before MetaRefresh (580).
    assert 580 < RECORDER_PRIORITY < 590


@pytest.mark.parametrize("reactor", [True, False], ids=["twisted", "reactorless"])
def test_replay_crawl_never_touches_the_network(tmp_path: Path, reactor: bool) -> None:
    warc = tmp_path / "portal.warc.gz"
    legacy = "<html><head><meta charset=windows-1252></head><body>Thông báo</body></html>"
    write_warc(
        warc,
        [
            ("http://portal.invalid/", 200, HTML, _html("Trang chủ")),
            # No charset in the header: HtmlResponse must find it in the <meta>.
            (
                "http://portal.invalid/thong-bao",
                200,
                [("Content-Type", "text/html")],
                legacy.encode("cp1252"),
            ),
            ("http://portal.invalid/tin-tuc", 200, HTML, _html("Tin tức")),
            ("http://portal.invalid/cu", 301, [("Location", "http://portal.invalid/moi")], b""),
            ("http://portal.invalid/moi", 200, HTML, _html("Mới")),
        ],
    )
    urls = [
        "http://portal.invalid/",
        "https://portal.invalid/thong-bao/",
        "http://portal.invalid/tin-tuc?page=2",
        "http://portal.invalid/cu",
        "http://portal.invalid/khong-co",
    ]
    settings = {**replay_settings(warc), "TWISTED_REACTOR_ENABLED": reactor}
    items, stats, log = run_probe_crawl(tmp_path, urls, settings, forbid_network=True)

    assert not (tmp_path / "network.log").exists()
    assert "ScrapyDeprecationWarning" not in log
    assert set(items) == set(urls)

    home = items["http://portal.invalid/"]
    assert (home["status"], home["class"], home["replay"]) == (200, "HtmlResponse", "exact")
    assert "Trang chủ" in home["text"]

    legacy_page = items["https://portal.invalid/thong-bao/"]
    assert (legacy_page["status"], legacy_page["replay"]) == (200, "canonical")
    assert legacy_page["encoding"] == "cp1252"
    assert "Thông báo" in legacy_page["text"]

    listing = items["http://portal.invalid/tin-tuc?page=2"]
    assert (listing["status"], listing["replay"]) == (200, "fuzzy")
    assert listing["url"] == "http://portal.invalid/tin-tuc?page=2"
    assert "Tin tức" in listing["text"]

    moved = items["http://portal.invalid/cu"]  # a recorded 301, followed by RedirectMiddleware
    assert (moved["url"], moved["status"]) == ("http://portal.invalid/moi", 200)
    assert "Mới" in moved["text"]

    missing = items["http://portal.invalid/khong-co"]
    assert (missing["status"], missing["replay"]) == (404, "miss")

    # robots.txt was asked for too (RobotsTxtMiddleware keys it by netloc, so once for both
    # schemes) and missed, which means "allowed".
    assert stats["newsfeed/replay/miss"] == 2
    assert stats["newsfeed/replay/exact"] == 3
    assert stats["newsfeed/replay/canonical"] == 1
    assert stats["newsfeed/replay/fuzzy"] == 1


def test_replay_handler_without_warc_setting_stays_offline(tmp_path: Path) -> None:
    settings = replay_settings("")
    items, _stats, log = run_probe_crawl(
        tmp_path, ["http://portal.invalid/"], settings, forbid_network=True
    )
    assert items == {}
    assert not (tmp_path / "network.log").exists()
    assert "NEWSFEED_REPLAY is not set" in log


# --------------------------------------------------------------------------------------------
# Recording a crawl


GZ_PAGE = _html("Nén gzip") * 20
PAGES: dict[str, tuple[int, list[tuple[str, str]], bytes]] = {
    "/page": (200, HTML, _html("Trang một")),
    "/gz": (200, [*HTML, ("Content-Encoding", "gzip")], gzip.compress(GZ_PAGE, mtime=0)),
    "/old": (301, [("Location", "/moved")], b""),
    "/moved": (200, HTML, _html("Đã chuyển")),
    "/refresh": (
        200,
        HTML,
        b'<html><head><meta http-equiv="refresh" content="0; url=/after"></head></html>',
    ),
    "/after": (200, HTML, _html("Sau refresh")),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, headers, body = PAGES.get(self.path, (404, [], b"not found"))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_record_crawl_then_replay(tmp_path: Path, local_site: str) -> None:
    out = tmp_path / "rec" / "crawl.warc.gz"
    urls = [f"{local_site}{path}" for path in ("/page", "/gz", "/old", "/refresh")]
    items, _stats, log = run_probe_crawl(tmp_path, urls, record_settings(out))
    assert "ScrapyDeprecationWarning" not in log
    assert set(items) == set(urls)
    assert out.is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["crawl.warc.gz"]  # no .part left

    raw = gzip.decompress(out.read_bytes())
    assert b"WARC-Type: warcinfo" in raw.split(b"WARC-Type: response")[0]
    assert b"software: newsfeed" in raw
    assert raw.count(b"WARC-Type: request") == 6  # robots.txt, page, gz, moved, refresh, after
    assert GZ_PAGE in raw  # stored decoded, not as the gzip bytes the server sent

    index = ReplayIndex(out)
    for path in ("/page", "/moved", "/refresh", "/after"):
        hit = index.lookup(f"{local_site}{path}")
        assert hit is not None, path
        assert (hit.status, hit.match, hit.body) == (200, "exact", PAGES[path][2])

    gz = index.lookup(f"{local_site}/gz")
    assert gz is not None
    assert gz.body == GZ_PAGE
    headers = {name.lower(): value for name, value in gz.headers}
    assert "content-encoding" not in headers
    assert headers["content-length"] == str(len(GZ_PAGE))
    assert items[f"{local_site}/gz"]["text"] == GZ_PAGE.decode()

    # The 301 never reaches the recorder; it is rebuilt from the redirect metadata.
    old = index.lookup(f"{local_site}/old")
    assert old is not None
    assert old.status == 301
    assert ("Location", f"{local_site}/moved") in old.headers
    assert items[f"{local_site}/old"]["url"] == f"{local_site}/moved"

    robots = index.lookup(f"{local_site}/robots.txt")
    assert robots is not None
    assert robots.status == 404


if __name__ == "__main__":
    _crawl_main(sys.argv[1])
