"""Extraction: pure functions of a page, no scheduling and no I/O.

``article.py`` applies a platform's rules, ``generic.py`` reads a page of a site with no
profile; both share ``structured.py`` (JSON-LD and meta), ``body.py`` (the body cleaner) and
``dates.py`` (parsing and the one date precedence). ``pages.py`` tells soft-error pages apart.
Nothing here imports the crawl, the store or the monitoring.
"""
