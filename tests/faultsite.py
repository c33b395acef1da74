"""A portal that misbehaves on purpose, on 127.0.0.1: one article route per fault.

The site speaks Liferay 6.2 (the markup of the bundled demo portal): one category listing page
``/vi/tin-tuc`` lists every article ``/vi/tin-tuc/-/view_content/<id>-<slug>``, and each id is
one fault (:data:`FAULTS`) or a good article beside them (:data:`GOOD`). What each fault must
leave in the crawl report is asserted by ``tests/crawl/test_faults.py``.

Every slow route (never answers, 1 byte/s) gives up by itself after :data:`SLOW_LIMIT` seconds
or when the server stops, so the server always shuts down. Nothing here reaches a non-loopback
address: the "other host" of the off-site faults is ``localhost`` (the same server under another
host name), and the test asserts it was never asked for anything.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

SLOW_LIMIT = 20.0
"""A route that stalls stops stalling after this long (the crawl has given up long before)."""

GOOD = {
    1: "Hội nghị tổng kết công tác chuyển đổi số năm 2026",
    2: "Tỉnh đẩy mạnh cải cách thủ tục hành chính",
    3: "Khánh thành cầu mới bắc qua sông",
}
"""Good articles listed among the faults: every one must be stored."""

VIETNAMESE_TITLE = "Hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội"
VIETNAMESE_BODY = (
    "Sáng nay, Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - "
    "xã hội năm 2027. Đồng chí Chủ tịch phát biểu chỉ đạo, yêu cầu các sở, ngành đẩy mạnh "
    "chuyển đổi số, cải thiện môi trường đầu tư và chăm lo đời sống nhân dân."
)
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)">bấm</a><svg onload="alert(3)"></svg>'
    '<iframe src="javascript:alert(4)"></iframe><style>body{display:none}</style>'
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """An answer: status, headers and body (or a ``stream`` that writes to the socket)."""

    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    body: bytes = b""
    stream: Callable[[BaseHTTPRequestHandler], None] | None = None


UPLOADER = "Nguyễn Văn Quản"
"""The site account every fault-site article names as its uploader (never the author)."""


def article_html(
    title: str,
    body: str,
    *,
    date: str = "20/11/2026 | 08:30 AM",
    author: str = "Minh Anh",
    head: str = "",
    charset: str | None = "utf-8",
    related: str = "",
) -> str:
    """An article page in the markup of the Liferay 6.2 adapter."""
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html><html lang='vi'><head>{meta}<title>{title}</title>{head}</head><body>"
        "<div class='portlet-asset-publisher' id='p_p_id_101_'>"
        f"<div class='asset-full-content-title'>{title}</div>"
        f"<div class='assetPublishDate'>Ngày đăng {date}</div>"
        "<div class='asset-content'><div class='journal-content-article'>"
        # the writer's printed byline, then the uploading account (never the author), as on
        # sotttt.hanoi
        f"<p>{body}</p>"
        f"<p class='texttacgia' style='text-align: right;'><b><em>{author}</em></b></p>"
        f"<p class='view-content-author'><strong>{UPLOADER}</strong></p>"
        f"</div></div><ul class='related_asset_list'>{related}</ul></div></body></html>"
    )


def _html(text: str, *, charset: str = "utf-8", declared: str | None = None) -> Page:
    return Page(
        headers=(("Content-Type", f"text/html; charset={declared or charset}"),),
        body=text.encode(charset),
    )


# -- the faults -------------------------------------------------------------------------------


def _reset_mid_body(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(article_html("Bài bị cắt", VIETNAMESE_BODY).encode()[:500])
    handler.wfile.flush()
    # SO_LINGER 0: close with a TCP reset, as a crashing proxy does
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def _never_answers(handler: BaseHTTPRequestHandler) -> None:
    _stall(handler, lambda: None)


def _drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.end_headers()
    body = iter(article_html("Nhỏ giọt", VIETNAMESE_BODY).encode())

    def one_byte() -> None:
        handler.wfile.write(bytes([next(body, 32)]))
        handler.wfile.flush()

    _stall(handler, one_byte)


def _stall(handler: BaseHTTPRequestHandler, tick: Callable[[], None]) -> None:
    stop: threading.Event = handler.server.stopping  # type: ignore[attr-defined]
    deadline = time.monotonic() + SLOW_LIMIT
    try:
        while time.monotonic() < deadline and not stop.wait(1.0):
            tick()
    except OSError:  # the crawler hung up: what it should do
        pass
    handler.close_connection = True


def _gzip_bomb() -> bytes:
    """1 MB of gzip that inflates to 1 GiB of zeros (valid: CRC and size are right)."""
    chunk = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    # after a full flush the compressor starts afresh: the same block repeats
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + block * 1024 + deflate.flush() + struct.pack("<II", crc, 0)


def _huge(handler: BaseHTTPRequestHandler, *, size: int, announce: bool) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    if announce:
        handler.send_header("Content-Length", str(size))
    handler.end_headers()
    start = "<html><head><title>Trang khổng lồ</title></head><body><p>".encode()
    filler = ("Nội dung lặp lại. " * 4000).encode()
    try:
        handler.wfile.write(start)
        sent = len(start)
        while sent < size:
            part = filler[: size - sent]
            handler.wfile.write(part)
            sent += len(part)
    except OSError:  # the crawler hung up: what it should do
        pass
    handler.close_connection = True


TCVN3_TITLE = b"H\xe9i ngh\xde t\xe6ng k\xd5t c\xabng t\xb8c n\xa8m"
""""Hội nghị tổng kết công tác năm" in TCVN3 (ABC), as ``iconv -t TCVN5712-1`` writes it."""
TCVN3_UPLOADER = b"Nguy\xd4n V\xa8n Qu\xb6n"
""":data:`UPLOADER` in TCVN3, so the TCVN3 page has no UTF-8 bytes left in it."""
TCVN3_BODY = (
    b"\x9ey ban nh\xa9n d\xa9n t\xd8nh t\xe6 ch\xf8c h\xe9i ngh\xde tri\xd3n khai k\xd5 ho\xb9ch"
    b" ph\xb8t tri\xd3n kinh t\xd5 - x\xb7 h\xe9i, \xae\xc8y m\xb9nh chuy\xd3n \xae\xe6i s\xe8"
    b" v\xb5 ch\xa8m lo \xae\xeai s\xe8ng nh\xa9n d\xa9n."
)
TCVN3_BODY_TEXT = (
    "Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội, "
    "đẩy mạnh chuyển đổi số và chăm lo đời sống nhân dân."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One fault: its article id, what it answers, and the listing's date for it."""

    id: int
    name: str
    answer: Callable[[FaultServer, int], Page]
    listing_date: str = "20/11/2026 08:30"


def _page(page: Page) -> Callable[[FaultServer, int], Page]:
    return lambda server, hit: page


def _article(title: str, body: str = VIETNAMESE_BODY, **kwargs: str) -> Page:
    return _html(article_html(title, body, **kwargs))


def _retry_after(status: int, seconds: str) -> Callable[[FaultServer, int], Page]:
    def answer(server: FaultServer, hit: int) -> Page:
        if hit == 1:
            return Page(
                status=status,
                headers=(("Content-Type", "text/html"), ("Retry-After", seconds)),
                body=b"<h1>busy</h1>",
            )
        return _article(f"Bài sau khi chờ {status}")

    return answer


def _redirect(location: Callable[[FaultServer], str]) -> Callable[[FaultServer, int], Page]:
    return lambda server, hit: Page(status=302, headers=(("Location", location(server)),), body=b"")


def _stream(function: Callable[[BaseHTTPRequestHandler], None]) -> Callable[..., Page]:
    return _page(Page(stream=function))


def windows_1258(text: str) -> bytes:
    """Vietnamese in windows-1258: a letter the code page lacks is written as its base letter
    (â, ơ, ư... are in it) followed by a combining tone mark, as that code page does."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            for mark in [m for m in marks if m in "\u0302\u0306\u031b"]:  # â ă ơ ...
                base = unicodedata.normalize("NFC", base + mark)
                marks.remove(mark)
            out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


CATEGORY_PATH = "/vi/tin-tuc"


def article_path(article_id: int) -> str:
    return f"{CATEGORY_PATH}/-/view_content/{article_id}-bai-{article_id}"


_BOMB = _gzip_bomb()

FAULTS: tuple[Fault, ...] = (
    Fault(id=101, name="reset_mid_body", answer=_stream(_reset_mid_body)),
    Fault(id=102, name="never_answers", answer=_stream(_never_answers)),
    Fault(id=103, name="drip", answer=_stream(_drip)),
    Fault(id=104, name="status_500", answer=_page(Page(status=500, body=b"oops"))),
    Fault(id=105, name="status_502", answer=_page(Page(status=502, body=b"bad gateway"))),
    Fault(id=106, name="status_503_retry_after", answer=_retry_after(503, "1")),
    Fault(id=107, name="status_503_retry_after_too_long", answer=_retry_after(503, "86400")),
    Fault(id=108, name="status_429_retry_after", answer=_retry_after(429, "1")),
    Fault(id=109, name="status_404", answer=_page(Page(status=404, body=b"not found"))),
    Fault(id=110, name="status_410", answer=_page(Page(status=410, body=b"gone"))),
    Fault(
        id=111,
        name="redirect_loop",
        answer=lambda server, hit: Page(
            status=302,
            headers=(
                (
                    "Location",
                    "/vi/tin-tuc/-/view_content/111-vong-lap?b=1"
                    if hit % 2
                    else "/vi/tin-tuc/-/view_content/111-vong-lap",
                ),
            ),
        ),
    ),
    Fault(
        id=112,
        name="offsite_302",
        answer=_redirect(lambda s: f"http://localhost:{s.port}/vi/tin-tuc/-/view_content/1-x"),
    ),
    Fault(
        id=113,
        name="offsite_meta_refresh",
        answer=lambda server, hit: _article(
            "Chuyển hướng",
            head=f'<meta http-equiv="refresh" content="0;url=http://localhost:{server.port}/">',
        ),
    ),
    Fault(
        id=114,
        name="javascript_refresh",
        answer=_page(
            _article(
                "Bài có làm mới bằng javascript",
                head='<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
            )
        ),
    ),
    Fault(id=115, name="empty_200", answer=_page(Page(body=b""))),
    Fault(
        id=116,
        name="maintenance",
        answer=_page(
            _html(
                "<html><head><title>Website đang bảo trì</title></head>"
                "<body><p>Website đang bảo trì, xin quay lại sau.</p></body></html>"
            )
        ),
    ),
    Fault(
        id=117,
        name="captcha",
        answer=_page(
            _html(
                "<html><head><title>Xác minh</title></head><body>"
                "<div class='g-recaptcha'></div><p>Verify you are human</p>"
                "</body></html>"
            )
        ),
    ),
    Fault(
        id=118,
        name="windows_1258_declared_utf8",
        answer=_page(
            Page(
                headers=(("Content-Type", "text/html; charset=utf-8"),),
                body=windows_1258(article_html(VIETNAMESE_TITLE, VIETNAMESE_BODY, charset="utf-8")),
            )
        ),
    ),
    Fault(
        id=119,
        name="utf8_declared_windows_1258",
        answer=_page(
            Page(
                headers=(("Content-Type", "text/html; charset=windows-1258"),),
                body=article_html(
                    "Kế hoạch " + VIETNAMESE_TITLE, VIETNAMESE_BODY, charset="windows-1258"
                ).encode(),
            )
        ),
    ),
    Fault(
        id=120,
        name="tcvn3",
        answer=_page(
            Page(
                headers=(("Content-Type", "text/html"),),
                body=article_html("TITLE", "BODY", charset=None)
                .encode()
                .replace("Ngày đăng".encode(), b"Ng\xb5y \xae\xa8ng")
                .replace(UPLOADER.encode(), TCVN3_UPLOADER)
                .replace(b">TITLE<", b">" + TCVN3_TITLE + b"<")
                .replace(b">BODY<", b">" + TCVN3_BODY + b"<"),
            )
        ),
    ),
    Fault(
        id=121,
        name="control_characters",
        answer=_page(
            _article(
                "Tiêu đề\x00 có\x07 ký tự\x1b điều khiển\ufffe",
                "Nội dung\x00 có ký tự \x08điều khiển\x7f và \x85C1\ufdd0 ở giữa. "
                + VIETNAMESE_BODY,
            )
        ),
    ),
    Fault(
        id=122,
        name="gzip_bomb",
        answer=_page(
            Page(
                headers=(
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                ),
                body=_BOMB,
            )
        ),
    ),
    Fault(
        id=123,
        name="page_50mb",
        answer=_stream(lambda h: _huge(h, size=50 << 20, announce=True)),
    ),
    Fault(
        id=124,
        name="page_50mb_unannounced",
        answer=_stream(lambda h: _huge(h, size=50 << 20, announce=False)),
    ),
    Fault(
        id=125,
        name="deep_dom",
        answer=_page(
            _article("Bài có cây DOM rất sâu", "<div>" * 20000 + VIETNAMESE_BODY + "</div>" * 20000)
        ),
    ),
    Fault(
        id=126,
        name="links_100000",
        answer=_page(
            _article(
                "Bài có một trăm nghìn liên kết",
                related="".join(f"<li><a href='/t/{i}'>{i}</a></li>" for i in range(100_000)),
            )
        ),
    ),
    Fault(
        id=134,
        name="links_300",
        answer=_page(
            _article(
                "Bài có ba trăm tin liên quan",
                related="".join(
                    f"<li><a href='{article_path(5000 + i)}'>Tin liên quan {i}</a></li>"
                    for i in range(300)
                ),
            )
        ),
    ),
    Fault(
        id=127,
        name="title_10mb",
        answer=_page(
            Page(
                headers=(
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                ),
                body=gzip.compress(article_html("Tiêu đề " * 1_000_000, VIETNAMESE_BODY).encode()),
            )
        ),
    ),
    Fault(
        id=128,
        name="title_long",
        answer=_page(_article("Tiêu đề rất dài " * 2000)),
    ),
    Fault(
        id=129,
        name="hostile_html",
        answer=_page(
            _article(
                "Bài độc hại " + HOSTILE,
                "Nội dung " + HOSTILE + VIETNAMESE_BODY,
                author="<script>alert(5)</script>Tác giả <b onclick='alert(6)'>X</b>",
            )
        ),
    ),
    Fault(
        id=130,
        name="impossible_date",
        answer=_page(_article("Bài có ngày không thể có", date="15/03/1900 | 10:00 AM")),
        listing_date="19/11/2026 09:15",
    ),
    Fault(
        id=131,
        name="future_date",
        answer=_page(_article("Bài có ngày ở tương lai", date="15/03/2099 | 10:00 AM")),
        listing_date="",
    ),
    Fault(
        id=132,
        name="zoned_date",
        answer=_page(
            _article(
                "Bài có múi giờ riêng",
                date="2024-03-15T10:00:00+09:00",
                head='<meta property="article:published_time" content="2024-03-15T10:00:00+09:00">',
            )
        ),
    ),
    Fault(
        id=133,
        name="encoding_broken",
        answer=_page(
            Page(
                headers=(("Content-Type", "text/html; charset=utf-8"),),
                body=article_html("Bài hỏng mã", "x")
                .encode()
                .replace(b"<p>x</p>", b"<p>" + bytes(range(0x80, 0x100)) * 20 + b"</p>"),
            )
        ),
    ),
    Fault(id=140, name="unreadable_redirect", answer=_redirect(lambda s: "http://[x/tin")),
)

FAULTS_BY_ID = {f.id: f for f in FAULTS}


def listing_html() -> str:
    items = [(i, title, "20/11/2026 08:30") for i, title in GOOD.items()]
    items += [(f.id, f"Tin {f.name}", f.listing_date) for f in FAULTS]
    rows = "".join(
        f"<div class='asset-abstract'><h3 class='asset-title'><a href='{article_path(i)}'>"
        f"{title}</a></h3><div class='assetPublishDate'>{date}</div></div>"
        for i, title, date in items
    )
    return (
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Tin tức</title></head>"
        f"<body><div class='portlet-asset-publisher' id='p_p_id_101_'>{rows}</div></body></html>"
    )


class FaultServer(ThreadingHTTPServer):
    """The server; ``hits`` counts requests per path, ``hosts`` the Host headers seen."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads ``hits``."""

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits[self.path] += 1
            self.server.hosts[(self.headers.get("Host") or "").split(":")[0]] += 1
            self.server.times.setdefault(self.path, []).append(time.monotonic())
            hit = self.server.hits[self.path]
        page = self._answer(hit)
        if page.stream is not None:
            page.stream(self)
            return
        self.send_response(page.status)
        for name, value in page.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        try:
            self.wfile.write(page.body)
        except OSError:  # the crawler hung up (a body over its bound)
            self.close_connection = True

    def _answer(self, hit: int) -> Page:
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            return Page(headers=(("Content-Type", "text/plain"),), body=b"User-agent: *\n")
        if path == CATEGORY_PATH:
            return _html(listing_html())
        if path.startswith(f"{CATEGORY_PATH}/-/view_content/"):
            article_id = int(path.rsplit("/", 1)[1].split("-", 1)[0])
            if article_id in GOOD:
                return _article(GOOD[article_id])
            fault = FAULTS_BY_ID.get(article_id)
            if fault is not None:
                return fault.answer(self.server, hit)
        return Page(status=404, body=b"not found")


@contextmanager
def serve_faults() -> Iterator[FaultServer]:
    """The fault site on 127.0.0.1 (a free port) while the block runs."""
    with serving(FaultServer()) as server:
        yield server


_S = TypeVar("_S", bound=ThreadingHTTPServer)


@contextmanager
def serving(server: _S) -> Iterator[_S]:
    """``server`` answering in a thread while the block runs; its ``stopping`` event (if it
    has one) set first, so handlers that stall on purpose let go, then shut down."""
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stopping = getattr(server, "stopping", None)
        if stopping is not None:
            stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
