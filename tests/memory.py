"""A process's own peak memory, for the tests and benchmarks that bound it."""

from __future__ import annotations

import resource

from newsfeed.crawl.extensions import own_peak_kib


def high_water_kib() -> float:
    """This process's peak resident memory in KiB: ``VmHWM``, its own address space's
    (:func:`newsfeed.crawl.extensions.own_peak_kib`, the crawl's memory limit reads it too).

    Not ``ru_maxrss``: Linux carries that across fork and exec, so a child spawned by a
    400 MB test worker reports 400 MB before it has done anything (the fault crawl once
    "peaked" at 360 MB that way). ``ru_maxrss`` only where there is no ``/proc``.
    """
    peak = own_peak_kib()
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if peak is None else peak)
