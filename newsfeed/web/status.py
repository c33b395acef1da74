"""``feeds/status.html``: how every portal is doing, for people (the monitors read the report).

Per portal: articles per day over the last 8 weeks as an inline SVG bar chart (rest days
shaded), the last successful run, the newest article, and the current checks with what to do.
One self-contained file: inline CSS, no JavaScript, nothing fetched from anywhere; Vietnamese
labels first, English after.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from newsfeed.extraction.dates import parse_iso_date
from newsfeed.files import atomic_write
from newsfeed.monitor.checks import (
    CRITICAL,
    OK,
    STATUS_ORDER,
    WARNING,
    is_rest_day,
    unreachable_from_here,
)
from newsfeed.monitor.state import current_view
from newsfeed.portals import Portal, Registry
from newsfeed.store.db import Store
from newsfeed.timezone import LOCAL_TZ

DAYS = 56
"""The chart's span: eight weeks, ending today (portal local date)."""
FILE_NAME = "status.html"

_STATUS_LABELS = {
    OK: ("Bình thường", "OK"),
    WARNING: ("Cảnh báo", "Warning"),
    CRITICAL: ("Nghiêm trọng", "Critical"),
    "unknown": ("Chưa thu thập", "Not crawled yet"),
}


def daily_counts(store: Store, portal: str, days: Sequence[date]) -> dict[date, int]:
    """Articles per local day (by published date, else first seen) over ``days``."""
    rows = store.dates_since(portal, datetime.combine(days[0], time(0), tzinfo=LOCAL_TZ))
    counts: Counter[date] = Counter()
    wanted = set(days)
    for published, first_seen in rows:
        parsed = parse_iso_date(published)
        when = parsed.value if parsed else datetime.fromisoformat(first_seen)
        day = when.astimezone(LOCAL_TZ).date()
        if day in wanted:
            counts[day] += 1
    return {d: counts.get(d, 0) for d in days}


def bar_chart(counts: Mapping[date, int], *, label: str) -> str:
    """An inline SVG bar chart of ``counts`` (oldest first); rest days shaded; a tooltip each."""
    bar, height = 10, 60
    peak = max([1, *counts.values()])
    parts = [
        f'<svg class="chart" viewBox="0 0 {len(counts) * bar} {height + 2}" '
        f'preserveAspectRatio="none" role="img" aria-label="{html.escape(label)}">'
    ]
    for i, (day, count) in enumerate(counts.items()):
        x = i * bar
        tip = f"{day:%d/%m/%Y}: {count} bài / articles"
        if is_rest_day(day):
            parts.append(f'<rect class="rest" x="{x}" y="0" width="{bar}" height="{height}"/>')
        h = max(round(count / peak * (height - 4)), 1 if count else 0)
        parts.append(
            f"<g><title>{html.escape(tip)}</title>"
            f'<rect class="hit" x="{x}" y="0" width="{bar}" height="{height}"/>'
            + (
                f'<rect class="bar" x="{x + 1}" y="{height - h}" width="{bar - 2}" height="{h}"/>'
                if h
                else ""
            )
            + "</g>"
        )
    parts.append(
        f'<line class="axis" x1="0" y1="{height + 1}" x2="{len(counts) * bar}" '
        f'y2="{height + 1}"/></svg>'
    )
    return "".join(parts)


def _when(value: str | None) -> str:
    if not value:
        return "—"
    parsed = parse_iso_date(value)
    if parsed is None:
        return html.escape(value)
    local = parsed.value.astimezone(LOCAL_TZ)
    return f"{local:%d/%m/%Y} <small>{local:%H:%M}</small>"


def _badge(status: str) -> str:
    vi, en = _STATUS_LABELS.get(status, _STATUS_LABELS["unknown"])
    return f'<span class="badge {html.escape(status)}">{vi} · {en}</span>'


def portal_card(
    portal: Portal,
    entry: Mapping[str, Any] | None,
    counts: Mapping[date, int],
) -> str:
    """One portal's section of the page."""
    status = str(entry.get("status", OK)) if entry else "unknown"
    days = list(counts)
    total = sum(counts.values())
    peak = max(counts.values(), default=0)
    checks = entry.get("checks", []) if entry else []
    if checks:
        items = "".join(
            f'<li class="{html.escape(c["status"])}"><b>{html.escape(c["name"])}</b> '
            f"{html.escape(c['message'])}</li>"
            for c in sorted(checks, key=lambda c: -STATUS_ORDER.get(c["status"], 2))
        )
        check_html = f'<ul class="checks">{items}</ul>'
    elif entry:
        check_html = '<p class="allgood">Không có vấn đề · All checks passed</p>'
    else:
        check_html = '<p class="nodata">Chưa có báo cáo · No report yet</p>'
    chart_label = (
        f"Bài viết mỗi ngày từ {days[0]:%d/%m} đến {days[-1]:%d/%m}: {total} bài"
        f" · Articles per day: {total}"
    )
    return f"""<section class="portal {html.escape(status)}" id="{html.escape(portal.key)}">
<header><h2>{html.escape(portal.name)}</h2>{_badge(status)}</header>
<p class="meta"><a href="{html.escape(portal.base_url)}">{html.escape(portal.base_url)}</a>
· <code>{html.escape(portal.key)}</code></p>
<dl>
<div><dt>Thu thập lúc <span>Crawled</span></dt>
<dd>{_when(entry.get("finished") if entry else None)}</dd></div>
<div><dt>Lần thành công cuối <span>Last success</span></dt>
<dd>{_when(entry.get("last_success") if entry else None)}</dd></div>
<div><dt>Bài mới nhất <span>Newest article</span></dt>
<dd>{_when(entry.get("newest_published") if entry else None)}</dd></div>
<div><dt>Bài mới lần cuối <span>New, latest crawl</span></dt>
<dd>{int(entry.get("articles_new", 0)) if entry else "—"}</dd></div>
</dl>
<figure>
<p class="figtitle">Bài viết mỗi ngày, 8 tuần <span>· Articles per day, 8 weeks</span></p>
{bar_chart(counts, label=chart_label)}
<figcaption><span>{days[0]:%d/%m}</span>
<span>{total} bài / articles · tối đa / max {peak}</span>
<span>{days[-1]:%d/%m}</span></figcaption>
</figure>
{check_html}
</section>"""


_CSS = """
:root { color-scheme: light; --ok: #1a7f37; --warning: #9a6700; --critical: #cf222e;
  --muted: #57606a; --line: #d0d7de; --bar: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", sans-serif; color: #1f2328; background: #f6f8fa; }
body > header, main, body > footer { max-width: 80rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h1 span, dt span { color: var(--muted); font-weight: normal; }
.summary { margin: .25rem 0; color: var(--muted); }
.summary b { color: #1f2328; }
.machine { margin: .5rem 0 0; padding: .5rem .75rem; background: #fff;
  border: 1px solid var(--line); border-left: 4px solid var(--critical); border-radius: 6px; }
main { display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 24rem), 1fr)); }
.portal { background: #fff; border: 1px solid var(--line); border-top-width: 4px;
  border-radius: 6px; padding: .75rem 1rem 1rem; min-width: 0; }
.portal.ok { border-top-color: var(--ok); }
.portal.warning { border-top-color: var(--warning); }
.portal.critical { border-top-color: var(--critical); }
.portal header { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: baseline;
  justify-content: space-between; }
h2 { font-size: 1.1rem; margin: 0; }
.meta { margin: .25rem 0 .5rem; font-size: .85rem; color: var(--muted);
  overflow-wrap: anywhere; }
.meta a { color: inherit; }
.badge { font-size: .8rem; font-weight: 600; padding: .1rem .5rem; border-radius: 1rem;
  color: #fff; background: var(--muted); white-space: nowrap; }
.badge.ok { background: var(--ok); }
.badge.warning { background: var(--warning); }
.badge.critical { background: var(--critical); }
dl { display: grid; grid-template-columns: repeat(4, 1fr); gap: .5rem; margin: 0 0 .75rem; }
dt { font-size: .75rem; color: var(--muted); }
dt span { display: block; font-size: .7rem; }
dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
dd small { font-weight: normal; white-space: nowrap; }
figure { margin: 0; }
.figtitle { margin: 0 0 .25rem; font-size: .75rem; color: var(--muted); }
.figtitle span { font-size: .7rem; }
.chart { display: block; width: 100%; height: 4.5rem; }
.chart .bar { fill: var(--bar); }
.chart .rest { fill: #eaeef2; }
.chart .hit { fill: transparent; }
.chart g:hover .bar { fill: #0550ae; }
.chart .axis { stroke: var(--line); stroke-width: 1; vector-effect: non-scaling-stroke; }
figcaption { display: flex; justify-content: space-between; gap: .5rem; font-size: .75rem;
  color: var(--muted); margin-top: .15rem; }
figcaption span:nth-child(2) { text-align: center; }
.checks { list-style: none; padding: 0; margin: .75rem 0 0; }
.checks li { border-left: 3px solid var(--muted); padding: .25rem .5rem; margin-top: .4rem;
  background: #f6f8fa; overflow-wrap: anywhere; font-size: .9rem; }
.checks li.warning { border-color: var(--warning); }
.checks li.critical { border-color: var(--critical); }
.checks b { display: block; font-size: .8rem; }
.allgood, .nodata { color: var(--ok); margin: .75rem 0 0; font-size: .9rem; }
.nodata { color: var(--muted); }
body > footer { color: var(--muted); font-size: .8rem; }
@media (max-width: 30rem) { dl { grid-template-columns: 1fr 1fr; } h1 { font-size: 1.25rem; } }
"""


def render_status_page(
    portals: Sequence[tuple[Portal, Mapping[str, Any] | None, Mapping[date, int]]],
    report: Mapping[str, Any] | None,
    *,
    now: datetime,
) -> str:
    """The whole page from its data (pure). ``now`` only places the chart's last day: the
    bytes change when the data or the day does, not at every build."""
    order = {CRITICAL: 0, WARNING: 1, OK: 2}
    cards = sorted(
        portals, key=lambda p: (order.get(p[1].get("status", OK) if p[1] else "", 3), p[0].key)
    )
    if report:
        status = str(report.get("status", OK))
        summary = (
            f"Lần thu thập gần nhất · Newest crawl: <b>{_when(report.get('finished'))}</b> "
            f"{_badge(status)}"
        )
    else:
        summary = "Chưa có lần thu thập nào · No crawl yet"
    counts = Counter(str(e.get("status", OK)) if e else "unknown" for _, e, _ in portals)
    tally = " · ".join(
        f"{n} {_STATUS_LABELS[s][0].lower()} / {_STATUS_LABELS[s][1].lower()}"
        for s, n in sorted(counts.items(), key=lambda kv: order.get(kv[0], 3))
    )
    body = "\n".join(portal_card(p, e, c) for p, e, c in cards)
    offline = unreachable_from_here({p.key: e for p, e, _ in portals if e})
    machine = (
        '<p class="machine">Máy thu thập không kết nối được cổng nào · '
        f"{html.escape(offline)}</p>\n"
        if offline
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Tình trạng nguồn tin · Feed status</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>Tình trạng nguồn tin <span>· Feed status</span></h1>
<p class="summary">{summary}</p>
<p class="summary">{len(portals)} cổng thông tin / portals: {tally}</p>
{machine}</header>
<main>
{body}
</main>
<footer>
<p>Giờ Việt Nam (UTC+7). Ô xám: ngày nghỉ · Grey: weekends and public holidays.
<a href="index.html">Danh sách nguồn tin · All feeds</a></p>
</footer>
</body>
</html>
"""


def write_status_page(
    store: Store,
    registry: Registry | Sequence[Portal],
    out_dir: Path,
    *,
    now: datetime | None = None,
    view: Mapping[str, Any] | None = None,
    write: Callable[[str, bytes], Path] | None = None,
) -> Path:
    """Write ``out_dir/status.html`` atomically from every portal's latest state
    (``view``: :func:`newsfeed.monitor.state.current_view`, read from the store when None)
    and the store's articles."""
    now = now or datetime.now(UTC)
    today = now.astimezone(LOCAL_TZ).date()
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    if view is None:
        view = current_view(store, registry, now=now)
    by_key: Mapping[str, Any] = view.get("portals", {}) if view else {}
    portals = [(p, by_key.get(p.key), daily_counts(store, p.key, days)) for p in registry]
    page = render_status_page(portals, view, now=now)
    out_dir.mkdir(parents=True, exist_ok=True)
    if write is not None:  # a build's writer: it counts what it writes
        return write(FILE_NAME, page.encode("utf-8"))
    path = out_dir / FILE_NAME
    atomic_write(path, page.encode("utf-8"))
    return path
