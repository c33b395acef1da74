"""Feeds: RSS/Atom/JSON Feed/OPML rendering, the builder that writes them from the store, and
the health item a degraded portal's readers get."""
