"""``newsfeed serve`` over a real socket on 127.0.0.1: what feed readers and caches rely on.

A small feeds folder is made by hand (a JSON Feed, some other JSON, RSS, Atom, OPML, HTML, a
builder's temp file) and a secret file sits next to it, outside the folder.
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
import io
import json
import os
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsfeed.web.serve import accepts_gzip, make_server

FEED_JSON = json.dumps(
    {"version": "https://jsonfeed.org/version/1.1", "title": "Tin", "items": []}
).encode()
RSS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    + (b"<title>Tin t\xe1\xbb\xa9c</title>" * 60)
    + b"</channel></rss>\n"
)
MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z


@dataclass
class Served:
    root: Path
    port: int
    log: io.StringIO

    def conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def get(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, dict[str, str], bytes]:
        conn = self.conn()
        try:
            # skip_accept_encoding: http.client adds "Accept-Encoding: identity" otherwise.
            conn.putrequest(method, path, skip_accept_encoding=True)
            for key, value in (headers or {}).items():
                conn.putheader(key, value)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    root = tmp_path / "feeds"
    (root / "demo").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret")
    files = {
        "demo/all.rss.xml": RSS,
        "demo/all.atom.xml": b'<feed xmlns="http://www.w3.org/2005/Atom"/>\n',
        "demo/all.json": FEED_JSON,
        "demo/stats.json": b'{"version": 2, "count": 3}\n',
        "index.opml": b'<opml version="2.0"/>\n',
        "index.html": b"<!DOCTYPE html><title>x</title>\n",
        "demo/.all.json.abc.tmp": b"half a feed",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
        os.utime(root / name, (MTIME, MTIME))
    (root / "demo" / "out").symlink_to(tmp_path / "secret.txt")
    log = io.StringIO()
    server = make_server(root, port=0, access_log=log)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Served(root, server.server_address[1], log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/demo/all.rss.xml", "application/rss+xml; charset=utf-8"),
        ("/demo/all.atom.xml", "application/atom+xml; charset=utf-8"),
        ("/demo/all.json", "application/feed+json; charset=utf-8"),
        ("/demo/stats.json", "application/json"),  # JSON, but not a feed
        ("/index.opml", "text/x-opml; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
    ],
)
def test_media_types(served: Served, path: str, media_type: str) -> None:
    status, headers, body = served.get(path)
    assert status == 200
    assert headers["content-type"] == media_type
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    relative = "index.html" if path == "/" else path.lstrip("/")
    assert body == (served.root / relative).read_bytes()


def test_urllib_reads_a_feed(served: Served) -> None:
    url = f"http://127.0.0.1:{served.port}/demo/all.json"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read())["version"] == "https://jsonfeed.org/version/1.1"


def test_etag_and_if_none_match_give_304(served: Served) -> None:
    status, headers, _ = served.get("/demo/all.rss.xml")
    assert status == 200
    etag = headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert headers["cache-control"] == "public, max-age=300"
    for match in (etag, f'"nope", {etag}', f"W/{etag}", "*"):
        status, again, body = served.get("/demo/all.rss.xml", {"If-None-Match": match})
        assert (status, body) == (304, b""), match
        assert again["etag"] == etag
        assert again["last-modified"] == headers["last-modified"]
        assert "content-length" not in again or again["content-length"] == "0"
    status, _, body = served.get("/demo/all.rss.xml", {"If-None-Match": '"other"'})
    assert status == 200 and body == RSS


def test_last_modified_and_if_modified_since_give_304(served: Served) -> None:
    status, headers, _ = served.get("/demo/all.json")
    assert headers["last-modified"] == email.utils.formatdate(MTIME, usegmt=True)
    status, _, body = served.get("/demo/all.json", {"If-Modified-Since": headers["last-modified"]})
    assert (status, body) == (304, b"")
    later = email.utils.formatdate(MTIME + 3600, usegmt=True)
    assert served.get("/demo/all.json", {"If-Modified-Since": later})[0] == 304
    earlier = email.utils.formatdate(MTIME - 1, usegmt=True)
    assert served.get("/demo/all.json", {"If-Modified-Since": earlier})[0] == 200
    assert served.get("/demo/all.json", {"If-Modified-Since": "yesterday"})[0] == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    both = {"If-None-Match": '"other"', "If-Modified-Since": later}
    assert served.get("/demo/all.json", both)[0] == 200


def test_a_rebuilt_file_is_no_longer_304(served: Served) -> None:
    _, headers, _ = served.get("/demo/all.rss.xml")
    (served.root / "demo/all.rss.xml").write_bytes(RSS.replace(b"Tin", b"Tun"))
    status, fresh, _ = served.get("/demo/all.rss.xml", {"If-None-Match": headers["etag"]})
    assert status == 200
    assert fresh["etag"] != headers["etag"]


def test_head_sends_headers_only(served: Served) -> None:
    _, get_headers, _ = served.get("/demo/all.rss.xml")
    status, headers, body = served.get("/demo/all.rss.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == get_headers["content-length"] == str(len(RSS))
    assert headers["etag"] == get_headers["etag"]
    assert served.get("/nothing.xml", method="HEAD")[:3:2] == (404, b"")


def test_gzip_when_asked(served: Served) -> None:
    status, headers, body = served.get("/demo/all.rss.xml", {"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding, Accept"  # Accept: browsers get application/xml
    assert gzip.decompress(body) == RSS
    assert int(headers["content-length"]) == len(body) < len(RSS)
    _, plain, _ = served.get("/demo/all.rss.xml")
    assert "content-encoding" not in plain
    assert headers["etag"] != plain["etag"]  # another representation, another tag
    # Revalidating the gzip copy with its own tag, or the plain one's, is a 304.
    for tag in (headers["etag"], plain["etag"]):
        zipped = {"Accept-Encoding": "gzip", "If-None-Match": tag}
        assert served.get("/demo/all.rss.xml", zipped)[0] == 304
    refused = served.get("/demo/all.rss.xml", {"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused[1]
    # Small files are not worth it.
    assert "content-encoding" not in served.get("/demo/all.json", {"Accept-Encoding": "gzip"})[1]


def test_accepts_gzip() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("deflate, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("")
    assert not accepts_gzip("identity")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("gzip; q=0.0")


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/demo/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/demo/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/demo/..%5c..%5csecret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/etc/passwd",
        "/demo/out",  # a symlink out of the folder
        "/demo/.all.json.abc.tmp",  # a builder's temporary file
        "/demo/all.json%00.txt",
        "/%ff%fe",
        "//[::1/index.opml",  # a host no URL parser reads: a 404, not a traceback
        "/nothing.xml",
        "/demo",  # a folder without index.html
    ],
)
def test_nothing_outside_the_folder_and_404(served: Served, path: str) -> None:
    status, _, body = served.get(path)
    assert status == 404, path
    assert b"secret" not in body and b"root:" not in body


def test_absolute_form_request_target(served: Served) -> None:
    """``GET http://host/../secret.txt``: the path is taken from the URL, then checked."""
    assert served.get("http://127.0.0.1/../secret.txt")[0] == 404
    assert served.get(f"http://127.0.0.1:{served.port}/index.opml")[0] == 200


def test_a_request_target_no_url_parser_reads_is_a_404(served: Served) -> None:
    """``GET http://[x/...``: http.client refuses to send it, so it goes as raw bytes."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as conn:
        conn.sendall(b"GET http://[x/index.opml HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = conn.makefile("rb").readline()
    assert reply.split()[1:2] == [b"404"], reply


def test_other_methods_are_not_implemented(served: Served) -> None:
    assert served.get("/index.opml", method="POST")[0] == 501
    assert served.get("/index.opml", method="DELETE")[0] == 501


def test_urllib_sees_404(served: Served) -> None:
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"http://127.0.0.1:{served.port}/%2e%2e/secret.txt", timeout=10)
    assert info.value.code == 404
    info.value.close()


def test_access_log_has_one_combined_line_per_request(served: Served) -> None:
    served.get("/demo/all.json", {"User-Agent": "Newsboat/2.21", "Referer": "http://x/"})
    served.get("/missing.xml", {"User-Agent": 'evil\x1b[31m" 200 1'})
    lines = served.log.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("127.0.0.1 - - [")
    assert lines[0].endswith(
        f'"GET /demo/all.json HTTP/1.1" 200 {len(FEED_JSON)} "http://x/" "Newsboat/2.21"'
    )
    assert '"GET /missing.xml HTTP/1.1" 404 ' in lines[1]
    # A request can neither write escape codes into the log nor forge a field.
    assert lines[1].endswith('"evil\\x1b[31m\\" 200 1"')


def test_keep_alive_serves_several_requests_on_one_connection(served: Served) -> None:
    conn = served.conn()
    try:
        for path in ("/index.opml", "/demo/all.json", "/nothing"):
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            assert response.status in {200, 404}
    finally:
        conn.close()
