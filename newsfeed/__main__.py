"""`python -m newsfeed` is the `newsfeed` console script."""

from __future__ import annotations

from newsfeed.cli import main

raise SystemExit(main())
