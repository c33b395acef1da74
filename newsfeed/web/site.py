"""``feeds/index.html``: the page for people, beside the feeds.

Every province (portal) and category with subscribe links in each format, when it last had
news, the portal's health from the latest crawl report that covered it, the topic feeds across
provinces, ``<link rel="alternate">`` autodiscovery and a link to ``index.opml``. Labels are
Vietnamese with English beside them.

One self-contained file: inline CSS, no script, no web font, no external resource, so it works
from ``file://``, behind any proxy and offline. Links to feeds are relative, so the page works
wherever the folder is published. Like the feeds, the page is a pure function of its data (no
build time in it) and is written atomically, so its bytes change only when what it shows does.

The link to ``status.html`` (the crawl status page) is written only when that file exists in
the feeds folder when the page is built.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsfeed.extraction.text import fold
from newsfeed.feeds.build import topic_anchor
from newsfeed.feeds.render import (
    FORMATS,
    FeedSpec,
    feed_file,
    latest_news,
)
from newsfeed.feeds.watch import watch_anchor
from newsfeed.files import atomic_write
from newsfeed.portals import Portal
from newsfeed.portals.topics import topic_label
from newsfeed.timezone import LOCAL_TZ

INDEX = "index.html"
STATUS_PAGE = "status.html"
OPML = "index.opml"

FORMAT_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON"}
FORMAT_TITLES = {"rss": "RSS 2.0", "atom": "Atom 1.0", "json": "JSON Feed 1.1"}

HEALTH_LABELS = {
    "ok": ("Hoạt động tốt", "OK"),
    "warning": ("Cảnh báo", "Warning"),
    "critical": ("Lỗi nghiêm trọng", "Critical"),
}
NO_HEALTH = ("Chưa có báo cáo", "No crawl report")
PUBLIC_HEALTH = {
    "warning": "Có trục trặc nhỏ khi lấy tin từ cổng này; tin vẫn được cập nhật.",
    "critical": (
        "Đang gặp sự cố khi lấy tin từ cổng này: có thể thiếu bài mới cho đến khi được khắc phục."
    ),
}
"""What a portal's health means to a reader of its feeds, per status (none when it is ok)."""


@dataclass(frozen=True, slots=True)
class _Feed:
    spec: FeedSpec
    latest: datetime | None
    count: int


def write_site(
    feeds_dir: Path,
    *,
    portals: Sequence[Portal],
    specs: Sequence[FeedSpec],
    health: Mapping[str, Mapping[str, Any]],
    limit: int = 50,
    summaries: Mapping[str, tuple[datetime | None, int]] | None = None,
    write: Callable[[str, bytes], Path] | None = None,
) -> Path:
    """Write ``index.html`` into ``feeds_dir`` (atomically; untouched when unchanged).

    ``summaries``, ``write``: as a build gives them (see :func:`render_index`;
    ``FeedWriter.write_page``).
    """
    page = render_index(
        portals=portals,
        specs=specs,
        health=health,
        limit=limit,
        status_page=(feeds_dir / STATUS_PAGE).is_file(),
        summaries=summaries,
    )
    if write is not None:
        return write(INDEX, page)
    path = feeds_dir / INDEX
    atomic_write(path, page)
    return path


def render_index(
    *,
    portals: Sequence[Portal],
    specs: Sequence[FeedSpec],
    health: Mapping[str, Mapping[str, Any]],
    limit: int = 50,
    status_page: bool = False,
    summaries: Mapping[str, tuple[datetime | None, int]] | None = None,
) -> bytes:
    """The index page: ``specs`` as ``build.feed_specs`` makes them, ``health`` per portal key
    (its entry in the latest crawl report, with the report's ``finished``).

    ``summaries``: per feed path, its newest news and item count, when ``specs`` come without
    their entries (a build keeps only that of each feed it wrote)."""
    if summaries is not None:
        feeds = {spec.path: _Feed(spec, *summaries[spec.path]) for spec in specs}
    else:
        feeds = {
            spec.path: _Feed(spec, latest_news(spec.entries), min(_unique(spec), limit))
            for spec in specs
        }
    topics = [f for f in feeds.values() if f.spec.portal is None and f.spec.topic]
    watches = [f for f in feeds.values() if f.spec.watch]
    ordered = grouped(portals)
    newest = max((f.latest for f in feeds.values() if f.latest), default=None)
    checked = max((str(h.get("finished") or "") for h in health.values()), default="")

    out: list[str] = []
    add = out.append
    add('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    add('<meta name="color-scheme" content="light dark">\n')
    add("<title>Tin từ cổng thông tin các tỉnh, thành phố – newsfeed</title>\n")
    add(
        '<meta name="description" content="Nguồn tin RSS, Atom và JSON Feed từ cổng thông tin'
        " điện tử các tỉnh, thành phố Việt Nam. RSS, Atom and JSON feeds of Vietnam's"
        ' provincial government portals.">\n'
    )
    add(_autodiscovery(feeds.values(), ordered))
    add(f"<style>{_CSS}</style>\n</head>\n<body>\n")
    add('<a class="skip" href="#tinh">Tới danh sách tỉnh, thành phố · Skip to provinces</a>\n')

    # -- header
    add('<header class="top"><div class="wrap">\n')
    add('<p class="brand">newsfeed</p>\n')
    add("<h1>Tin từ cổng thông tin điện tử các tỉnh, thành phố</h1>\n")
    add('<p class="sub" lang="en">News feeds from Vietnam\'s provincial government portals</p>\n')
    add(
        '<p class="lead">Theo dõi tin tức, chỉ đạo điều hành và thông báo của chính quyền'
        " các tỉnh, thành phố bằng bất kỳ trình đọc tin nào: chọn RSS, Atom hoặc JSON rồi dán"
        " địa chỉ vào trình đọc.</p>\n"
    )
    add(
        '<p class="lead en" lang="en">Follow provincial news, directives and announcements in'
        " any feed reader: pick a format and paste its address into your reader.</p>\n"
    )
    add('<nav class="actions" aria-label="Tải về · Downloads">')
    add(
        f'<a class="btn primary" href="{OPML}" type="text/x-opml">Tải danh sách OPML'
        ' <span lang="en">Import all (OPML)</span></a>'
    )
    if status_page:
        add(
            f'<a class="btn" href="{STATUS_PAGE}">Tình trạng thu thập'
            ' <span lang="en">Crawl status</span></a>'
        )
    add("</nav>\n")
    add('<dl class="stats">')
    with_news = {f.spec.portal for f in feeds.values() if f.spec.portal}
    yielded = sum(1 for portal in ordered if portal.key in with_news)
    add(_stat("Cổng có tin", "Portals with news", f"{yielded}/{len(ordered)}"))
    add(_stat("Nguồn tin", "Feeds", str(len(feeds))))
    add(_stat("Tin mới nhất", "Latest news", _time(newest) if newest else "–"))
    add("</dl>\n</div></header>\n")

    add('<main class="wrap">\n')
    # -- watches: the subjects this installation follows
    if watches:
        add('<section aria-labelledby="h-watches">\n')
        add('<h2 id="h-watches">Theo dõi <span lang="en">Watchlists</span></h2>\n')
        add(
            '<p class="hint">Mọi tin nhắc tới một tên hay một chủ đề, từ mọi cổng thông tin;'
            " đoạn văn khớp được đánh dấu."
            ' <span lang="en">Every article that mentions a name or subject, across portals;'
            " the matching passage is marked.</span></p>\n"
        )
        add('<ul class="topics">\n')
        for feed in watches:
            add(_watch_card(feed))
        add("</ul>\n</section>\n")
    # -- topics
    if topics:
        add('<section aria-labelledby="h-topics">\n')
        add('<h2 id="h-topics">Theo chủ đề <span lang="en">By topic</span></h2>\n')
        add(
            '<p class="hint">Tin cùng chủ đề từ mọi tỉnh, thành phố trong một nguồn tin.'
            ' <span lang="en">One feed per topic, across every province.</span></p>\n'
        )
        add('<ul class="topics">\n')
        for feed in topics:
            add(_topic_card(feed, feeds))
        add("</ul>\n</section>\n")

    # -- portals
    add('<section id="tinh" aria-labelledby="h-portals">\n')
    add('<h2 id="h-portals">Theo tỉnh, thành phố <span lang="en">By province</span></h2>\n')
    names = {p.key: p.name for p in ordered}
    for portal in ordered:
        add(
            _portal_card(
                portal, feeds, health.get(portal.key), parent=names.get(portal.parent or "")
            )
        )
    add("</section>\n</main>\n")

    # -- footer
    add('<footer class="wrap">\n<p>')
    add(
        "Mỗi tin có cùng mã (id) trong mọi nguồn tin và định dạng, nên trình đọc không báo"
        ' trùng. <span lang="en">An article has the same id in every feed and format, so'
        " readers never show it twice.</span>"
    )
    if checked:
        add(f' Lần thu thập gần nhất <span lang="en">Last crawl</span>: {_time_text(checked)}.')
    add(f'</p>\n<p><a href="{OPML}">{OPML}</a> · tạo bởi newsfeed · made by newsfeed</p>\n')
    add("</footer>\n</body>\n</html>\n")
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------- parts


def _autodiscovery(feeds: Iterable[_Feed], portals: Sequence[Portal]) -> str:
    """``<link rel="alternate">`` for every feed: portal and topic feeds in each format first
    (readers offer the first ones), then the category feeds in RSS, as ``index.opml`` lists."""
    feeds = list(feeds)
    order = {p.key: i for i, p in enumerate(portals)}
    whole = [f for f in feeds if f.spec.category is None]
    whole.sort(key=lambda f: (f.spec.portal is None, order.get(f.spec.portal or "", 0)))
    parts = [_alternate(f.spec, fmt) for f in whole for fmt in FORMATS]
    parts += [_alternate(f.spec, "rss") for f in feeds if f.spec.category is not None]
    return "".join(parts)


def _alternate(spec: FeedSpec, fmt: str) -> str:
    title = f"{spec.title} ({FORMAT_LABELS[fmt]})"
    return (
        f'<link rel="alternate" type="{FORMATS[fmt][1]}" title="{_e(title)}"'
        f' href="{_e(feed_file(spec.path, fmt))}">\n'
    )


def _stat(vi: str, en: str, value: str) -> str:
    return f'<div><dt>{vi} <span lang="en">{en}</span></dt><dd>{value}</dd></div>'


def _topic_card(feed: _Feed, feeds: Mapping[str, _Feed]) -> str:
    topic = feed.spec.topic or ""
    vi, en = topic_label(topic)
    portals = {f.spec.portal for f in feeds.values() if f.spec.topic == topic and f.spec.portal}
    return (
        f'<li class="card" id="{_e(topic_anchor(topic))}">'
        f'<h3>{_e(vi)} <span lang="en">{_e(en)}</span></h3>'
        f'<p class="meta">{len(portals)} cổng · {feed.count} tin · '
        f"{_latest(feed.latest)}</p>"
        f"{_subscribe(feed.spec)}</li>\n"
    )


def _watch_card(feed: _Feed) -> str:
    return (
        f'<li class="card" id="{_e(watch_anchor(feed.spec.watch or ""))}">'
        f"<h3>{_e(feed.spec.title)}</h3>"
        f'<p class="meta">{_e(feed.spec.description)}</p>'
        f'<p class="meta">{feed.count} tin · {_latest(feed.latest)}</p>'
        f"{_subscribe(feed.spec)}</li>\n"
    )


def grouped(portals: Iterable[Portal]) -> list[Portal]:
    """Portals by province and name, each followed by the sites below it (its children: a
    commune's site after its province's portal); a child whose parent is not listed stands
    in its province's place."""
    everything = list(portals)
    keys = {p.key for p in everything}

    def order(p: Portal) -> tuple[str, str, str]:
        return (fold(p.province), fold(p.name), p.key)

    children: dict[str, list[Portal]] = {}
    top: list[Portal] = []
    for portal in everything:
        if portal.parent in keys and portal.parent != portal.key:
            children.setdefault(str(portal.parent), []).append(portal)
        else:
            top.append(portal)
    out: list[Portal] = []

    def place(portal: Portal, depth: int) -> None:
        out.append(portal)
        if depth < 3:  # a parent chain deeper than province > commune > office is a loop
            for child in sorted(children.get(portal.key, ()), key=order):
                place(child, depth + 1)

    for portal in sorted(top, key=order):
        place(portal, 0)
    return out


def _portal_card(
    portal: Portal,
    feeds: Mapping[str, _Feed],
    health: Mapping[str, Any] | None,
    *,
    parent: str | None = None,
) -> str:
    status = str(health.get("status")) if health else ""
    vi, en = HEALTH_LABELS.get(status, NO_HEALTH)
    css = status if status in HEALTH_LABELS else "unknown"
    css_class = "portal child" if parent else "portal"
    out = [f'<article class="{css_class}" id="portal-{_e(portal.key)}">\n']
    out.append('<div class="portal-head"><div>')
    out.append(f"<h3>{_e(portal.name)}</h3>")
    home = portal.base_url.split("://", 1)[-1]
    out.append(
        f'<p class="province">{_e(portal.province)} · '
        f'<a href="{_e(portal.base_url)}">{_e(home)}</a></p>'
    )
    if parent and portal.parent:
        out.append(
            f'<p class="parent">Trực thuộc <span lang="en">Under</span>: '
            f'<a href="#portal-{_e(portal.parent)}">{_e(parent)}</a></p>'
        )
    out.append("</div>")
    out.append(
        f'<p class="badge {css}"><span class="dot" aria-hidden="true"></span>'
        f'<span class="vh">Tình trạng · Health: </span>{_e(vi)} <span lang="en">{_e(en)}</span>'
        "</p></div>\n"
    )
    checks = [c for c in (health or {}).get("checks") or () if isinstance(c, Mapping)]
    if checks or health:
        out.append('<div class="health">')
        if health and health.get("finished"):
            out.append(
                f'<p class="meta">Kiểm tra lúc <span lang="en">Checked</span>: '
                f"{_time_text(str(health['finished']))}</p>"
            )
        if public := PUBLIC_HEALTH.get(status):
            # For the public: what it means to a reader. The checks' messages are advice for
            # the operator (in English); they are in status.html, the report and ``check``.
            out.append(f'<p class="{_e(status)} note">{_e(public)}</p>')
        out.append("</div>\n")

    whole = feeds.get(f"{portal.key}/all")
    rows = [(category, feeds.get(f"{portal.key}/{category.key}")) for category in portal.categories]
    if whole is None and not any(feed for _, feed in rows):
        # Never yielded an article: no subscribe link, and no promise beyond what the profile
        # rests on (verified pages, public evidence, or nothing yet).
        vi_status, en_status = PROFILE_STATUS_LABELS[portal.status]
        out.append(
            '<p class="empty">Chưa có tin nào: chưa có nguồn tin cho cổng này.'
            ' <span lang="en">No news yet: no feed for this portal.</span></p>\n'
            f'<p class="meta profile-{_e(portal.status)}">Cấu hình <span lang="en">Profile</span>:'
            f' {_e(vi_status)} <span lang="en">{_e(en_status)}</span></p>\n'
        )
        out.append("</article>\n")
        return "".join(out)
    out.append('<ul class="feeds">\n')
    if whole is not None:
        out.append(
            '<li class="all"><div class="name"><strong>Tất cả chuyên mục</strong>'
            ' <span lang="en">All categories</span></div>'
            f'<div class="meta">{whole.count} tin · {_latest(whole.latest)}</div>'
            f"{_subscribe(whole.spec)}</li>\n"
        )
    for category, feed in rows:
        topic = ""
        tvi, ten = topic_label(category.topic) if category.topic else ("", "")
        # The topic tag says what kind of news a category is, unless its name already does.
        if category.topic and _words(tvi) != _words(category.name):
            topic = (
                f' <a class="tag" href="#{_e(topic_anchor(category.topic))}"'
                f' title="{_e(ten)}">{_e(tvi)}</a>'
            )
        name = f'<a href="{_e(category.url or portal.base_url)}">{_e(category.name)}</a>{topic}'
        if feed is None:
            out.append(
                f'<li class="none"><div class="name">{name}</div>'
                '<div class="meta">Chưa có tin <span lang="en">No news yet</span></div></li>\n'
            )
            continue
        out.append(
            f'<li><div class="name">{name}</div>'
            f'<div class="meta">{feed.count} tin · {_latest(feed.latest)}</div>'
            f"{_subscribe(feed.spec)}</li>\n"
        )
    out.append("</ul>\n</article>\n")
    return "".join(out)


PROFILE_STATUS_LABELS = {
    "verified": ("đã kiểm tra trên trang đã lưu của cổng", "checked against saved pages"),
    "evidence": ("dựa trên bằng chứng công khai, chưa kiểm tra", "from public evidence, unchecked"),
    "unknown": ("chưa được kiểm chứng", "not yet confirmed"),
}
"""How much a portal's profile rests on (:attr:`newsfeed.portals.Portal.status`)."""


def _subscribe(spec: FeedSpec) -> str:
    links = "".join(
        f'<a class="fmt {fmt}" href="{_e(feed_file(spec.path, fmt))}" type="{FORMATS[fmt][1]}"'
        f' title="{FORMAT_TITLES[fmt]}">{FORMAT_LABELS[fmt]}'
        f'<span class="vh"> – {_e(spec.title)}</span></a>'
        for fmt in FORMATS
    )
    return f'<p class="subs"><span class="vh">Đăng ký · Subscribe: </span>{links}</p>'


def _latest(value: datetime | None) -> str:
    if value is None:
        return 'chưa có tin <span lang="en">no news yet</span>'
    return f"mới nhất {_time(value)}"


def _time(value: datetime) -> str:
    local = value.astimezone(LOCAL_TZ)
    return f'<time datetime="{local.isoformat()}">{local:%d/%m/%Y %H:%M}</time>'


def _time_text(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return _e(value)
    if parsed.tzinfo is None:
        return _e(value)
    return _time(parsed.replace(microsecond=0))


def _unique(spec: FeedSpec) -> int:
    return len({entry.article.guid for entry in spec.entries})


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def _e(value: str) -> str:
    return html.escape(value, quote=True)


# Colours: every text / background pair is at least WCAG AA (4.5:1), in both schemes.
_CSS = """
:root{--bg:#f5f4f0;--card:#ffffff;--text:#1d2125;--muted:#4f5862;--line:#dedbd3;
--brand:#9b1c1f;--brand-text:#ffffff;--rss:#a4420a;--atom:#1e4fbf;--json:#0b6b4c;
--ok-bg:#e3f6e8;--ok:#155d2b;--warn-bg:#fdf1d3;--warn:#744203;--crit-bg:#fde4e2;
--crit:#8a1c17;--unk-bg:#eceae5;--unk:#47505a;--focus:#1e4fbf}
@media (prefers-color-scheme:dark){:root{--bg:#131517;--card:#1d2023;--text:#e8e6e3;
--muted:#aab2ba;--line:#33383d;--brand:#6e1416;--rss:#ffad70;--atom:#9dbdff;--json:#72dcb3;
--ok-bg:#163823;--ok:#a6e9bc;--warn-bg:#3d2e0c;--warn:#f6d58a;--crit-bg:#45181a;
--crit:#ffb7b0;--unk-bg:#2a2e32;--unk:#c5ccd3;--focus:#9dbdff}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.5;
font:16px/1.5 "Noto Sans","Segoe UI",Roboto,"Helvetica Neue",Arial,system-ui,sans-serif}
a{color:inherit}
a:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:4px}
.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem}
.skip:focus{left:1rem;z-index:1}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
.top{background:var(--brand);color:var(--brand-text);padding:1.5rem 0 1.75rem}
.brand{margin:0;font-weight:700;letter-spacing:.08em;text-transform:uppercase;font-size:.8rem;
opacity:.9}
h1{font-size:clamp(1.5rem,4.5vw,2.25rem);line-height:1.2;margin:.35rem 0 .25rem}
.sub{margin:0 0 .75rem;font-size:1.05rem;opacity:.92}
.lead{max-width:48rem;margin:0 0 .5rem}
.lead.en{font-size:.92rem;opacity:.92;margin-bottom:1rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1.25rem}
.btn{display:inline-block;padding:.55rem .9rem;border-radius:.5rem;text-decoration:none;
border:1px solid rgba(255,255,255,.75);font-weight:600}
.btn span{font-weight:400;opacity:.9}
.btn.primary{background:#fff;color:#7c1619;border-color:#fff}
.btn:hover{background:rgba(255,255,255,.15)}
.btn.primary:hover{background:#fbe9e9}
.stats{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin:0}
.stats dt{font-size:.8rem;opacity:.9}
.stats dt span{opacity:.85}
.stats dd{margin:0;font-size:1.15rem;font-weight:700}
main{padding-top:.5rem}
h2{font-size:1.35rem;margin:1.75rem 0 .25rem}
h2 span,h3 span{font-weight:400;color:var(--muted);font-size:.85em}
.hint{margin:0 0 1rem;color:var(--muted)}
.topics{list-style:none;margin:0;padding:0;display:grid;gap:.75rem;
grid-template-columns:repeat(auto-fill,minmax(15rem,1fr))}
.card,.portal{background:var(--card);border:1px solid var(--line);border-radius:.75rem}
.card{padding:1rem}
.card h3{margin:0 0 .25rem;font-size:1.05rem}
.card h3 span{display:block}
.meta{margin:0;color:var(--muted);font-size:.9rem}
.subs{margin:.6rem 0 0;display:flex;flex-wrap:wrap;gap:.4rem}
.fmt{display:inline-block;min-width:3.6rem;text-align:center;padding:.3rem .6rem;
border:1.5px solid currentColor;border-radius:999px;text-decoration:none;font-weight:700;
font-size:.85rem;line-height:1.2}
.fmt.rss{color:var(--rss)}.fmt.atom{color:var(--atom)}.fmt.json{color:var(--json)}
.fmt:hover{background:currentColor}
.fmt.rss:hover,.fmt.atom:hover,.fmt.json:hover{color:var(--card)}
.fmt.rss:hover{background:var(--rss)}.fmt.atom:hover{background:var(--atom)}
.fmt.json:hover{background:var(--json)}
.portal{margin:0 0 1rem;overflow:hidden}
.portal-head{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-start;
gap:.5rem 1rem;padding:1rem 1rem .5rem}
.portal h3{margin:0;font-size:1.15rem;line-height:1.3}
.province{margin:.1rem 0 0;color:var(--muted);font-size:.9rem}
.portal.child{margin-left:1.5rem}.parent{margin:.1rem 0 0;font-size:.9rem}
.badge{margin:0;display:inline-flex;align-items:center;gap:.4rem;padding:.25rem .7rem;
border-radius:999px;font-size:.85rem;font-weight:600;white-space:nowrap}
.badge span[lang]{font-weight:400}
.dot{width:.6rem;height:.6rem;border-radius:50%;background:currentColor}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.warning{background:var(--warn-bg);color:var(--warn)}
.badge.critical{background:var(--crit-bg);color:var(--crit)}
.badge.unknown{background:var(--unk-bg);color:var(--unk)}
.health{padding:0 1rem .5rem}
.checks{margin:.35rem 0 0;padding:0;list-style:none;font-size:.9rem}
.checks li{padding:.3rem .6rem;border-left:3px solid var(--unk);margin:0 0 .25rem;
background:var(--unk-bg);border-radius:0 .35rem .35rem 0}
.checks li.warning{border-color:var(--warn);background:var(--warn-bg);color:var(--warn)}
.checks li.critical{border-color:var(--crit);background:var(--crit-bg);color:var(--crit)}
.checks li.ok{border-color:var(--ok);background:var(--ok-bg);color:var(--ok)}
.feeds{list-style:none;margin:0;padding:0;border-top:1px solid var(--line)}
.feeds li{display:grid;grid-template-columns:minmax(0,1fr) auto auto;align-items:center;
gap:.25rem 1.25rem;padding:.7rem 1rem;border-bottom:1px solid var(--line)}
.feeds li:last-child{border-bottom:0}
.feeds li.all{background:color-mix(in srgb,var(--brand) 6%,var(--card))}
.feeds .name a{font-weight:600;text-decoration-thickness:1px;text-underline-offset:2px}
.feeds .subs{margin:0}
.tag{display:inline-block;margin-left:.35rem;padding:.05rem .5rem;border-radius:999px;
background:var(--unk-bg);color:var(--unk);font-size:.78rem;font-weight:400;
text-decoration:none;vertical-align:.1em}
.empty{padding:0 1rem 1rem;margin:0;color:var(--muted)}
footer{padding:1.5rem 1rem 2.5rem;color:var(--muted);font-size:.9rem}
footer p{margin:.25rem 0}
@media (max-width:40rem){
.feeds li{grid-template-columns:1fr;gap:.3rem}
.portal-head{flex-direction:column}
.stats{gap:.5rem 1.25rem}
.fmt{padding:.45rem .8rem}
}
"""
