"""Feeds: RSS/Atom/JSON Feed/OPML rendering and the builder that writes them from the store."""
