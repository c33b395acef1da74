"""``newsfeed fixture record KEY URL``: a page from a 127.0.0.1 server or a WARC saved in the
layout the fixture tests read, with its metadata and its extraction to review; errors are one
line with the right exit code."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsfeed.crawl.warc import write_warc
from newsfeed.platforms.extract import extract_page
from newsfeed.portals import Registry
from tests.conftest import REPO, newsfeed_cli

DEMO = REPO / "newsfeed" / "demo" / "site"
ARTICLE = (DEMO / "articles" / "6079116.html").read_bytes()
LISTING = (DEMO / "vi" / "tin-tuc-su-kien.html").read_bytes()
ARTICLE_URL = (
    "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien/-/view_content/6079116-hoi-nghi-mau.html"
)
LISTING_URL = "https://sotttt.hanoi.gov.vn/vi/tin-tuc-su-kien"
HTML = [("Content-Type", "text/html; charset=utf-8"), ("Date", "Tue, 01 Dec 2026 01:30:00 GMT")]


@contextmanager
def serve(pages: dict[str, bytes]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, [(ARTICLE_URL, 200, HTML, ARTICLE), (LISTING_URL, 200, HTML, LISTING)])
    return path


def test_record_from_a_warc_in_the_fixture_layout(tmp_path: Path, warc: Path) -> None:
    into = tmp_path / "fixtures"
    result = newsfeed_cli(
        "fixture", "record", "sotttt_hanoi", ARTICLE_URL, "--replay", str(warc),
        "--into", str(into), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    stem = "6079116_hoi_nghi_mau"
    folder = into / "sotttt_hanoi"
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{stem}.html",
        f"{stem}.json",
        f"{stem}.meta.json",
    ]
    assert (folder / f"{stem}.html").read_bytes() == ARTICLE, "the raw bytes as served"
    meta = json.loads((folder / f"{stem}.meta.json").read_text(encoding="utf-8"))
    assert meta["url"] == ARTICLE_URL
    assert meta["content_type"] == "text/html; charset=utf-8"
    assert meta["fetched_at"] == "2026-12-01T08:30:00+07:00", "the response's Date, portal time"
    assert meta["synthetic"] is False and meta["reviewed"] is False and meta["note"]
    expected = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    # what the fixture tests will compare: the page extracted again gives the recorded fields
    again = extract_page(ARTICLE, meta["url"], content_type=meta["content_type"]).to_dict()
    again.pop("body_html")
    assert expected == again
    assert expected["guid"] == "tag:newsfeed,2025:sotttt_hanoi/6079116"
    assert expected["title"] and expected["published"] and expected["body_text"]
    assert "review" in result.stdout


def test_record_a_listing_page(tmp_path: Path, warc: Path) -> None:
    into = tmp_path / "fixtures"
    result = newsfeed_cli(
        "fixture", "record", "sotttt_hanoi", LISTING_URL, "--replay", str(warc), "--listing",
        "--name", "tin_tuc_su_kien_p1", "--into", str(into), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    folder = into / "sotttt_hanoi" / "listings"
    data = json.loads((folder / "tin_tuc_su_kien_p1.json").read_text(encoding="utf-8"))
    meta = json.loads((folder / "tin_tuc_su_kien_p1.meta.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "listing" and meta["synthetic"] is False
    assert len(data["items"]) >= 5 and data["next_page"]
    assert all("/-/view_content/" in item["url"] for item in data["items"])


def test_record_live_from_a_local_server(tmp_path: Path) -> None:
    path = "/vi/tin-tuc-su-kien/-/view_content/6079116-hoi-nghi-mau.html"
    with serve({path: ARTICLE}) as base:
        result = newsfeed_cli(
            "fixture", "record", "sotttt_hanoi", base + path, "--into", str(tmp_path / "f"),
            cwd=tmp_path,
        )  # fmt: skip
        again = newsfeed_cli(
            "fixture", "record", "sotttt_hanoi", base + path, "--into", str(tmp_path / "f"),
            cwd=tmp_path,
        )  # fmt: skip
        missing = newsfeed_cli(
            "fixture", "record", "sotttt_hanoi", base + "/vi/khong-co", "--into",
            str(tmp_path / "f"), cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = tmp_path / "f" / "sotttt_hanoi" / "6079116_hoi_nghi_mau.html"
    assert page.read_bytes() == ARTICLE
    assert again.returncode == 1 and "--force" in again.stderr, "never records over a fixture"
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    assert missing.returncode == 1 and "HTTP 404" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_record_usage_errors(tmp_path: Path, warc: Path) -> None:
    unknown = newsfeed_cli("fixture", "record", "nope", ARTICLE_URL, cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown portal 'nope'" in unknown.stderr
    no_warc = newsfeed_cli(
        "fixture", "record", "sotttt_hanoi", ARTICLE_URL, "--replay", str(tmp_path / "x.warc.gz"),
        cwd=tmp_path,
    )  # fmt: skip
    assert no_warc.returncode == 2 and "no such WARC file" in no_warc.stderr
    absent = newsfeed_cli(
        "fixture", "record", "sotttt_hanoi", ARTICLE_URL.replace("6079116", "1"),
        "--replay", str(warc), "--into", str(tmp_path / "f"), cwd=tmp_path,
    )  # fmt: skip
    assert absent.returncode == 1 and "is not in" in absent.stderr
    assert not (tmp_path / "f").exists(), "nothing written when nothing was fetched"
    assert Registry().get("sotttt_hanoi").status == "verified"
