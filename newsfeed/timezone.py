"""Vietnam's one time zone.

Vietnam has kept UTC+07:00 all year since 1975, with no daylight saving, so a fixed offset is
exact for every date a portal prints (and needs no tz database on the host). Every date the
tool writes (feeds, reports, status page) and every date a page prints without an offset is at
this offset.
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo

LOCAL_TZ: tzinfo = timezone(timedelta(hours=7))
"""+07:00, the portals' local time."""
