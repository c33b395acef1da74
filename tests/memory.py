"""A process's own peak memory, for the tests and benchmarks that bound it."""

from __future__ import annotations

import resource
from pathlib import Path


def high_water_kib() -> float:
    """This process's peak resident memory in KiB: ``VmHWM``, its own address space's.

    Not ``ru_maxrss``: Linux carries that across fork and exec, so a child spawned by a
    400 MB test worker reports 400 MB before it has done anything (the fault crawl once
    "peaked" at 360 MB that way). ``ru_maxrss`` only where there is no ``/proc``.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1])
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
