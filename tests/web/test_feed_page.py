"""A feed clicked in a browser: chromium renders the RSS and Atom files through ``feed.xsl``
into a Vietnamese page saying what a feed is and which address to copy into a reader.

The feeds are served by ``newsfeed serve``'s server on 127.0.0.1 (a browser refuses a
stylesheet from ``file://``), and chromium runs headless with ``--dump-dom``.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from newsfeed.feeds.render import feed_url, write_feeds
from newsfeed.web.serve import make_server
from tests.conftest import which_tool
from tests.feeds.test_feeds import FULL, make_spec


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("feeds")
    server = make_server(folder, port=0)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    write_feeds([make_spec()], folder, base)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield folder, base
    finally:
        server.shutdown()
        server.server_close()


def browser_page(url: str, profile: Path) -> lxml.html.HtmlElement:
    chromium = which_tool(
        "chromium", "chromium-browser", "google-chrome", install="Debian: apt-get install chromium"
    )
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return lxml.html.document_fromstring(result.stdout)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_a_feed_opened_in_a_browser_is_a_readable_vietnamese_page(
    fmt: str, served: tuple[Path, str], tmp_path: Path
) -> None:
    folder, base = served
    url = feed_url(base, make_spec().path, fmt)
    page = browser_page(url, tmp_path / "profile")
    text = " ".join(page.text_content().split())
    assert "Sao chép địa chỉ này vào trình đọc tin" in text, text[:500]
    # the address to copy is the feed's own, the items are listed with their links
    assert page.xpath("//code")[0].text_content() == url
    assert make_spec().title in text
    assert FULL.title in text
    assert page.xpath(f"//a[@href='{FULL.url}']")
    assert (folder / "feed.xsl").is_file()
