"""``newsfeed schedule``: one crawl job per portal spread over scrapyd nodes, then the feeds.

Every node runs the newsfeed Scrapy project (deployed with ``scrapyd-deploy``, or installed
and named in scrapyd.conf's ``[settings]``) and writes into the same PostgreSQL store. The
scheduler:

1. asks each node for its load (``daemonstatus.json``: running and pending jobs) and gives
   the next portal to the node with the most free slots, one job per portal (``schedule.json``,
   spider ``portal``, argument ``portal=KEY``), as slots free up. scrapyd does not say its
   ``max_proc``, but a node with a free slot starts every job it is given: a node with no job
   pending has a free slot and gets one more job (the least busy node first), a node with a
   job still pending is full. ``slots`` (``--slots``) caps running + pending per node;
2. follows the jobs (``listjobs.json``); a finished job's outcome is the report it wrote into
   the store at spider close (found by its job id), so the scheduler reads the same report as
   ``newsfeed report`` and ``check``;
3. a job that ended without a report (its process was killed, the node died or cannot be
   reached) is reported ``failed`` and scheduled once more, on a node that answers; a job
   whose portal another process was crawling is reported ``locked`` (not retried: that other
   crawl is the portal's crawl);
4. when every job has ended, builds the feeds from the shared store, and writes the metrics
   of all the jobs' portals.

Only the URLs given are contacted.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from newsfeed import USER_AGENT
from newsfeed.store.db import Store

logger = logging.getLogger(__name__)

SPIDER = "portal"
QUICK_POLL = 0.2
"""Seconds to the first look at the nodes after a job was given or ended; the looks then
space out by half each time, up to ``schedule_portals``'s ``poll``: a node's next job is
given as soon as it took the last one, and a short crawl (a portal with nothing new ends in
seconds) is seen to end within a fraction of a second, while hour-long crawls are asked about
once a ``poll``."""
LOCKED_MARK = "is being crawled by another process"
"""What a job's log says when its portal was claimed (:mod:`newsfeed.store.locks`)."""


class NodeError(OSError):
    """A scrapyd node did not answer, or answered with an error."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """One scrapyd node's HTTP API (``http://host:6800/``)."""

    url: str
    timeout: float = 10

    def _call(self, path: str, data: Mapping[str, str] | None = None) -> dict[str, Any]:
        url = urllib.parse.urljoin(self.url.rstrip("/") + "/", path)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise NodeError(f"{self.url}: {exc}") from None
        if not isinstance(answer, dict) or answer.get("status") != "ok":
            message = answer.get("message") if isinstance(answer, dict) else answer
            raise NodeError(f"{self.url}: {path} answered {message}")
        return answer

    def status(self) -> tuple[int, int]:
        """Jobs (running, pending) on the node, all projects."""
        answer = self._call("daemonstatus.json")
        return int(answer.get("running", 0)), int(answer.get("pending", 0))

    def schedule(self, project: str, portal: str) -> str:
        answer = self._call(
            "schedule.json", {"project": project, "spider": SPIDER, "portal": portal}
        )
        return str(answer["jobid"])

    def jobs(self, project: str) -> dict[str, str]:
        """Job id -> ``pending`` | ``running`` | ``finished``."""
        answer = self._call("listjobs.json?" + urllib.parse.urlencode({"project": project}))
        return {
            str(job["id"]): state
            for state in ("pending", "running", "finished")
            for job in answer.get(state, [])
        }

    def log(self, project: str, job: str) -> str:
        """The job's log (empty when the node does not serve it)."""
        url = urllib.parse.urljoin(self.url.rstrip("/") + "/", f"logs/{project}/{SPIDER}/{job}.log")
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return str(response.read().decode("utf-8", errors="replace"))
        except OSError:
            return ""


@dataclass(slots=True, kw_only=True)
class Job:
    portal: str
    node: Node
    id: str
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How one portal's crawl ended."""

    portal: str
    status: str
    """The report's ``ok`` / ``warning`` / ``critical``; ``failed`` (no report, twice);
    ``locked`` (another process was crawling the portal)."""
    node: str
    job: str
    attempts: int
    message: str = ""
    report: Mapping[str, Any] | None = None


@dataclass(slots=True)
class _State:
    queue: deque[tuple[str, int]] = field(default_factory=deque)
    active: dict[str, Job] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)


def schedule_portals(
    portals: Sequence[str],
    nodes: Sequence[str],
    *,
    store_url: str,
    project: str = "newsfeed",
    slots: int | None = None,
    poll: float = 1.0,
    timeout: timedelta = timedelta(hours=6),
    say: Callable[[str], None] = print,
) -> list[Outcome]:
    """Run one crawl job per portal over ``nodes`` and wait for them all (see module doc),
    looking at the nodes :data:`QUICK_POLL` seconds after a change, then up to every ``poll``."""
    started = datetime.now(UTC)
    state = _State(queue=deque((p, 1) for p in portals))
    clients = [Node(url=u) for u in nodes]
    deadline = time.monotonic() + timeout.total_seconds()
    wait = QUICK_POLL
    while state.queue or state.active:
        if time.monotonic() > deadline:
            for job in state.active.values():
                _end(state, job, "failed", f"still {_where(job)} after {timeout}", say)
            state.active.clear()
            break
        given = _dispatch(state, clients, project, slots, say)
        if not state.active and state.queue and len(state.down) == len(clients):
            for portal, attempt in state.queue:
                state.outcomes[portal] = Outcome(
                    portal=portal,
                    status="failed",
                    node="",
                    job="",
                    attempts=attempt - 1,
                    message="no scrapyd node answers",
                )
                say(f"{portal}: failed: no scrapyd node answers")
            state.queue.clear()
            break
        time.sleep(min(wait, poll))
        ended = _follow(
            state, clients, project=project, store_url=store_url, started=started, say=say
        )
        wait = QUICK_POLL if given or ended else min(wait * 1.5, poll)
    return [state.outcomes[p] for p in portals if p in state.outcomes]


def _where(job: Job) -> str:
    return f"job {job.id} on {job.node.url}"


def _dispatch(
    state: _State,
    clients: Sequence[Node],
    project: str,
    slots: int | None,
    say: Callable[[str], None],
) -> int:
    """Give the queue's portals to the nodes' free slots; how many were given."""
    given = 0
    free: dict[str, int] = {}
    busy: dict[str, int] = {}
    for node in clients:
        try:
            running, pending = node.status()
        except NodeError as exc:
            if node.url not in state.down:
                logger.warning("%s", exc)
            state.down.add(node.url)
            continue
        state.down.discard(node.url)
        busy[node.url] = running + pending
        free[node.url] = _free_slots(running, pending, slots)
    by_url = {n.url: n for n in clients}
    while state.queue and free and max(free.values()) > 0:
        url = max(free, key=lambda u: (free[u], -busy[u], -list(by_url).index(u)))
        portal, attempt = state.queue[0]
        try:
            job_id = by_url[url].schedule(project, portal)
        except NodeError as exc:
            logger.warning("%s", exc)
            state.down.add(url)
            del free[url]
            continue
        state.queue.popleft()
        free[url] -= 1
        busy[url] += 1
        job = Job(portal=portal, node=by_url[url], id=job_id, attempt=attempt)
        state.active[job_id] = job
        given += 1
        again = " (again)" if attempt > 1 else ""
        say(f"{portal}: scheduled{again} as {_where(job)}")
    return given


def _free_slots(running: int, pending: int, cap: int | None) -> int:
    """Jobs a node takes now: ``cap`` minus its load; with no cap, one while none of its jobs
    is pending (its launcher took every job it was given), else none."""
    if cap is not None:
        return cap - running - pending
    return 0 if pending else 1


def _follow(
    state: _State,
    clients: Sequence[Node],
    *,
    project: str,
    store_url: str,
    started: datetime,
    say: Callable[[str], None],
) -> int:
    """Settle the jobs that ended (finished, vanished, or on a node gone); how many."""
    listed: dict[str, dict[str, str] | None] = {}
    for node in clients:
        if any(j.node.url == node.url for j in state.active.values()):
            try:
                listed[node.url] = node.jobs(project)
            except NodeError as exc:
                logger.warning("%s", exc)
                listed[node.url] = None
                state.down.add(node.url)
    ended: list[tuple[Job, str | None]] = []
    for job in list(state.active.values()):
        jobs = listed.get(job.node.url)
        if jobs is None:
            ended.append((job, f"the node {job.node.url} stopped answering"))
        elif job.id not in jobs:
            ended.append((job, f"{_where(job)} vanished from the node's job list"))
        elif jobs[job.id] == "finished":
            ended.append((job, None))
    if not ended:
        return 0
    reports = _reports_by_job(store_url, started)
    for job, lost in ended:
        del state.active[job.id]
        report = reports.get(job.id)
        if report is not None:
            _end(state, job, str(report.get("status", "ok")), "", say, report=report)
        elif lost is None and LOCKED_MARK in job.node.log(project, job.id):
            _end(state, job, "locked", "another process is crawling it", say)
        else:
            why = lost or f"{_where(job)} ended without a report (killed?)"
            if job.attempt == 1:
                say(f"{job.portal}: failed: {why}; scheduling it once more")
                state.queue.append((job.portal, 2))
            else:
                _end(state, job, "failed", why, say)
    return len(ended)


def _end(
    state: _State,
    job: Job,
    status: str,
    message: str,
    say: Callable[[str], None],
    *,
    report: Mapping[str, Any] | None = None,
) -> None:
    state.outcomes[job.portal] = Outcome(
        portal=job.portal,
        status=status,
        node=job.node.url,
        job=job.id,
        attempts=job.attempt,
        message=message,
        report=report,
    )
    say(f"{job.portal}: {status}{': ' + message if message else ''} ({_where(job)})")


def _reports_by_job(store_url: str, since: datetime) -> dict[str, dict[str, Any]]:
    # a report's "started" is in whole seconds: a second of slack
    with Store(store_url) as store:
        found = store.reports_since(since - timedelta(seconds=1))
    return {str(r["job"]): r for r in found if r.get("job")}


def merged_report(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """The jobs' reports as one, for the metrics file: every portal's latest entry."""
    reports = [o.report for o in outcomes if o.report is not None]
    portals: dict[str, Any] = {}
    for report in sorted(reports, key=lambda r: str(r.get("finished", ""))):
        portals.update(report.get("portals", {}))
    return {
        "finished": max((str(r.get("finished", "")) for r in reports), default=None),
        "portals": portals,
    }
