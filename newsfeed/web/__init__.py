"""Web pages: index.html, status.html and the feeds server."""
