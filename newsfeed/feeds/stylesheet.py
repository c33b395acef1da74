"""``feed.xsl``: what a browser shows when someone clicks an RSS or Atom feed.

Without it a browser shows raw XML (or offers a download), and a visitor who clicked "RSS" on
``index.html`` concludes the link is broken. With ``<?xml-stylesheet type="text/xsl"?>`` at the
top of each feed, the browser renders this XSLT 1.0 stylesheet instead: a Vietnamese page that
says what a feed is, gives the address to copy into a reader, and lists the items. Readers
ignore the processing instruction, so the feeds stay the same to them and to validators.

One file at the root of the feeds folder; a feed links it by a relative URL (``../feed.xsl``
from ``<portal>/<category>.rss.xml``), so it is same-origin wherever the folder is published
(browsers refuse a cross-origin stylesheet).
"""

from __future__ import annotations

STYLESHEET = "feed.xsl"
"""The stylesheet's file name in the feeds folder."""

STYLESHEET_XSL = """\
<?xml version="1.0" encoding="UTF-8"?>
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
<xsl:output method="html" encoding="UTF-8" indent="no"
    doctype-system="about:legacy-compat"/>

<xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
<xsl:variable name="self"
    select="(/rss/channel/atom:link[@rel='self'] | /atom:feed/atom:link[@rel='self'])/@href"/>
<xsl:variable name="home"
    select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>

<xsl:template match="/">
<html lang="vi">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<meta name="color-scheme" content="light dark"/>
<title><xsl:value-of select="$title"/> – nguồn tin RSS</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem}
.about{border:1px solid #8884;border-radius:.5rem;padding:.75rem 1rem;background:#8881}
code{display:block;overflow-wrap:anywhere;padding:.5rem;margin:.5rem 0;border:1px solid #8886;
border-radius:.25rem;user-select:all}
li{margin:.75rem 0}.date{color:#888;font-size:.9em}
</style>
</head>
<body>
<section class="about">
<p><strong>Đây là một nguồn tin (RSS/Atom), dành cho trình đọc tin.</strong>
Sao chép địa chỉ này vào trình đọc tin của bạn để nhận tin mới tự động:</p>
<code><xsl:value-of select="$self"/></code>
<p><a href="../index.html">Xem mọi nguồn tin</a> ·
<a href="{$home}">Trang gốc</a></p>
</section>
<h1><xsl:value-of select="$title"/></h1>
<p><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
<ul>
<xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
</ul>
</body>
</html>
</xsl:template>

<xsl:template match="item">
<li><a href="{link}"><xsl:value-of select="title"/></a>
<div class="date"><xsl:value-of select="pubDate"/></div></li>
</xsl:template>

<xsl:template match="atom:entry">
<li><a href="{atom:link[not(@rel) or @rel='alternate']/@href}">
<xsl:value-of select="atom:title"/></a>
<div class="date"><xsl:value-of select="substring(atom:published, 1, 10)"/></div>
<xsl:if test="atom:summary[not(@type='html')]"><p><xsl:value-of select="atom:summary"/></p></xsl:if>
</li>
</xsl:template>
</xsl:stylesheet>
"""
"""The XSLT 1.0 stylesheet (the only version browsers run)."""


def stylesheet_pi(path: str) -> bytes:
    """The ``<?xml-stylesheet?>`` line for the feed whose stem is ``path`` (relative href)."""
    href = "../" * path.count("/") + STYLESHEET
    return f'<?xml-stylesheet type="text/xsl" href="{href}"?>\n'.encode()
